"""What waits for each person: accompaniments to write up, observations to reflect on or sign.

Every mentor's and NQSW's home page lists the first few, so each list is one statement of
plain rows, with just what the list shows: no observation text, and no objects to build.
"""

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, bindparam, or_, select

from nqsw_visits.availability.free_time import add_working_days
from nqsw_visits.availability.holidays import every_day as every_bank_holiday
from nqsw_visits.core.extensions import db
from nqsw_visits.observations.models import Observation
from nqsw_visits.people.models import User
from nqsw_visits.support_requests.models import RequestStatus, SupportRequest

WRITE_UP_WORKING_DAYS = 5  # an observation not written by then is overdue


@dataclass(frozen=True)
class ToWrite:
    """A completed accompaniment whose observation is not yet shared, as its list shows it."""

    request_id: int
    kind: str
    nqsw_name: str
    starts_at: datetime
    draft: bool
    overdue: bool


def params_for(user: User) -> dict:
    """The bind parameters of `to_write_query` and `waiting_for_query` for one person."""
    return {"person_id": user.id}


def _observation_of_request(column):
    return select(column).where(Observation.request_id == SupportRequest.id).scalar_subquery()


def _nqsw_of_request(column):
    return select(column).where(User.id == SupportRequest.nqsw_id).scalar_subquery()


@cache  # built once, run with `params_for(person)`: every mentor's home shows it
def to_write_query() -> Select:
    """The mentor's completed accompaniments with no shared observation, oldest first."""
    # Each request looks up its own observation and NQSW. Joined to the observations,
    # PostgreSQL hash-joined the whole table (5.4 ms at council scale, not 1.6 ms); joined
    # to the people, it guessed a handful of rows and looped over everyone (12 ms).
    return (
        select(
            SupportRequest.id,
            SupportRequest.kind,
            SupportRequest.starts_at,
            SupportRequest.ends_at,
            _nqsw_of_request(User.display_name).label("nqsw_name"),
            _observation_of_request(Observation.id).label("draft_id"),
        )
        .where(
            SupportRequest.mentor_id == bindparam("person_id"),
            SupportRequest.status == RequestStatus.COMPLETED,
            _observation_of_request(Observation.shared_at).is_(None),
        )
        .order_by(SupportRequest.ends_at, SupportRequest.id)
    )


def with_deadlines(rows: list, now: datetime, zone: ZoneInfo) -> list[ToWrite]:
    """Each accompaniment to write up, marked overdue once its working days have passed."""
    holidays = every_bank_holiday()
    return [
        ToWrite(
            row.id,
            row.kind,
            row.nqsw_name,
            row.starts_at,
            row.draft_id is not None,
            add_working_days(row.ends_at, WRITE_UP_WORKING_DAYS, zone, holidays) <= now,
        )
        for row in rows
    ]


def to_write(mentor: User, now: datetime, zone: ZoneInfo) -> list[ToWrite]:
    """The mentor's completed accompaniments with no shared observation, oldest first."""
    rows = db.session.execute(to_write_query(), params_for(mentor)).all()
    return with_deadlines(rows, now, zone)


@cache  # built once, run with `params_for(person)`: every home page shows it
def waiting_for_query() -> Select:
    """Shared, unlocked observations that wait for this person's reflection or signature."""
    # What the list shows of the request and the people is looked up for each row of the
    # page: joined, the count of the whole list read every person twice and each request.
    person_id = bindparam("person_id")
    # Each side says "shared and not locked" itself, so each can use its partial index.
    is_open = and_(Observation.shared_at.is_not(None), Observation.locked_at.is_(None))
    waiting = or_(
        and_(is_open, Observation.nqsw_id == person_id, Observation.nqsw_signed_at.is_(None)),
        and_(is_open, Observation.mentor_id == person_id, Observation.mentor_signed_at.is_(None)),
    )
    reflected = and_(Observation.reflection.is_not(None), Observation.reflection != "")
    return (
        select(
            Observation.id,
            Observation.nqsw_signed_at,
            reflected.label("reflected"),
            _request_of_observation(SupportRequest.kind).label("kind"),
            _request_of_observation(SupportRequest.starts_at).label("starts_at"),
            _name_of(Observation.nqsw_id).label("nqsw_name"),
            _name_of(Observation.mentor_id).label("mentor_name"),
        )
        .where(waiting)
        .order_by(Observation.shared_at, Observation.id)
    )


def _request_of_observation(column):
    return select(column).where(SupportRequest.id == Observation.request_id).scalar_subquery()


def _name_of(person_id):
    return select(User.display_name).where(User.id == person_id).scalar_subquery()
