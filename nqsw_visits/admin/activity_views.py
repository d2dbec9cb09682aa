"""The audit trail for administrators, newest first, a page at a time."""

from flask import render_template

from nqsw_visits.admin.blueprint import bp
from nqsw_visits.core.paging import _page, page_number
from nqsw_visits.core.security import role_required
from nqsw_visits.people.audit_trail import EVENTS_PER_PAGE, trail_page
from nqsw_visits.people.models import Role


@bp.get("/activity")
@role_required(Role.ADMIN)
def activity():
    """Everything the audit trail records: who did what, and when."""
    found = trail_page(page_number())
    events = _page(found.number, EVENTS_PER_PAGE, found.rows, found.counted)
    return render_template("admin/activity.html", events=events, more=found.more)
