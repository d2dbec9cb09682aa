"""Support requests: asking, following, answering."""

from flask import Blueprint

bp = Blueprint("visit_requests", __name__)

from nqsw_visits.visit_requests import answering, asking, changing  # noqa: E402,F401  (routes register on bp)
