"""Who holds a role, and whose mentors are whose: the one place each of these is asked."""

from sqlalchemy import Select, select
from sqlalchemy.orm import lazyload

from nqsw_visits.core.extensions import db
from nqsw_visits.people.models import MentorAssignment, Role, TeamManager, User, UserRole


def ids_with_role(role: str) -> Select:
    """The ids of the people holding a role, for `User.id.in_(...)`."""
    return select(UserRole.user_id).where(UserRole.role == role)


def with_role(role: str) -> Select:
    """The people holding a role, to narrow further."""
    return select(User).where(User.id.in_(ids_with_role(role)))


def mentors_of(nqsw: User) -> list[User]:
    """The active mentors an NQSW may ask."""
    return list(
        db.session.scalars(
            select(User)
            .join(MentorAssignment, MentorAssignment.mentor_id == User.id)
            .where(MentorAssignment.nqsw_id == nqsw.id, User.active)
            .order_by(User.display_name)
            # Names are shown, never roles: no second query for them.
            .options(lazyload(User.role_rows))
        )
    )


def managed_team_ids(manager_id: int) -> Select:
    """The ids of the teams a practice manager leads, for `team_id.in_(...)`."""
    return select(TeamManager.team_id).where(TeamManager.user_id == manager_id)


def manages(manager: User, nqsw: User) -> bool:
    """True when this person is a practice manager and leads the NQSW's team."""
    return (
        bool(nqsw.team_id)
        and manager.has_role(Role.PRACTICE_MANAGER)
        and db.session.get(TeamManager, (nqsw.team_id, manager.id)) is not None
    )


def managers_of(nqsw: User) -> list[User]:
    """The active practice managers of the NQSW's team now, by name."""
    if nqsw.team_id is None:
        return []
    return list(
        db.session.scalars(
            select(User)
            .join(TeamManager, TeamManager.user_id == User.id)
            .where(TeamManager.team_id == nqsw.team_id, User.active)
            .order_by(User.display_name, User.id)
        )
    )
