"""Mentoring agreements: the start meeting's record of focus cases, goals and reviews."""

from flask import Blueprint

bp = Blueprint("agreements", __name__)

from nqsw_visits import housekeeping  # noqa: E402
from nqsw_visits.agreements import commands, handover, queries, review_views, views  # noqa: E402,F401  (routes on bp)
from nqsw_visits.visit_requests import focus_cases  # noqa: E402

focus_cases.provide(queries.focus_case_choices)
housekeeping.add_job(commands.remind_reviews)
housekeeping.add_job(handover.ask_new_managers)
