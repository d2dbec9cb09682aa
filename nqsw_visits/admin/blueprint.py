"""The area's pages: its blueprint, and `load()`, which puts every view module's routes on it."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")


def load() -> Blueprint:
    """The blueprint with its routes (each view module adds its own on import)."""
    from nqsw_visits.admin import activity_views, people_views, team_views  # noqa: F401

    return bp
