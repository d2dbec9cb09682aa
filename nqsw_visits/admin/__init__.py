"""Administration: people, roles, teams and mentor assignments."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from nqsw_visits.admin import activity, people, teams  # noqa: E402,F401  (routes register on bp)
