"""The area's pages: its blueprint, and `load()`, which puts every view module's routes on it."""

from flask import Blueprint

bp = Blueprint("observations", __name__)


def load() -> Blueprint:
    """The blueprint with its routes (each view module adds its own on import)."""
    from nqsw_visits.observations import (  # noqa: F401
        progress_views,
        record_views,
        writing_views,
    )

    return bp
