"""A practice manager's view of planned support for their teams."""

from datetime import timedelta

from flask import Blueprint, request
from flask_login import current_user

from nqsw_visits.core import clock
from nqsw_visits.core.clock import zone
from nqsw_visits.core.dates import week_arg
from nqsw_visits.core.htmx import render_page_or_fragment
from nqsw_visits.core.paging import paginate_list
from nqsw_visits.core.security import role_required
from nqsw_visits.overview.planning import planned_support
from nqsw_visits.people.models import Role

bp = Blueprint("planning", __name__)
PLANNED_PER_PAGE = 50


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isascii() and value.isdigit() else None


@bp.get("/planned-support")
@role_required(Role.PRACTICE_MANAGER)
def planned():
    """Support requested and agreed for your teams this week and the next few."""
    today = clock.today()
    monday = week_arg("week") or today - timedelta(days=today.weekday())
    weeks = min(max(_int_arg("weeks") or 2, 1), 8)
    view = planned_support(
        current_user,
        monday,
        weeks,
        zone(),
        clock.now(),
        nqsw_id=_int_arg("nqsw"),
        mentor_id=_int_arg("mentor"),
    )
    return render_page_or_fragment(
        "overview/planned.html",
        "overview/_planned_table.html",
        view=view,
        found=paginate_list(view.requests, PLANNED_PER_PAGE),
        monday=monday,
        weeks=weeks,
        chosen_nqsw=_int_arg("nqsw"),
        chosen_mentor=_int_arg("mentor"),
    )
