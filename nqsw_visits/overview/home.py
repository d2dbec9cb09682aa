"""What each role's home page shows: people and the to-dos that need them."""

from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import aliased, joinedload, lazyload

from nqsw_visits.core.extensions import db
from nqsw_visits.core.loading import fill
from nqsw_visits.people.models import (
    AuditEvent,
    MentorAssignment,
    Role,
    Team,
    TeamManager,
    User,
)
from nqsw_visits.people.queries import with_role
from nqsw_visits.support_requests.models import SupportRequest


def requests_waiting(mentor: User) -> int:
    """How many requests wait for this mentor's answer."""
    return db.session.scalar(
        select(func.count())
        .select_from(SupportRequest)
        .where(SupportRequest.mentor_id == mentor.id, SupportRequest.status == "requested")
    )


def mentees_of(mentor: User) -> list[User]:
    """The active NQSWs who may ask this mentor, with their teams."""
    return list(db.session.scalars(_mentees(), {"mentor_id": mentor.id}))


@cache  # built once, like the others here: every mentor's home runs it
def _mentees():
    return (
        select(User)
        .join(MentorAssignment, MentorAssignment.nqsw_id == User.id)
        .where(MentorAssignment.mentor_id == bindparam("mentor_id"), User.active)
        # Names and teams, not roles; the team in the same statement (a handful of mentees).
        .options(lazyload(User.role_rows), joinedload(User.team))
        .order_by(User.display_name)
    )


@dataclass
class TeamOverview:
    """One managed team: its NQSWs (with mentors) and those with no mentor."""

    team: Team
    nqsws: list[User] = field(default_factory=list)

    @staticmethod
    def mentors_of(nqsw: User) -> list[User]:
        """An NQSW's mentors who can still be asked (deactivated ones no longer count)."""
        return [mentor for mentor in nqsw.mentors if mentor.active]

    @property
    def without_mentor(self) -> list[User]:
        return [nqsw for nqsw in self.nqsws if not self.mentors_of(nqsw)]


def managed_teams(manager: User) -> list[TeamOverview]:
    """The teams a practice manager leads, with each team's active NQSWs."""
    teams = db.session.scalars(_managed(), {"manager_id": manager.id}).all()
    overviews = {team.id: TeamOverview(team) for team in teams}
    nqsws = list(db.session.scalars(_nqsws_of_teams(), {"team_ids": list(overviews)}))
    fill(nqsws, "mentors", _mentors_of())
    for nqsw in nqsws:
        overviews[nqsw.team_id].nqsws.append(nqsw)
    return list(overviews.values())


@cache  # built once, like the next: every manager's home runs them
def _managed():
    return (
        select(Team)
        .join(TeamManager, TeamManager.team_id == Team.id)
        .where(TeamManager.user_id == bindparam("manager_id"))
        .order_by(Team.name)
    )


@cache
def _nqsws_of_teams():
    # Names and mentors only: neither the NQSWs' roles nor their mentors' are shown.
    return (
        with_role(Role.NQSW)
        .where(User.team_id.in_(bindparam("team_ids", expanding=True)), User.active)
        .options(lazyload(User.role_rows))
        .order_by(User.display_name)
    )


@cache
def _mentors_of():
    return (
        select(MentorAssignment.nqsw_id, User)
        .join(User, User.id == MentorAssignment.mentor_id)
        .where(MentorAssignment.nqsw_id.in_(bindparam("ids", expanding=True)))
        .options(lazyload(User.role_rows))
        .order_by(User.display_name, User.id)
    )


@dataclass
class AdminOverview:
    """Counts and lists an administrator acts on."""

    active_users: int
    inactive_users: int
    locked: list[User]
    nqsws_without_team: list[User]
    nqsws_without_mentor: list[User]
    teams_without_manager: list[Team]
    recent_events: list[AuditEvent]


@cache
def _admin_statements() -> dict:
    """The administrator's home reads the same six statements each time: built once."""
    mentor = aliased(User)
    has_mentor = (
        select(MentorAssignment.nqsw_id)
        .join(mentor, mentor.id == MentorAssignment.mentor_id)
        .where(mentor.active)
    )
    has_manager = (
        select(TeamManager.team_id).join(User, User.id == TeamManager.user_id).where(User.active)
    )

    def people(query):
        # These lists show names only: leave roles unloaded (one query fewer per list).
        return query.options(lazyload(User.role_rows)).order_by(User.display_name)

    return {
        "counts": select(User.active, func.count()).group_by(User.active),
        "locked": people(select(User).where(User.locked_until > bindparam("now"))),
        "without_team": people(with_role(Role.NQSW).where(User.active, User.team_id.is_(None))),
        "without_mentor": people(
            with_role(Role.NQSW).where(User.active, User.id.not_in(has_mentor))
        ),
        "teams": select(Team).where(Team.id.not_in(has_manager)).order_by(Team.name),
        "recent": select(AuditEvent)
        .options(joinedload(AuditEvent.actor).lazyload(User.role_rows))
        .order_by(AuditEvent.id.desc())
        .limit(10),
    }


def admin_overview(now: datetime) -> AdminOverview:
    """People and teams that need an administrator's attention."""
    statements = _admin_statements()
    counts = dict(db.session.execute(statements["counts"]).all())

    def rows(name: str, **params) -> list:
        return list(db.session.scalars(statements[name], params))

    return AdminOverview(
        active_users=counts.get(True, 0),
        inactive_users=counts.get(False, 0),
        locked=rows("locked", now=now),
        nqsws_without_team=rows("without_team"),
        nqsws_without_mentor=rows("without_mentor"),
        teams_without_manager=rows("teams"),
        recent_events=rows("recent"),
    )
