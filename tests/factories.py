"""Small factories for test data, each committing what it makes."""

from datetime import datetime, timedelta
from itertools import count
from zoneinfo import ZoneInfo

from nqsw_visits.core import clock
from nqsw_visits.core.extensions import db
from nqsw_visits.people import passwords
from nqsw_visits.people.models import MentorAssignment, Role, Team, TeamManager, User, UserRole

DEFAULT_PASSWORD = "a long test password"
# Every test starts at this ordinary moment (a Wednesday in term, no bank holiday near);
# tests build their dates from it, or travel elsewhere with time_machine.
FROZEN_AT = datetime(2027, 1, 13, 10, 0, tzinfo=ZoneInfo("Europe/London"))
_numbers = count(1)


def make_team(name: str | None = None) -> Team:
    team = Team(name=name or f"Team {next(_numbers)}")
    db.session.add(team)
    db.session.commit()
    return team


def make_user(
    *roles: Role,
    email: str | None = None,
    name: str | None = None,
    team: Team | None = None,
    password: str = DEFAULT_PASSWORD,
    active: bool = True,
) -> User:
    number = next(_numbers)
    user = User(
        email=email or f"person{number}@example.org",
        display_name=name or f"Person {number}",
        password_hash=passwords.hash_password(password),
        team=team,
        active=active,
        role_rows=[UserRole(role=role.value) for role in roles or (Role.NQSW,)],
    )
    db.session.add(user)
    db.session.commit()
    return user


def assign_mentor(nqsw: User, mentor: User) -> None:
    db.session.add(MentorAssignment(nqsw_id=nqsw.id, mentor_id=mentor.id))
    db.session.commit()


def make_manager_of(team: Team, manager: User) -> None:
    db.session.add(TeamManager(team_id=team.id, user_id=manager.id))
    db.session.commit()


def make_team_with_people(nqsws: int = 3) -> dict:
    """A team with a manager, two mentors and some NQSWs (the last without a mentor)."""
    team = make_team()
    manager = make_user(Role.PRACTICE_MANAGER, team=team)
    make_manager_of(team, manager)
    mentors = [make_user(Role.MENTOR, team=team) for _ in range(2)]
    people = [make_user(Role.NQSW, team=team) for _ in range(nqsws)]
    for index, nqsw in enumerate(people[:-1]):
        assign_mentor(nqsw, mentors[index % 2])
    admin = make_user(Role.ADMIN)
    return {"team": team, "manager": manager, "mentors": mentors, "nqsws": people, "admin": admin}


def make_completed_request(nqsw: User, mentor: User, days_ago: int = 1, **fields):
    """An accompaniment that has happened: stored directly, as if asked, accepted and done."""
    from nqsw_visits.support_requests.models import SupportRequest

    ends = clock.now().replace(microsecond=0) - timedelta(days=days_ago)
    request = SupportRequest(
        nqsw_id=nqsw.id,
        mentor_id=mentor.id,
        kind=fields.pop("kind", "home_visit"),
        starts_at=ends - timedelta(hours=1),
        ends_at=ends,
        case_reference=fields.pop("case_reference", "CR-4417"),
        purpose=fields.pop("purpose", "Review the plan with the family"),
        feedback_on=fields.pop("feedback_on", "How I open the conversation"),
        consent="yes",
        status="completed",
        **fields,
    )
    db.session.add(request)
    db.session.commit()
    return request


def make_shared_observation(request, **notes):
    """The request mentor's observation of it, written and shared with the NQSW."""
    from nqsw_visits.observations import rules as observations
    from nqsw_visits.observations.models import Classification

    observation = observations.start(request.mentor, request)
    written = {"classification": Classification.FORMATIVE, "observed": "Seen", **notes}
    observations.save_notes(request.mentor, observation, observations.Notes(**written), clock.now())
    observations.share(request.mentor, observation, clock.now())
    db.session.commit()
    return observation


def hold_of(request_id: int):
    """The diary hold a support request keeps in its mentor's diary, or None."""
    from sqlalchemy import select

    from nqsw_visits.availability.models import MentorHold

    return db.session.scalar(select(MentorHold).filter_by(request_id=request_id))
