"""A realistic demo team for trying the service locally, dated from the moment it is loaded."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from nqsw_visits.availability import rules as availability_store
from nqsw_visits.availability.models import BankHoliday
from nqsw_visits.core.extensions import db
from nqsw_visits.demo import history as demo_history
from nqsw_visits.demo.timeline import Days, dated
from nqsw_visits.people import rules as people
from nqsw_visits.people.models import Role, User

# Local trial only: documented in the README, never for a real deployment.
DEMO_PASSWORD = "alongside-demo"  # noqa: S105  (documented demo password)
DEMO_TEAM = "Family Support East"

DEMO_PEOPLE = [
    ("admin@example.org", "Sam Taylor", [Role.ADMIN]),
    ("manager@example.org", "Priya Shah", [Role.PRACTICE_MANAGER]),
    ("mentor1@example.org", "Grace Mensah", [Role.MENTOR]),
    ("mentor2@example.org", "Tom Whitfield", [Role.MENTOR]),
    ("nqsw1@example.org", "Amira Hassan", [Role.NQSW]),
    ("nqsw2@example.org", "Ben Carter", [Role.NQSW]),
    ("nqsw3@example.org", "Chloe Okafor", [Role.NQSW]),
    ("nqsw4@example.org", "Daniel Price", [Role.NQSW]),
    ("nqsw5@example.org", "Ella Nowak", [Role.NQSW]),
]

# Which NQSWs each mentor takes; Ella has none yet, so her manager sees a gap.
DEMO_MENTORING = {
    "mentor1@example.org": ["nqsw1@example.org", "nqsw2@example.org", "nqsw3@example.org"],
    "mentor2@example.org": ["nqsw3@example.org", "nqsw4@example.org"],
}


# The names the demo's history calls people by.
SHORT = {
    "grace": "mentor1@example.org",
    "tom": "mentor2@example.org",
    "amira": "nqsw1@example.org",
    "ben": "nqsw2@example.org",
    "chloe": "nqsw3@example.org",
    "daniel": "nqsw4@example.org",
}
JOINED_WORKING_DAYS_AGO = 25  # the team joined the service five weeks ago


def database_is_empty() -> bool:
    """True when nobody has an account yet."""
    return not db.session.scalar(select(func.count(User.id)))


def load_demo_data(now: datetime, zone: ZoneInfo) -> list[tuple[str, str, list[Role]]]:
    """Create the demo team and its last weeks and next weeks, as at `now`; returns who."""
    holidays = frozenset(db.session.scalars(select(BankHoliday.day)))
    days = Days(zone, holidays)
    latest = days.latest_working_moment(now).astimezone(zone).date()
    joined = days.shift(latest, -JOINED_WORKING_DAYS_AGO)
    with dated(days.at(joined, 9)):
        by_email = _people()
        for email in DEMO_MENTORING:
            mentor = by_email[email]
            for weekday in range(5):
                availability_store.add_window(mentor, mentor, weekday, time(9), time(17), joined)
    demo_history.build({key: by_email[email] for key, email in SHORT.items()}, now, zone)
    db.session.commit()
    return DEMO_PEOPLE


def _people() -> dict[str, User]:
    team = people.create_team(None, DEMO_TEAM)
    by_email = {}
    for email, name, roles in DEMO_PEOPLE:
        by_email[email] = people.create_user(
            None,
            email=email,
            display_name=name,
            roles=roles,
            team_id=team.id,
            password=DEMO_PASSWORD,
        )
    admin = by_email["admin@example.org"]
    people.set_team_managers(admin, team, [by_email["manager@example.org"].id])
    mentors_of: dict[str, list[int]] = {}
    for mentor, nqsws in DEMO_MENTORING.items():
        for nqsw in nqsws:
            mentors_of.setdefault(nqsw, []).append(by_email[mentor].id)
    for nqsw, mentor_ids in mentors_of.items():
        people.set_mentors(admin, by_email[nqsw], mentor_ids)
    return by_email
