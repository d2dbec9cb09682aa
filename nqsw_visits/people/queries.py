"""Who holds a role, whose mentors are whose, who manages whom, and who is in which team:
the one place each of these is asked."""

from sqlalchemy import Select, func, select
from sqlalchemy.orm import lazyload, selectinload

from nqsw_visits.core.extensions import db
from nqsw_visits.people.models import MentorAssignment, Role, Team, TeamManager, User, UserRole


def ids_with_role(role: str) -> Select:
    """The ids of the people holding a role, for `User.id.in_(...)`."""
    return select(UserRole.user_id).where(UserRole.role == role)


def with_role(role: str) -> Select:
    """The people holding a role, to narrow further."""
    return select(User).where(User.id.in_(ids_with_role(role)))


def _mentors(nqsw_id: int) -> Select:
    return (
        select(User)
        .join(MentorAssignment, MentorAssignment.mentor_id == User.id)
        .where(MentorAssignment.nqsw_id == nqsw_id, User.active)
        .order_by(User.display_name)
    )


def mentors_of(nqsw: User) -> list[User]:
    """The active mentors an NQSW may ask, by name."""
    # Names are shown, never roles: no second query for them.
    return list(db.session.scalars(_mentors(nqsw.id).options(lazyload(User.role_rows))))


def mentor_ids_of(nqsw_id: int) -> list[int]:
    """The ids of the active mentors an NQSW may ask, in the same order."""
    return list(db.session.scalars(_mentors(nqsw_id).with_only_columns(User.id)))


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


def teams_with_sizes() -> list:
    """Every team with its managers and how many people it has, by name."""
    # Counted, not loaded: the people themselves are on the team's page.
    sizes = (
        select(func.count(User.id)).where(User.team_id == Team.id).correlate(Team).scalar_subquery()
    )
    return db.session.execute(
        select(Team, sizes)
        .options(selectinload(Team.managers).lazyload(User.role_rows))
        .order_by(Team.name)
    ).all()


def team_members(team_id: int) -> Select:
    """The people of a team, by name, to page through."""
    return select(User).where(User.team_id == team_id).order_by(User.display_name, User.id)
