"""A realistic demo team for trying the service locally."""

from sqlalchemy import func, select

from ..extensions import db
from ..models import Role, User
from . import people

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


def database_is_empty() -> bool:
    """True when nobody has an account yet."""
    return not db.session.scalar(select(func.count(User.id)))


def load_demo_data() -> list[tuple[str, str, list[Role]]]:
    """Create the demo team and its people; returns who was created."""
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
    db.session.commit()
    return DEMO_PEOPLE
