"""A practice manager's view of planned support for their teams."""

from datetime import date, timedelta

from flask import Blueprint, request
from flask_login import current_user

from .availability.access import local_today, zone
from .htmx import render_page_or_fragment
from .models import Role, utcnow
from .security import role_required
from .services.planning import planned_support

bp = Blueprint("planning", __name__)


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isascii() and value.isdigit() else None


@bp.get("/planned-support")
@role_required(Role.PRACTICE_MANAGER)
def planned():
    """Support requested and agreed for your teams this week and the next few."""
    today = local_today()
    try:
        monday = date.fromisoformat(request.args.get("week", ""))
    except ValueError:
        monday = today
    monday -= timedelta(days=monday.weekday())
    weeks = min(max(_int_arg("weeks") or 2, 1), 8)
    view = planned_support(
        current_user,
        monday,
        weeks,
        zone(),
        utcnow(),
        nqsw_id=_int_arg("nqsw"),
        mentor_id=_int_arg("mentor"),
    )
    return render_page_or_fragment(
        "planning/planned.html",
        "planning/_planned_table.html",
        view=view,
        monday=monday,
        weeks=weeks,
        chosen_nqsw=_int_arg("nqsw"),
        chosen_mentor=_int_arg("mentor"),
    )
