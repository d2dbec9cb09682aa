"""One-to-one sessions: a series booked on the mentor's diary, a private record, actions."""

from flask import Blueprint

bp = Blueprint("one_to_ones", __name__)

from nqsw_visits.one_to_ones import start_meeting_views, views  # noqa: E402,F401  (routes register on bp)
