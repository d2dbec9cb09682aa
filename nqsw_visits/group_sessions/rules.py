"""Rules of group sessions: creating one, or a monthly series, in the organiser's diary.
No Flask; the caller commits.

Changing and cancelling live in changes.py, replies and the waiting list in replies.py,
guests, attendance, the record and feedback in record.py; all are named here too, so
callers need only this module.
"""

from dataclasses import dataclass, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from nqsw_visits.availability.free_time import Reason
from nqsw_visits.availability.holds import lock_mentor
from nqsw_visits.availability.holidays import between as holidays_between
from nqsw_visits.core.extensions import db
from nqsw_visits.group_sessions import telling
from nqsw_visits.group_sessions.changes import cancel, edit
from nqsw_visits.group_sessions.details import (
    Details,
    check_what,
    checked,
    invitees,
    must_organise,
    taken,
)
from nqsw_visits.group_sessions.diary import (
    calendar_of,
    hold,
    may_organise,
    may_see,
    reasons_busy,
    said,
)
from nqsw_visits.group_sessions.errors import GroupSessionError
from nqsw_visits.group_sessions.invitations import invite_more
from nqsw_visits.group_sessions.models import GroupInvite, GroupSeries, GroupSession, Reply
from nqsw_visits.group_sessions.record import (
    Guest,
    add_guest,
    give_feedback,
    mark_attendance,
    remove_guest,
    write_record,
)
from nqsw_visits.group_sessions.replies import clashes_for, reply
from nqsw_visits.group_sessions.series import MonthlyPlan, monthly_dates, session_times
from nqsw_visits.people import audit
from nqsw_visits.people.models import User

__all__ = [
    "Details",
    "GroupSessionError",
    "Guest",
    "MonthlyPlan",
    "PlannedDate",
    "add_guest",
    "cancel",
    "clashes_for",
    "create_series",
    "create_session",
    "edit",
    "give_feedback",
    "holidays_between",
    "invite_more",
    "mark_attendance",
    "may_organise",
    "may_see",
    "remove_guest",
    "reply",
    "write_record",
]


@dataclass(frozen=True)
class PlannedDate:
    """One date of a series and what became of it: "booked", "skipped" or "clash"."""

    day: date
    starts_at: datetime | None
    ends_at: datetime | None
    outcome: str
    why: str
    session_id: int | None


def _new_session(actor, organiser, details: Details, people, series_id, now) -> GroupSession:
    session = GroupSession(
        series_id=series_id,
        organiser_id=organiser.id,
        topic=details.topic,
        starts_at=details.starts_at,
        ends_at=details.ends_at,
        place=details.place,
        capacity=details.capacity,
        created_by_id=actor.id,
        created_at=now,
    )
    session.invites = [GroupInvite(user_id=user_id, reply=Reply.NONE.value) for user_id in people]
    db.session.add(session)
    db.session.flush()
    return session


def create_session(
    actor: User, organiser: User, details: Details, invitee_ids, zone: ZoneInfo, now: datetime
) -> GroupSession:
    """One session in the organiser's diary, with its people invited. The caller commits."""
    must_organise(actor, organiser)
    details = checked(details, zone, now)
    people = invitees(organiser, invitee_ids)
    lock_mentor(organiser.id)
    calendar = calendar_of(organiser.id, details.starts_at, details.ends_at, zone)
    busy = reasons_busy(calendar, details.starts_at, details.ends_at, now)
    if busy:
        raise GroupSessionError(f"The organiser is not free then: {said(busy)}.", 409, "starts")
    session = _new_session(actor, organiser, details, people, None, now)
    if not hold(session):
        raise taken()
    audit.record("group_session.created", actor=actor, obj=session, invited=len(people))
    telling.invited(session, people, actor)
    return session


def _plan_dates(organiser_id, plan, holidays, zone, now) -> list[PlannedDate]:
    """Each date of the plan checked against the organiser's diary, without booking."""
    dates = monthly_dates(plan, holidays)
    times = [session_times(day, plan.starts, plan.ends, zone) for day, _ in dates]
    calendar = calendar_of(organiser_id, times[0][0], times[-1][1], zone)
    planned = []
    for (day, skipped), (starts, ends) in zip(dates, times, strict=True):
        busy = (Reason.BANK_HOLIDAY,) if skipped else reasons_busy(calendar, starts, ends, now)
        outcome = "booked" if not busy else "clash"
        if set(busy) == {Reason.BANK_HOLIDAY}:
            outcome = "skipped"
        planned.append(PlannedDate(day, starts, ends, outcome, said(busy), None))
    return planned


def create_series(
    actor: User,
    organiser: User,
    topic: str,
    place: str,
    capacity: int,
    plan: MonthlyPlan,
    invitee_ids,
    holidays: frozenset[date],
    zone: ZoneInfo,
    now: datetime,
) -> tuple[GroupSeries, list[PlannedDate]]:
    """Book each free date of a monthly plan; report the skipped and the clashing ones."""
    must_organise(actor, organiser)
    topic, place = check_what(topic, place, capacity)
    people = invitees(organiser, invitee_ids)
    lock_mentor(organiser.id)
    planned = _plan_dates(organiser.id, plan, holidays, zone, now)
    if all(entry.outcome != "booked" for entry in planned):
        found = "; ".join(f"{entry.day:%-d %B}: {entry.why}" for entry in planned[:3])
        raise GroupSessionError(f"None of those dates is free: {found}", 409, "first_month")
    series = GroupSeries(
        organiser_id=organiser.id,
        topic=topic,
        week_of_month=plan.week_of_month,
        weekday=plan.weekday,
        starts=plan.starts,
        ends=plan.ends,
        created_by_id=actor.id,
        created_at=now,
    )
    db.session.add(series)
    db.session.flush()
    outcomes = [
        _book(actor, organiser, series, entry, topic, place, capacity, people, now)
        for entry in planned
    ]
    booked = sum(entry.outcome == "booked" for entry in outcomes)
    audit.record("group_series.created", actor=actor, obj=series, sessions=booked)
    return series, outcomes


def _book(actor, organiser, series, entry: PlannedDate, topic, place, capacity, people, now):
    """Book one free date of a series; a date the database finds taken becomes a clash."""
    if entry.outcome != "booked":
        return entry
    details = Details(topic, entry.starts_at, entry.ends_at, place, capacity)
    session = _new_session(actor, organiser, details, people, series.id, now)
    if not hold(session):
        db.session.delete(session)
        db.session.flush()
        return replace(entry, outcome="clash", why=Reason.CLASH.text)
    audit.record("group_session.created", actor=actor, obj=session, series=series.id)
    telling.invited(session, people, actor)
    return replace(entry, session_id=session.id)
