"""A council-sized demo: hundreds of staff and 18 months of history, for measuring pages.

The named demo accounts come from the ordinary demo (services/demo.py) and then get a
heavy share of the bulk: their mentor takes many NQSWs, their manager's team grows. The
rest is computed from a fixed seed, dated from `now`, and written with bulk inserts in
one transaction, keeping the app's guards (no overlapping holds, locked records last).
"""

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from random import Random
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select, text

from nqsw_visits.availability.models import (
    AvailabilityException,
    AvailabilityPattern,
    AvailabilityWindow,
    BankHoliday,
    ExceptionKind,
)
from nqsw_visits.core.extensions import db
from nqsw_visits.demo import scale_history as demo_scale_history
from nqsw_visits.demo import scale_programme as demo_scale_programme
from nqsw_visits.demo.team import DEMO_PASSWORD, DEMO_TEAM, load_demo_data
from nqsw_visits.demo.timeline import Days
from nqsw_visits.people import passwords
from nqsw_visits.people.models import (
    AuditEvent,
    MentorAssignment,
    Role,
    Team,
    TeamManager,
    User,
    UserRole,
)

SEED = 20270113
FIRST = "Aisha Ben Carla Dev Erin Femi Gita Harry Imran Jade Kofi Lena Maya Niall Owen Pia"
LAST = "Adams Begum Clarke Doyle Evans Foster Gill Hughes Iqbal Jones Khan Lewis Moss Noor"


@dataclass(frozen=True)
class Scale:
    """How big: teams and their people, requests and observations in all."""

    teams: int
    mentors_per_team: int
    nqsws_per_team: int
    requests: int
    observations: int
    heavy_mentor: int  # requests of mentor1@example.org
    heavy_nqsw: int  # requests of nqsw1@example.org
    extra_demo_nqsws: int  # the demo manager leads 5 + this many NQSWs


SCALES = {
    "small": Scale(2, 2, 6, 1000, 400, 120, 40, 3),
    "council": Scale(12, 4, 19, 50_000, 20_000, 1500, 150, 15),
    "region": Scale(120, 4, 19, 500_000, 200_000, 1500, 150, 15),
}


def load(scale_name: str, now: datetime, zone: ZoneInfo) -> dict[str, int]:
    """Load the demo team, then the council around it; returns rows added per table."""
    scale = SCALES[scale_name]
    load_demo_data(now, zone)
    rng = Random(SEED)  # noqa: S311  (a fixed seed: the same data set every time)
    holidays = frozenset(db.session.scalars(select(BankHoliday.day)))
    days = Days(zone, holidays)
    staff = _staff(scale, rng, now)
    _availability(staff, rng, days, now)
    counts = demo_scale_history.build(staff, scale, rng, days, now)
    counts |= demo_scale_programme.build(staff, rng, days, now)
    _reset_sequences()
    db.session.commit()
    # A bulk load leaves the planner without statistics until autovacuum gets round to
    # them (PostgreSQL) or for good (SQLite): it then scans whole tables for one person's rows.
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    counts["users"] = db.session.scalar(select(func.count(User.id)))
    return counts


@dataclass
class Staff:
    """Who is who in the bulk data: mentors, each one's NQSWs, the demo's heavy users."""

    mentors: list[int]
    mentees: dict[int, list[int]]
    everyone: list[int]
    heavy_mentor: int
    heavy_nqsw: int
    demo_mentors: list[int]
    demo_nqsws: frozenset[int]  # their agreements come from the ordinary agreement demo


def next_id(table) -> int:
    return (db.session.scalar(select(func.max(table.id))) or 0) + 1


def _staff(scale: Scale, rng: Random, now: datetime) -> Staff:
    by_email = dict(db.session.execute(select(User.email, User.id)).all())
    demo_team = db.session.scalar(select(Team.id).where(Team.name == DEMO_TEAM))
    joined = now - timedelta(days=560)
    password_hash = passwords.hash_password(DEMO_PASSWORD)
    next_user, next_team = next_id(User), next_id(Team)
    users, roles, teams, managers, assignments = [], [], [], [], []
    firsts, lasts = FIRST.split(), LAST.split()

    def person(role: Role, team_id: int) -> int:
        nonlocal next_user
        uid, next_user = next_user, next_user + 1
        name = f"{rng.choice(firsts)} {rng.choice(lasts)}"
        email = f"{name.replace(' ', '.').lower()}.{uid}@example.org"
        users.append(
            {
                "id": uid,
                "email": email,
                "display_name": name,
                "password_hash": password_hash,
                "active": True,
                "team_id": team_id,
                "failed_logins": 0,
                "created_at": joined,
                "password_changed_at": joined,
            }
        )
        roles.append({"user_id": uid, "role": role.value})
        return uid

    mentors, mentees = [], {}
    heavy_mentor = by_email["mentor1@example.org"]
    demo_nqsws = [by_email[f"nqsw{n}@example.org"] for n in (1, 2, 3)]
    mentees[heavy_mentor] = list(demo_nqsws)
    for _ in range(scale.extra_demo_nqsws):
        nqsw = person(Role.NQSW, demo_team)
        mentees[heavy_mentor].append(nqsw)
        assignments.append({"nqsw_id": nqsw, "mentor_id": heavy_mentor, "created_at": joined})
    for number in range(scale.teams):
        team_id, next_team = next_team, next_team + 1
        teams.append(
            {"id": team_id, "name": f"Children's Services {number + 1:03d}", "created_at": joined}
        )
        managers.append({"team_id": team_id, "user_id": person(Role.PRACTICE_MANAGER, team_id)})
        team_mentors = [person(Role.MENTOR, team_id) for _ in range(scale.mentors_per_team)]
        mentors.extend(team_mentors)
        for index in range(scale.nqsws_per_team):
            nqsw = person(Role.NQSW, team_id)
            first = team_mentors[index % len(team_mentors)]
            chosen = {first, rng.choice(team_mentors)}
            for mentor in chosen:
                mentees.setdefault(mentor, []).append(nqsw)
                assignments.append({"nqsw_id": nqsw, "mentor_id": mentor, "created_at": joined})
    bulk(Team, teams)
    bulk(User, users)
    bulk(UserRole, roles)
    bulk(TeamManager, managers)
    bulk(MentorAssignment, assignments)
    everyone = list(by_email.values()) + [row["id"] for row in users]
    return Staff(
        mentors=[heavy_mentor, *mentors],
        mentees=mentees,
        everyone=everyone,
        heavy_mentor=heavy_mentor,
        heavy_nqsw=by_email["nqsw1@example.org"],
        demo_mentors=[heavy_mentor, by_email["mentor2@example.org"]],
        demo_nqsws=frozenset(by_email[f"nqsw{n}@example.org"] for n in range(1, 6)),
    )


def _availability(staff: Staff, rng: Random, days: Days, now: datetime) -> None:
    """A weekly pattern for every bulk mentor, a newer version for some, and leave."""
    start = (now - timedelta(days=560)).date()
    patterns, windows, away = [], [], []
    next_pattern = next_id(AvailabilityPattern)
    for mentor in staff.mentors[1:]:
        versions = [start] + ([start + timedelta(days=270)] if rng.random() < 0.3 else [])
        for effective in versions:
            pid, next_pattern = next_pattern, next_pattern + 1
            patterns.append(
                {
                    "id": pid,
                    "mentor_id": mentor,
                    "effective_from": effective,
                    "created_at": days.at(effective, 9)
                    if days.working(effective)
                    else now - timedelta(days=560),
                }
            )
            for weekday in range(5 if rng.random() < 0.7 else 4):
                windows.append(
                    {"pattern_id": pid, "weekday": weekday, "starts": time(9), "ends": time(17)}
                )
        # A training day on a weekend morning before the history starts: it shows in the
        # list and never meets a request.
        training = now - timedelta(days=600 + rng.randrange(7))
        away.append(
            {
                "mentor_id": mentor,
                "kind": ExceptionKind.TRAINING.value,
                "starts_at": training,
                "ends_at": training + timedelta(hours=3),
                "note": "Training",
                "created_at": training,
            }
        )
    bulk(AvailabilityPattern, patterns)
    bulk(AvailabilityWindow, windows)
    bulk(AvailabilityException, away)


def bulk(model, rows: list[dict]) -> None:
    """Insert many rows at once (executemany), in chunks to keep memory flat."""
    for first in range(0, len(rows), 5000):
        db.session.execute(insert(model.__table__), rows[first : first + 5000])


def audit_rows(rows: list[dict]) -> None:
    """Add audit rows in bulk; the table is append-only, as for the app."""
    bulk(AuditEvent, rows)


def _reset_sequences() -> None:
    """PostgreSQL: move id sequences past the ids given here, so the app's inserts work."""
    if db.engine.dialect.name != "postgresql":
        return
    tables = ("users", "teams", "availability_patterns", "support_requests", "observations")
    for table in tables + demo_scale_programme.TABLES + ("one_to_ones",):
        db.session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT max(id) FROM {table}))"
            )
        )
