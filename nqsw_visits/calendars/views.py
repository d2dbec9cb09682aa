"""Calendar pages: one event as .ics, each person's subscribable feed, and its settings."""

import gzip

from flask import (
    Blueprint,
    abort,
    current_app,
    make_response,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select

from nqsw_visits.calendars.feed import feed_events, feed_text
from nqsw_visits.core import clock
from nqsw_visits.core.extensions import db
from nqsw_visits.core.forms import ConfirmForm
from nqsw_visits.core.security import public
from nqsw_visits.core.tokens import hash_token, new_token
from nqsw_visits.people import audit
from nqsw_visits.people.models import User
from nqsw_visits.support_requests.access import request_for
from nqsw_visits.support_requests.ics import FEED_WINDOW, calendar_for, feed_window

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
    body = calendar_for([item], current_user.id, current_app.config["PUBLIC_URL"], clock.now())
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
    return render_template(
        "calendars/settings.html", form=form, feed_url=feed_url, window=FEED_WINDOW
    )


@bp.get("/calendar/<token>.ics")
@public
def feed(token: str):
    """A person's accompaniments for calendar apps; the secret address is the only key."""
    # Only whose feed it is: not the person's object, nor their roles with it.
    owner = select(User.id).where(User.calendar_token_hash == hash_token(token), User.active)
    user_id = db.session.scalar(owner)
    if user_id is None:
        abort(404)
    now = clock.now()
    events = feed_events(user_id, *feed_window(now))
    return _feed_response(feed_text(events, current_app.config["PUBLIC_URL"], now).encode())


def _feed_response(body: bytes):
    # Calendar apps fetch the feed every few hours and accept it compressed: a busy
    # mentor's year is some 70 KB of text and about a seventh of that sent.
    packed = request.accept_encodings["gzip"] > 0
    response = _ics(gzip.compress(body, 1, mtime=0) if packed else body, "alongside.ics")
    response.headers["Content-Disposition"] = 'inline; filename="alongside.ics"'
    response.vary.add("Accept-Encoding")
    if packed:
        response.headers["Content-Encoding"] = "gzip"
    return response
