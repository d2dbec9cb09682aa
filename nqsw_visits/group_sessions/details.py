"""What a group session is: its details checked, who may be invited, and the words of
the refusals the creating and changing rules share."""

from dataclasses import dataclass, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from nqsw_visits.core.extensions import db
from nqsw_visits.group_sessions.checks import free_text
from nqsw_visits.group_sessions.diary import may_organise
from nqsw_visits.group_sessions.errors import GroupSessionError
from nqsw_visits.group_sessions.models import MAX_CAPACITY
from nqsw_visits.group_sessions.series import LONGEST, SHORTEST
from nqsw_visits.people.models import User


@dataclass(frozen=True)
class Details:
    """What a session is about, when, where, and for how many."""

    topic: str
    starts_at: datetime
    ends_at: datetime
    place: str
    capacity: int


def check_what(topic: str, place: str, capacity: int) -> tuple[str, str]:
    """The topic and place as stored, or the first thing wrong with the three."""
    topic = free_text(" ".join((topic or "").split()), "topic", 120, "the topic", private=True)
    if not topic:
        raise GroupSessionError("Enter the topic", field="topic")
    place = free_text(place, "place", 300, "the place")
    if isinstance(capacity, bool) or not isinstance(capacity, int):
        raise GroupSessionError("Enter how many places there are", field="capacity")
    if not 1 <= capacity <= MAX_CAPACITY:
        raise GroupSessionError(f"Offer between 1 and {MAX_CAPACITY} places", field="capacity")
    return topic, place


def checked(details: Details, zone: ZoneInfo, now: datetime) -> Details:
    """The details as stored, or GroupSessionError on the first field that is wrong."""
    topic, place = check_what(details.topic, details.place, details.capacity)
    starts, ends = details.starts_at, details.ends_at
    if starts <= now:
        raise GroupSessionError("Choose a time in the future", field="starts")
    if starts.astimezone(zone).date() != ends.astimezone(zone).date() or ends <= starts:
        raise GroupSessionError("End the session after it starts, on the same day", field="ends")
    if not SHORTEST <= ends - starts <= LONGEST:
        raise GroupSessionError("A session lasts from 15 minutes to 4 hours", field="ends")
    return replace(details, topic=topic, place=place)


def invitees(organiser: User, invitee_ids) -> list[int]:
    """Active people other than the organiser; the organiser is left out quietly."""
    wanted = {int(user_id) for user_id in invitee_ids} - {organiser.id}
    if not wanted:
        raise GroupSessionError("Choose who is invited", field="invitees")
    found = set(db.session.scalars(select(User.id).where(User.id.in_(wanted), User.active)))
    if found != wanted:
        raise GroupSessionError("Invite only people with an active account", field="invitees")
    return sorted(found)


def must_organise(actor: User, organiser: User) -> None:
    if not may_organise(actor, organiser):
        raise GroupSessionError(
            "Only a mentor organises group sessions, or an admin for a mentor", 403
        )


def on_day(moment: datetime, zone: ZoneInfo) -> str:
    return f"{moment.astimezone(zone):%-d %B %Y}"


def taken() -> GroupSessionError:
    return GroupSessionError(
        "Someone has just booked the organiser at that time: pick another", 409
    )
