"""The area's pages: its blueprint, and `load()`, which puts every view module's routes on it."""

from flask import Blueprint

bp = Blueprint("agreements", __name__)


def load() -> Blueprint:
    """The blueprint with its routes, once this area's hooks in other areas are set."""
    from nqsw_visits.agreements import commands, handover, queries, review_views, views  # noqa: F401
    from nqsw_visits.core import housekeeping
    from nqsw_visits.support_requests import focus_cases

    focus_cases.provide(queries.focus_case_choices)
    housekeeping.add_job(commands.remind_reviews)
    housekeeping.add_job(handover.ask_new_managers)
    return bp
