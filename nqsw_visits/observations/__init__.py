"""Observations: the record after an accompaniment, sign-off, and each NQSW's progress."""

from flask import Blueprint

bp = Blueprint("observations", __name__)

from nqsw_visits.observations import progress, record, writing  # noqa: E402,F401  (routes register on bp)
