"""Support requests: asking, following, answering."""

from flask import Blueprint

bp = Blueprint("visit_requests", __name__)

from . import answering, asking, changing  # noqa: E402,F401  (routes register on bp)
