"""A group session as an iCalendar invitation: one event whose UID never changes, so a
guest's calendar updates it at each higher SEQUENCE and removes it when it is cancelled."""

from datetime import datetime
from functools import cache

from icalendar import Calendar, Event
from sqlalchemy import bindparam, exists, or_, select

from nqsw_visits.core.extensions import db
from nqsw_visits.group_sessions.models import GroupInvite, GroupSession, Reply, SessionState

# Those whose personal calendar feed shows the session, besides its organiser.
IN_FEED = (Reply.GOING.value, Reply.MAYBE.value)


def summary(topic: str) -> str:
    """What a calendar calls a group session."""
    return f"{topic} (Alongside group session)"


def uid(session: GroupSession) -> str:
    """The event's UID: the same through every change to the session."""
    return f"group-session-{session.uid}@alongside"


def session_ics(session: GroupSession, now: datetime, cancelled: bool = False) -> str:
    """The session as iCalendar text; STATUS:CANCELLED when it (or this guest) is called off."""
    calendar = Calendar()
    calendar.add("prodid", "-//Alongside//Group sessions//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", uid(session))
    event.add("dtstamp", now)
    event.add("dtstart", session.starts_at)
    event.add("dtend", session.ends_at)
    event.add("sequence", session.sequence)
    event.add("summary", summary(session.topic))
    if session.place:
        event.add("location", session.place)
    event.add("status", "CANCELLED" if cancelled or session.cancelled else "CONFIRMED")
    event.add(
        "description",
        f"Organised by {session.organiser.display_name}. Staff find the details in Alongside.",
    )
    calendar.add_component(event)
    return calendar.to_ical().decode()


def in_feed(user_id: int, since: datetime, until: datetime) -> list:
    """Scheduled sessions in the window the person organises or is going (or maybe) to."""
    return db.session.execute(
        _in_feed(), {"user_id": user_id, "since": since, "until": until}
    ).all()


@cache  # built once: every calendar app's fetch of a feed runs it
def _in_feed():
    user_id = bindparam("user_id")
    going = exists().where(
        GroupInvite.session_id == GroupSession.id,
        GroupInvite.user_id == user_id,
        GroupInvite.reply.in_(IN_FEED),
    )
    return (
        select(
            GroupSession.id,
            GroupSession.uid,
            GroupSession.topic,
            GroupSession.place,
            GroupSession.starts_at,
            GroupSession.ends_at,
        )
        .where(
            or_(GroupSession.organiser_id == user_id, going),
            GroupSession.state == SessionState.SCHEDULED.value,
            GroupSession.ends_at >= bindparam("since"),
            GroupSession.starts_at < bindparam("until"),
        )
        .order_by(GroupSession.starts_at)
    )
