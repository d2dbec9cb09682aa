"""The area's pages: its blueprint, and `load()`, which puts every view module's routes on it."""

from flask import Blueprint

bp = Blueprint("one_to_ones", __name__)


def load() -> Blueprint:
    """The blueprint with its routes, once this area's hooks in other areas are set."""
    from nqsw_visits.agreements import evidence
    from nqsw_visits.one_to_ones import queries, start_meeting_views, views  # noqa: F401

    evidence.add_source(queries.held_for_review)
    return bp
