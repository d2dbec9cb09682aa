"""Who may see an observation, and how much of it."""

from flask import flash
from flask_login import current_user

from ..extensions import db
from ..models import User
from ..models_observations import Observation
from ..security import not_found_unless
from ..services import portfolio
from ..services.observations import ObservationError


def observation_for(observation_id: int, *, full: bool = False) -> tuple[Observation, str]:
    """The observation and the viewer's level ('full' or 'summary'), or 404."""
    observation = db.session.get(Observation, observation_id)
    level = portfolio.view_level(current_user, observation) if observation else None
    allowed = level == "full" if full else level is not None
    not_found_unless(allowed, "observation", observation_id)
    return observation, level


def nqsw_for(nqsw_id: int, *, own_only: bool = False) -> User:
    """An NQSW whose progress the viewer may see (only their own with own_only), or 404."""
    nqsw = db.session.get(User, nqsw_id)
    if own_only:
        allowed = nqsw is not None and nqsw.id == current_user.id
    else:
        allowed = nqsw is not None and portfolio.may_see_progress(current_user, nqsw)
    not_found_unless(allowed, "progress of user", nqsw_id)
    return nqsw


def refused(error: ObservationError, form=None) -> int:
    """Put a refusal on the form's field (or flash it) and give its HTTP status."""
    db.session.rollback()
    field = getattr(form, error.field or "", None) if form is not None else None
    if field is not None:
        field.errors = [*field.errors, str(error)]
    else:
        flash(str(error), "error")
    return error.status
