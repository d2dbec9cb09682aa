"""In-app notifications: what changed, for whom, and whether they have seen it."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from nqsw_visits.core import clock
from nqsw_visits.core.extensions import db
from nqsw_visits.core.forms import ConfirmForm
from nqsw_visits.core.htmx import is_htmx
from nqsw_visits.core.paging import paginate
from nqsw_visits.notifications.notify import mark_all_read
from nqsw_visits.notifications.queries import latest

PER_PAGE = 25

bp = Blueprint("notifications", __name__)


def _latest():
    return paginate(latest(current_user.id), PER_PAGE)


@bp.get("/notifications")
def index():
    """Your notifications, newest first, a page at a time."""
    return render_template(
        "notifications/index.html",
        notes=_latest(),
        form=ConfirmForm(),
    )


@bp.post("/notifications/read")
def mark_read():
    """Mark all your notifications as read."""
    if ConfirmForm().validate_on_submit():
        mark_all_read(current_user.id, clock.now())
        db.session.commit()
    if is_htmx():
        return render_template(
            "notifications/_list.html",
            notes=_latest(),
            marked=True,
        )
    flash("All notifications marked as read", "success")
    return redirect(url_for("notifications.index"))
