"""The area's pages: its blueprint, and `load()`, which puts every view module's routes on it."""

from flask import Blueprint

bp = Blueprint("availability", __name__, url_prefix="/mentors/<int:mentor_id>")


def load() -> Blueprint:
    """The blueprint with its routes (each view module adds its own on import)."""
    from nqsw_visits.availability import diary_views, views  # noqa: F401

    return bp
