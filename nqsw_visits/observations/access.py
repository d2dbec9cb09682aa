"""Who may see an observation, and how much of it."""

from functools import cache

from flask_login import current_user
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload, lazyload

from nqsw_visits.core.extensions import db
from nqsw_visits.core.loading import fill
from nqsw_visits.core.security import not_found_unless, signed_in_user
from nqsw_visits.observations import portfolio
from nqsw_visits.observations.models import Addendum, Observation
from nqsw_visits.people.models import Role, User


def observation_for(observation_id: int, *, full: bool = False) -> tuple[Observation, str]:
    """The observation and the viewer's level ('full' or 'summary'), or 404."""
    # Everything the page shows, in four queries whatever the record holds; names, not roles.
    found = db.session.execute(_with_people(), {"id": observation_id})
    observation = found.unique().scalar()
    level = portfolio.view_level(current_user, observation) if observation else None
    allowed = level == "full" if full else level is not None
    not_found_unless(allowed, "observation", observation_id)
    portfolio.with_details([observation])
    fill([observation], "addenda", _addenda())
    return observation, level


@cache
def _with_people():
    # Built once, as are the lists filled in after: select-in loads worked out their
    # options again on every view of an observation.
    return (
        select(Observation)
        .where(Observation.id == bindparam("id"))
        .options(
            joinedload(Observation.request),
            joinedload(Observation.mentor).lazyload(User.role_rows),
            joinedload(Observation.nqsw).lazyload(User.role_rows),
        )
    )


@cache
def _addenda():
    return (
        select(Addendum.observation_id, Addendum)
        .where(Addendum.observation_id.in_(bindparam("ids", expanding=True)))
        .options(joinedload(Addendum.author).lazyload(User.role_rows))
        .order_by(Addendum.id)
    )


def nqsw_for(nqsw_id: int, *, own_only: bool = False) -> User:
    """An NQSW whose progress the viewer may see (only their own with own_only), or 404."""
    viewer = signed_in_user()
    if own_only or nqsw_id == viewer.id:
        allowed = nqsw_id == viewer.id
        nqsw = viewer if allowed else None
    else:
        # The person and whether the viewer may see them, in one statement.
        manager = viewer.has_role(Role.PRACTICE_MANAGER)
        found = db.session.execute(
            _person_and_access(manager), {"id": nqsw_id, "viewer_id": viewer.id}
        )
        nqsw, allowed = found.first() or (None, False)
    not_found_unless(allowed, "progress of user", nqsw_id)
    return nqsw


@cache
def _person_and_access(manager: bool):
    # The page shows the team's name and never the roles: load one, not the other.
    return (
        select(User, portfolio.may_see_progress(manager))
        .where(User.id == bindparam("id"))
        .options(joinedload(User.team), lazyload(User.role_rows))
    )
