"""Calendar downloads: one event as .ics, and each person's subscribable feed."""

from datetime import timedelta

from flask import Blueprint, abort, current_app, make_response, render_template, url_for
from flask_login import current_user
from sqlalchemy import or_, select

from .extensions import db
from .forms import ConfirmForm
from .models import User, utcnow
from .models_requests import SupportRequest
from .security import public
from .services import audit
from .services.calendar_ics import calendar_for
from .services.tokens import hash_token, new_token
from .visit_requests.access import request_for

bp = Blueprint("calendars", __name__)


def _ics(body: bytes, filename: str):
    response = make_response(body)
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/requests/<int:request_id>.ics")
def event(request_id: int):
    """One request as a calendar file, for its NQSW or mentor."""
    item = request_for(request_id)
    body = calendar_for([item], current_user.id, current_app.config["PUBLIC_URL"], utcnow())
    return _ics(body, f"alongside-{item.id}.ics")


@bp.route("/account/calendar", methods=["GET", "POST"])
def feed_settings():
    """Make (or remake) your private calendar address; the old one stops working."""
    form, feed_url = ConfirmForm(), None
    if form.validate_on_submit():
        token = new_token()
        current_user.calendar_token_hash = hash_token(token)
        audit.record("calendar.feed_renewed", actor=current_user, obj=current_user)
        db.session.commit()
        feed_url = current_app.config["PUBLIC_URL"] + url_for("calendars.feed", token=token)
    return render_template("calendars/settings.html", form=form, feed_url=feed_url)


@bp.get("/calendar/<token>.ics")
@public
def feed(token: str):
    """A person's accompaniments for calendar apps; the secret address is the only key."""
    user = db.session.scalar(select(User).where(User.calendar_token_hash == hash_token(token)))
    if user is None or not user.active:
        abort(404)
    since = utcnow() - timedelta(days=90)
    rows = db.session.scalars(
        select(SupportRequest)
        .where(
            or_(SupportRequest.nqsw_id == user.id, SupportRequest.mentor_id == user.id),
            SupportRequest.ends_at >= since,
        )
        .order_by(SupportRequest.starts_at)
    ).all()
    body = calendar_for(rows, user.id, current_app.config["PUBLIC_URL"], utcnow())
    response = _ics(body, "alongside.ics")
    response.headers["Content-Disposition"] = 'inline; filename="alongside.ics"'
    return response
