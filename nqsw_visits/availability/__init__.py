"""Mentor availability: weekly pattern, exceptions, limits, diary and free-time answers."""

from flask import Blueprint

bp = Blueprint("availability", __name__, url_prefix="/mentors/<int:mentor_id>")

from nqsw_visits.availability import diary, views  # noqa: E402,F401  (routes register on bp)
