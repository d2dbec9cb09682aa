"""The area's pages: its blueprint, and `load()`, which puts every view module's routes on it."""

from flask import Blueprint

bp = Blueprint("group_sessions", __name__, url_prefix="/group-sessions")


def load() -> Blueprint:
    """The blueprint with its routes, once this area's hooks in other areas are set."""
    from nqsw_visits.group_sessions import organise_views, overview, run_views, views  # noqa: F401
    from nqsw_visits.observations import progress_views

    progress_views.add_part("group_sessions", overview.for_progress)
    return bp
