"""Calendar files: one event per support request, with no case reference in them."""

from datetime import datetime, timedelta

from icalendar import Calendar, Event

from nqsw_visits.availability.models import HOLD_KIND_LABELS
from nqsw_visits.support_requests.models import SupportRequest

# The subscription covers a fixed window, so its size stays the same as the years go by.
FEED_DAYS_BACK = 14
FEED_DAYS_AHEAD = 365  # twelve months
FEED_WINDOW = (
    f"accompaniments and one-to-ones from {FEED_DAYS_BACK} days ago to twelve months ahead"
)

_STATUS = {
    "requested": "TENTATIVE",
    "alternative_proposed": "TENTATIVE",
    "accepted": "CONFIRMED",
    "completed": "CONFIRMED",
    "booked": "CONFIRMED",
    "held": "CONFIRMED",
}


def summary(request: SupportRequest, viewer_id: int) -> str:
    """What the event is called in a calendar: the kind and the other person, nothing more."""
    kind = HOLD_KIND_LABELS[request.kind]
    other = request.mentor if viewer_id == request.nqsw_id else request.nqsw
    return f"{kind} with {other.display_name} (Alongside)"


def feed_window(now: datetime) -> tuple[datetime, datetime]:
    """The moments between which a subscribed calendar shows accompaniments and one-to-ones."""
    return now - timedelta(days=FEED_DAYS_BACK), now + timedelta(days=FEED_DAYS_AHEAD)


def calendar_for(
    requests: list[SupportRequest],
    viewer_id: int,
    base_url: str,
    now: datetime,
    description: str | None = None,
) -> bytes:
    """An iCalendar file of these requests, as the viewer sees them."""
    calendar = Calendar()
    calendar.add("prodid", "-//Alongside//Support requests//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", "Alongside")
    if description:
        calendar.add("x-wr-caldesc", description)
    for request in requests:
        event = Event()
        event.add("uid", f"{request.uid}@alongside")
        event.add("dtstamp", now)
        event.add("last-modified", request.updated_at)
        event.add("dtstart", request.starts_at)
        event.add("dtend", request.ends_at)
        event.add("sequence", request.sequence)
        event.add("summary", summary(request, viewer_id))
        event.add("status", _STATUS.get(request.status, "CANCELLED"))
        event.add("description", f"Details in Alongside: {base_url}/requests/{request.id}")
        calendar.add_component(event)
    return calendar.to_ical()


def one_to_one_calendar(session, viewer_id: int, base_url: str, now: datetime) -> bytes:
    """A one-to-one as an iCalendar file: when, and with whom, never what was said."""
    other = session.mentor if viewer_id == session.nqsw_id else session.nqsw
    calendar = Calendar()
    calendar.add("prodid", "-//Alongside//One-to-ones//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", "Alongside")
    event = Event()
    event.add("uid", f"one-to-one-{session.id}@alongside")
    event.add("dtstamp", now)
    event.add("last-modified", session.changed_at or session.created_at)
    event.add("dtstart", session.starts_at)
    event.add("dtend", session.ends_at)
    # A cancelled or missed one-to-one says so, and the calendar drops it.
    event.add("sequence", 0 if session.changed_at is None else 1)
    event.add("summary", f"One-to-one with {other.display_name} (Alongside)")
    event.add("status", _STATUS.get(session.status, "CANCELLED"))
    event.add("description", f"Details in Alongside: {base_url}/one-to-ones/{session.id}")
    calendar.add_component(event)
    return calendar.to_ical()
