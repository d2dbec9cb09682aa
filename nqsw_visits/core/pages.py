"""Pages anyone may reach: the accessibility statement and the health check."""

from flask import Blueprint, jsonify, render_template
from sqlalchemy import text

from nqsw_visits.core.extensions import db
from nqsw_visits.core.security import public

bp = Blueprint("pages", __name__)


@bp.get("/accessibility")
@public
def accessibility():
    """The accessibility statement."""
    return render_template("pages/accessibility.html")


@bp.get("/healthz")
@public
def healthz():
    """Liveness and database check for load balancers; says nothing else."""
    try:
        db.session.execute(text("SELECT 1"))
        database = "ok"
    except Exception:  # noqa: BLE001  (any database failure means "unavailable")
        db.session.rollback()
        return jsonify(status="unavailable", database="unavailable"), 503
    return jsonify(status="ok", database=database)
