"""People and teams: accounts, roles, team membership and mentor assignments."""

import re
import secrets
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from nqsw_visits.core.extensions import db
from nqsw_visits.core.refusal import Refusal
from nqsw_visits.people import audit, passwords
from nqsw_visits.people.models import MentorAssignment, Role, Team, TeamManager, User, UserRole
from nqsw_visits.people.queries import ids_with_role, with_role
from nqsw_visits.people.signin import end_all_sessions, normalise_email


class PeopleError(Refusal, ValueError):
    """A change to people or teams that the rules do not allow; the message says why."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message, field=field)


# PostgreSQL refuses NUL in text, and no name or address needs a control character.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
NAME_MAX_LENGTH = 120
EMAIL_TAKEN = "An account with that email address already exists"
TEAM_TAKEN = "A team with that name already exists"


def has_control_characters(text: str) -> bool:
    """True when the text holds a control character (NUL, escape, ...)."""
    return bool(_CONTROL_CHARACTERS.search(text))


def tidy_name(name: str) -> str:
    """A name as stored: Unicode NFC, single spaces, no spaces around it."""
    return " ".join(unicodedata.normalize("NFC", name).split())


def name_key(name: str) -> str:
    """What two names must not share to be told apart: the tidied name, case folded."""
    return tidy_name(name).casefold()


@contextmanager
def unique_or(message: str, field: str) -> Iterator[None]:
    """The database's unique rule has the last word: a clash (two people at once) is this error."""
    try:
        yield
    except IntegrityError:
        raise PeopleError(message, field) from None


def check_name(name: str, field: str = "display_name", what: str = "the person's full name") -> str:
    """A name with its spacing tidied, or PeopleError saying what is wrong with it."""
    name = tidy_name(name)
    if not name:
        raise PeopleError(f"Enter {what}", field)
    if has_control_characters(name):
        raise PeopleError("Use only letters, numbers, spaces and punctuation", field)
    if len(name) > NAME_MAX_LENGTH:
        raise PeopleError(f"Use {NAME_MAX_LENGTH} characters or fewer", field)
    return name


def check_email(email: str) -> str:
    """A normalised email address, or PeopleError saying what is wrong with it."""
    email = normalise_email(email)
    problem = PeopleError(
        "Enter an email address in the correct format, like name@example.org", "email"
    )
    if has_control_characters(email):
        raise problem
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        raise problem from None
    return email


def _email_taken(email: str, except_id: int | None = None) -> bool:
    query = select(User.id).where(User.email == email)
    if except_id is not None:
        query = query.where(User.id != except_id)
    return db.session.scalar(query) is not None


def _team_or_none(team_id: int | None) -> Team | None:
    if not team_id:
        return None
    team = db.session.get(Team, team_id)
    if team is None:
        raise PeopleError("Select a team from the list", "team")
    return team


def create_user(
    actor: User | None,
    *,
    email: str,
    display_name: str,
    roles: Iterable[Role],
    team_id: int | None = None,
    password: str | None = None,
) -> User:
    """Add a person; without a password the account cannot sign in until one is set."""
    display_name = check_name(display_name)
    email = check_email(email)
    if _email_taken(email):
        raise PeopleError(EMAIL_TAKEN, "email")
    roles = set(roles)
    if not roles:
        raise PeopleError("Select at least one role", "roles")
    user = User(
        email=email,
        display_name=display_name,
        team=_team_or_none(team_id),
        password_hash=passwords.hash_password(password or secrets.token_urlsafe(32)),
        role_rows=[UserRole(role=role.value) for role in roles],
    )
    db.session.add(user)
    with unique_or(EMAIL_TAKEN, "email"):
        db.session.flush()
    audit.record("user.created", actor=actor, obj=user, roles=sorted(roles))
    return user


def _active_admins_other_than(user: User) -> int:
    return db.session.scalar(
        select(func.count(User.id)).where(
            User.id.in_(ids_with_role(Role.ADMIN)), User.active, User.id != user.id
        )
    )


def update_user(
    actor: User,
    user: User,
    *,
    email: str,
    display_name: str,
    roles: Iterable[Role],
    team_id: int | None,
) -> None:
    """Change a person's details, roles and team."""
    display_name = check_name(display_name)
    email = check_email(email)
    if _email_taken(email, except_id=user.id):
        raise PeopleError(EMAIL_TAKEN, "email")
    roles = set(roles)
    if not roles:
        raise PeopleError("Select at least one role", "roles")
    if Role.ADMIN in user.roles and Role.ADMIN not in roles and not _active_admins_other_than(user):
        raise PeopleError("There must always be at least one active administrator", "roles")
    changed = [
        name
        for name, old, new in [
            ("email", user.email, email),
            ("display_name", user.display_name, display_name),
            ("roles", user.roles, roles),
            ("team", user.team_id, team_id or None),
        ]
        if old != new
    ]
    user.email, user.display_name = email, display_name
    user.team = _team_or_none(team_id)
    removed = user.roles - roles
    # Links that only the role allowed go with it, so nobody is offered an ex-mentor.
    if Role.MENTOR in removed:
        db.session.execute(delete(MentorAssignment).where(MentorAssignment.mentor_id == user.id))
    if Role.PRACTICE_MANAGER in removed:
        db.session.execute(delete(TeamManager).where(TeamManager.user_id == user.id))
    user.role_rows = [row for row in user.role_rows if Role(row.role) in roles] + [
        UserRole(role=role.value) for role in roles - user.roles
    ]
    with unique_or(EMAIL_TAKEN, "email"):
        db.session.flush()
    audit.record("user.updated", actor=actor, obj=user, changed=changed, roles=sorted(roles))


def set_active(actor: User, user: User, active: bool) -> None:
    """Deactivate (ending every session) or reactivate an account."""
    if not active and user.id == actor.id:
        raise PeopleError("You cannot deactivate your own account")
    if not active and Role.ADMIN in user.roles and not _active_admins_other_than(user):
        raise PeopleError("There must always be at least one active administrator")
    user.active = active
    if not active:
        end_all_sessions(user, "deactivated")
    audit.record("user.activated" if active else "user.deactivated", actor=actor, obj=user)


def reset_password(actor: User, user: User, new_password: str) -> None:
    """Set a new password for someone, unlock the account and end their sessions."""
    found = passwords.problems(new_password, user.email)
    if found:
        raise PeopleError(found[0], "password")
    user.password_hash = passwords.hash_password(new_password)
    user.failed_logins, user.locked_until = 0, None
    end_all_sessions(user, "password reset")
    audit.record("user.password_reset", actor=actor, obj=user)


def set_mentors(actor: User, nqsw: User, mentor_ids: Iterable[int]) -> None:
    """Replace the list of mentors an NQSW may ask."""
    mentor_ids = set(mentor_ids)
    if nqsw.id in mentor_ids:
        raise PeopleError("Someone cannot be their own mentor", "mentors")
    mentors = db.session.scalars(with_role(Role.MENTOR).where(User.id.in_(mentor_ids))).all()
    if len(mentors) != len(mentor_ids):
        raise PeopleError("Select mentors from the list", "mentors")
    db.session.execute(delete(MentorAssignment).where(MentorAssignment.nqsw_id == nqsw.id))
    db.session.add_all(MentorAssignment(nqsw_id=nqsw.id, mentor_id=m.id) for m in mentors)
    audit.record("user.mentors_set", actor=actor, obj=nqsw, mentor_ids=sorted(mentor_ids))


def find_team(name: str) -> Team | None:
    """The team whose name is this one, whatever its case, spacing or Unicode form."""
    return db.session.scalar(select(Team).where(Team.name_key == name_key(name)))


def create_team(actor: User | None, name: str) -> Team:
    """Add a team with a unique name."""
    name = check_name(name, "name", "a team name")
    if find_team(name) is not None:
        raise PeopleError(TEAM_TAKEN, "name")
    team = Team(name=name)
    db.session.add(team)
    with unique_or(TEAM_TAKEN, "name"):
        db.session.flush()
    audit.record("team.created", actor=actor, obj=team)
    return team


def set_team_managers(actor: User, team: Team, manager_ids: Iterable[int]) -> None:
    """Replace a team's practice managers."""
    manager_ids = set(manager_ids)
    managers = db.session.scalars(
        select(User.id).where(
            User.id.in_(manager_ids), User.id.in_(ids_with_role(Role.PRACTICE_MANAGER))
        )
    ).all()
    if len(managers) != len(manager_ids):
        raise PeopleError("Select practice managers from the list", "managers")
    db.session.execute(delete(TeamManager).where(TeamManager.team_id == team.id))
    db.session.add_all(TeamManager(team_id=team.id, user_id=uid) for uid in manager_ids)
    audit.record("team.managers_set", actor=actor, obj=team, manager_ids=sorted(manager_ids))
