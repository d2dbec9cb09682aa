"""In-app notifications: what changed, for whom, and whether they have seen it."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import func, select, update

from nqsw_visits.core import clock
from nqsw_visits.core.extensions import db
from nqsw_visits.core.forms import ConfirmForm
from nqsw_visits.core.htmx import is_htmx
from nqsw_visits.core.paging import paginate
from nqsw_visits.notifications.models import Notification

PER_PAGE = 25

bp = Blueprint("notifications", __name__)


def unread_count(user_id: int) -> int:
    """How many notifications the person has not marked as read."""
    return db.session.scalar(
        select(func.count(Notification.id)).where(
            Notification.user_id == user_id, Notification.read_at.is_(None)
        )
    )


def _latest():
    return paginate(
        select(Notification)
        .where(Notification.user_id == current_user.id)
        .order_by(Notification.id.desc()),
        PER_PAGE,
    )


@bp.get("/notifications")
def index():
    """Your notifications, newest first, a page at a time."""
    return render_template("notifications/index.html", notes=_latest(), form=ConfirmForm())


@bp.post("/notifications/read")
def mark_read():
    """Mark all your notifications as read."""
    if ConfirmForm().validate_on_submit():
        db.session.execute(
            update(Notification)
            .where(Notification.user_id == current_user.id, Notification.read_at.is_(None))
            .values(read_at=clock.now())
        )
        db.session.commit()
    if is_htmx():
        return render_template("notifications/_list.html", notes=_latest(), marked=True)
    flash("All notifications marked as read", "success")
    return redirect(url_for("notifications.index"))
