"""Support requests: asking, following, answering."""

from flask import Blueprint

bp = Blueprint("visit_requests", __name__)

from . import answering, asking  # noqa: E402,F401  (routes register on bp)
