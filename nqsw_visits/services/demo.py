"""A realistic demo team for trying the service locally."""

from datetime import date, time, timedelta

from sqlalchemy import func, select

from ..extensions import db
from ..models import Role, User, utcnow
from ..models_observations import Classification, Standard
from ..models_requests import RequestEvent, RequestKind, RequestStatus, SupportRequest
from . import availability_store, observations, people

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
    _demo_diaries(by_email)
    db.session.commit()
    return DEMO_PEOPLE


def _demo_diaries(by_email: dict[str, User]) -> None:
    """Weekday hours for both mentors, and two home visits that have already happened."""
    today = date.today()
    for email in DEMO_MENTORING:
        mentor = by_email[email]
        for weekday in range(5):
            availability_store.add_window(mentor, mentor, weekday, time(9), time(17), today)
    grace, amira = by_email["mentor1@example.org"], by_email["nqsw1@example.org"]
    for days_ago, reference in ((3, "DEMO-1042"), (8, "DEMO-1077")):
        ends = utcnow().replace(minute=0, second=0, microsecond=0) - timedelta(days=days_ago)
        request = SupportRequest(
            nqsw_id=amira.id,
            mentor_id=grace.id,
            kind=RequestKind.HOME_VISIT.value,
            starts_at=ends - timedelta(hours=1),
            ends_at=ends,
            case_reference=reference,
            venue_type="family_home",
            area="East",
            purpose="Review the child in need plan with the family",
            feedback_on="How I explain why we are there",
            consent="yes",
            status=RequestStatus.COMPLETED.value,
        )
        db.session.add(request)
        db.session.flush()
        for actor, action, before, after in (
            (amira, "asked", None, "requested"),
            (grace, "accepted", "requested", "accepted"),
            (None, "completed", "accepted", "completed"),
        ):
            db.session.add(
                RequestEvent(
                    request_id=request.id,
                    actor_id=actor.id if actor else None,
                    action=action,
                    from_status=before,
                    to_status=after,
                )
            )
    observation = observations.start(grace, request)
    observations.save_notes(
        grace,
        observation,
        observations.Notes(
            classification=Classification.ASYE_DIRECT,
            observed="Explained the purpose of the visit at the start and checked the plan "
            "point by point with the parent.",
            strengths="Calm, clear language; kept the child's needs at the centre.",
            to_develop="Leave more space after a question before moving on.",
            look_out_for="Who else is in the home, and whether they should hear the discussion.",
            standard_ids=tuple(
                db.session.scalars(select(Standard.id).where(Standard.code.in_(["PCF7", "KSS2"])))
            ),
        ),
    )
    observations.share(grace, observation)
