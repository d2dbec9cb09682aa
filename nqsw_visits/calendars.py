"""Calendar downloads: one event as .ics, and each person's subscribable feed."""

from datetime import UTC, datetime
from typing import NamedTuple

from flask import Blueprint, abort, current_app, make_response, render_template, url_for
from flask_login import current_user
from sqlalchemy import case, or_, select
from sqlalchemy.orm import aliased

from nqsw_visits import clock
from nqsw_visits.extensions import db
from nqsw_visits.forms import ConfirmForm
from nqsw_visits.group_sessions import calendar as group_calendar
from nqsw_visits.models import User
from nqsw_visits.models_requests import RequestStatus, SupportRequest
from nqsw_visits.one_to_ones import start_meeting
from nqsw_visits.one_to_ones.queries import in_feed as one_to_ones_in_feed
from nqsw_visits.security import public
from nqsw_visits.services import audit
from nqsw_visits.services.calendar_ics import FEED_WINDOW, calendar_for, feed_window
from nqsw_visits.services.tokens import hash_token, new_token
from nqsw_visits.visit_requests.access import request_for

bp = Blueprint("calendars", __name__)

# Those going ahead or done; one declined, withdrawn or called off drops out of a
# subscribed calendar at its next refresh, as a calendar expects.
IN_FEED = (
    RequestStatus.REQUESTED,
    RequestStatus.ALTERNATIVE_PROPOSED,
    RequestStatus.ACCEPTED,
    RequestStatus.COMPLETED,
)
TENTATIVE = {RequestStatus.REQUESTED, RequestStatus.ALTERNATIVE_PROPOSED}


class FeedEvent(NamedTuple):
    """One event of a feed: what a calendar shows of it, and no more."""

    uid: str
    summary: str
    starts_at: datetime
    ends_at: datetime
    path: str
    tentative: bool = False
    location: str = ""


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
    user = db.session.scalar(select(User).where(User.calendar_token_hash == hash_token(token)))
    if user is None or not user.active:
        abort(404)
    now = clock.now()
    since, until = feed_window(now)
    other = aliased(User)
    viewer_is_nqsw = SupportRequest.nqsw_id == user.id
    rows = db.session.execute(
        select(
            SupportRequest.id,
            SupportRequest.uid,
            SupportRequest.kind,
            SupportRequest.status,
            SupportRequest.starts_at,
            SupportRequest.ends_at,
            other.display_name,
        )
        .join(
            other,
            other.id
            == case((viewer_is_nqsw, SupportRequest.mentor_id), else_=SupportRequest.nqsw_id),
        )
        .where(
            or_(viewer_is_nqsw, SupportRequest.mentor_id == user.id),
            SupportRequest.status.in_(IN_FEED),
            SupportRequest.ends_at >= since,
            SupportRequest.starts_at < until,
        )
        .order_by(SupportRequest.starts_at)
    ).all()
    shown = [
        FeedEvent(
            row.uid,
            f"{row.kind.replace('_', ' ').capitalize()} with {row.display_name}",
            row.starts_at,
            row.ends_at,
            f"/requests/{row.id}",
            row.status in TENTATIVE,
        )
        for row in rows
    ] + [
        FeedEvent(
            f"one-to-one-{row.id}",
            f"One-to-one with {row.display_name}",
            row.starts_at,
            row.ends_at,
            f"/one-to-ones/{row.id}",
        )
        for row in one_to_ones_in_feed(user.id, since, until)
    ]
    shown += _start_meetings(user.id, since, until)
    shown += _group_sessions(user.id, since, until)
    body = _feed_text(
        sorted(shown, key=lambda e: e.starts_at), current_app.config["PUBLIC_URL"], now
    )
    response = _ics(body.encode(), "alongside.ics")
    response.headers["Content-Disposition"] = 'inline; filename="alongside.ics"'
    return response


def _start_meetings(user_id: int, since: datetime, until: datetime) -> list[FeedEvent]:
    """The person's agreement start meetings, whichever of the three they are."""
    return [
        FeedEvent(
            f"start-meeting-{row.id}",
            start_meeting.summary(row.nqsw_id, row.display_name, user_id),
            row.starts_at,
            row.ends_at,
            f"/agreements/{row.agreement_id}",
        )
        for row in start_meeting.in_feed(user_id, since, until)
    ]


def _group_sessions(user_id: int, since: datetime, until: datetime) -> list[FeedEvent]:
    """Group sessions the person organises or is going (or maybe) to, under their own UID."""
    return [
        FeedEvent(
            f"group-session-{row.uid}",
            group_calendar.summary(row.topic),
            row.starts_at,
            row.ends_at,
            f"/group-sessions/{row.id}",
            location=row.place,
        )
        for row in group_calendar.in_feed(user_id, since, until)
    ]


def _feed_text(shown: list[FeedEvent], base_url: str, now: datetime) -> str:
    """The feed as iCalendar text: what a calendar shows, and no more, per event."""
    stamp = _utc(now)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Alongside//Support requests//EN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:Alongside",
        f"X-WR-CALDESC:{_text(f'Your Alongside {FEED_WINDOW}')}",
    ]
    for event in shown:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{event.uid}@alongside",
            f"DTSTAMP:{stamp}",
            f"DTSTART:{_utc(event.starts_at)}",
            f"DTEND:{_utc(event.ends_at)}",
            # The calendar is called Alongside: its events need not say so again.
            f"SUMMARY:{_text(event.summary)}",
            f"DESCRIPTION:{base_url}{event.path}",
        ]
        if event.location:
            lines.append(f"LOCATION:{_text(event.location)}")
        if event.tentative:  # no STATUS is shown as going ahead
            lines.append("STATUS:TENTATIVE")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(f"{_fold(line)}\r\n" for line in lines)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _text(value: str) -> str:
    """An iCalendar TEXT value: backslash, semicolon, comma and line breaks escaped."""
    for plain, escaped in (("\\", "\\\\"), (";", "\\;"), (",", "\\,"), ("\n", "\\n")):
        value = value.replace(plain, escaped)
    return value.replace("\r", "")


def _fold(line: str) -> str:
    """A line cut into pieces of at most 75 octets, never inside a character (RFC 5545 3.1)."""
    data = line.encode()
    if len(data) <= 75:
        return line
    pieces, start, width = [], 0, 75
    while start < len(data):
        end = min(start + width, len(data))
        while end < len(data) and data[end] & 0xC0 == 0x80:  # a UTF-8 continuation byte
            end -= 1
        pieces.append(data[start:end].decode())
        start, width = end, 74  # a continuation line begins with a space
    return "\r\n ".join(pieces)
