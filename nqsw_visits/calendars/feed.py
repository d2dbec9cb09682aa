"""A person's calendar feed: the events in its window from every area, as iCalendar text."""

from datetime import UTC, datetime
from functools import cache
from typing import NamedTuple

from sqlalchemy import bindparam, case, or_, select
from sqlalchemy.orm import aliased

from nqsw_visits.availability.models import HOLD_KIND_LABELS
from nqsw_visits.core.extensions import db
from nqsw_visits.group_sessions import calendar as group_calendar
from nqsw_visits.one_to_ones import start_meeting
from nqsw_visits.one_to_ones.queries import in_feed as one_to_ones_in_feed
from nqsw_visits.people.models import User
from nqsw_visits.support_requests.ics import FEED_WINDOW
from nqsw_visits.support_requests.models import (
    AWAITING,
    HOLDING,
    RequestStatus,
    SupportRequest,
)

# Those going ahead or done; one declined, withdrawn or called off drops out of a
# subscribed calendar at its next refresh, as a calendar expects.
IN_FEED = sorted(HOLDING | {RequestStatus.COMPLETED})
TENTATIVE = AWAITING


class FeedEvent(NamedTuple):
    """One event of a feed: what a calendar shows of it, and no more."""

    uid: str
    summary: str
    starts_at: datetime
    ends_at: datetime
    path: str
    tentative: bool = False
    location: str = ""


def feed_events(user_id: int, since: datetime, until: datetime) -> list[FeedEvent]:
    """Every event of the person's feed between since and until, soonest first."""
    shown = _requests(user_id, since, until) + _one_to_ones(user_id, since, until)
    shown += _start_meetings(user_id, since, until)
    shown += _group_sessions(user_id, since, until)
    return sorted(shown, key=lambda e: e.starts_at)


def _requests(user_id: int, since: datetime, until: datetime) -> list[FeedEvent]:
    """Support requests the person asked for or was asked to, named by the other person."""
    rows = db.session.execute(
        _requests_in_window(), {"user_id": user_id, "since": since, "until": until}
    ).all()
    return [
        FeedEvent(
            row.uid,
            f"{HOLD_KIND_LABELS[row.kind]} with {row.display_name}",
            row.starts_at,
            row.ends_at,
            f"/requests/{row.id}",
            row.status in TENTATIVE,
        )
        for row in rows
    ]


@cache  # built once: every calendar app's fetch of a feed runs it
def _requests_in_window():
    other, user_id = aliased(User), bindparam("user_id")
    viewer_is_nqsw = SupportRequest.nqsw_id == user_id
    return (
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
            or_(viewer_is_nqsw, SupportRequest.mentor_id == user_id),
            SupportRequest.status.in_(IN_FEED),
            SupportRequest.ends_at >= bindparam("since"),
            SupportRequest.starts_at < bindparam("until"),
        )
        .order_by(SupportRequest.starts_at)
    )


def _one_to_ones(user_id: int, since: datetime, until: datetime) -> list[FeedEvent]:
    """The person's one-to-ones, named by the other person."""
    return [
        FeedEvent(
            f"one-to-one-{row.id}",
            f"One-to-one with {row.display_name}",
            row.starts_at,
            row.ends_at,
            f"/one-to-ones/{row.id}",
        )
        for row in one_to_ones_in_feed(user_id, since, until)
    ]


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


def feed_text(shown: list[FeedEvent], base_url: str, now: datetime) -> str:
    """The feed as iCalendar text: what a calendar shows, and no more, per event."""
    stamp = _utc(now)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Alongside//Support requests//EN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:Alongside",
        _fold(f"X-WR-CALDESC:{_text(f'Your Alongside {FEED_WINDOW}')}"),
    ]
    for event in shown:
        lines += [
            "BEGIN:VEVENT",
            _fold(f"UID:{event.uid}@alongside"),
            # The date lines are fixed width: only the others may need folding.
            f"DTSTAMP:{stamp}",
            f"DTSTART:{_utc(event.starts_at)}",
            f"DTEND:{_utc(event.ends_at)}",
            # The calendar is called Alongside: its events need not say so again.
            _fold(f"SUMMARY:{_text(event.summary)}"),
            _fold(f"DESCRIPTION:{base_url}{event.path}"),
        ]
        if event.location:
            lines.append(_fold(f"LOCATION:{_text(event.location)}"))
        if event.tentative:  # no STATUS is shown as going ahead
            lines.append("STATUS:TENTATIVE")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR\r\n")
    return "\r\n".join(lines)


def _utc(moment: datetime) -> str:
    at = moment.astimezone(UTC)  # formatted by hand: strftime was a tenth of the feed's time
    return f"{at.year:04d}{at.month:02d}{at.day:02d}T{at.hour:02d}{at.minute:02d}{at.second:02d}Z"


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
