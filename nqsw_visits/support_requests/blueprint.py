"""The area's pages: its blueprint, and `load()`, which puts every view module's routes on it."""

from flask import Blueprint

bp = Blueprint("support_requests", __name__)


def load() -> Blueprint:
    """The blueprint with its routes, once this area's hooks in other areas are set."""
    from nqsw_visits.core import housekeeping
    from nqsw_visits.support_requests import (  # noqa: F401
        answering_views,
        asking_views,
        changing_views,
    )
    from nqsw_visits.support_requests.rules import complete_past

    housekeeping.add_job(complete_past)
    return bp
