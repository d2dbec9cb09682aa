"""Mentoring agreements: the start meeting's record of focus cases, goals and reviews."""

from flask import Blueprint

bp = Blueprint("agreements", __name__)

from .. import housekeeping  # noqa: E402
from ..visit_requests import focus_cases  # noqa: E402
from . import commands, handover, queries, review_views, views  # noqa: E402,F401  (routes on bp)

focus_cases.provide(queries.focus_case_choices)
housekeeping.add_job(commands.remind_reviews)
housekeeping.add_job(handover.ask_new_managers)
