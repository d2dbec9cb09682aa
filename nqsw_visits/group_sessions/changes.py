"""Changing group sessions: one date, or this and every later date of its series, moved or
cancelled; the organiser's diary follows and everyone who replied is told."""

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from nqsw_visits.availability.holds import lock_mentor
from nqsw_visits.core.extensions import db
from nqsw_visits.group_sessions import telling
from nqsw_visits.group_sessions.checks import free_text
from nqsw_visits.group_sessions.details import Details, checked, on_day, taken
from nqsw_visits.group_sessions.diary import (
    calendar_of,
    hold,
    later_dates,
    lock_afresh,
    must_manage,
    reasons_busy,
    release,
    said,
)
from nqsw_visits.group_sessions.errors import GroupSessionError
from nqsw_visits.group_sessions.models import (
    GroupInvite,
    GroupSeries,
    GroupSession,
    Reply,
    SessionState,
)
from nqsw_visits.group_sessions.replies import fill_places
from nqsw_visits.group_sessions.series import session_times
from nqsw_visits.people import audit
from nqsw_visits.people.models import User

SCOPES = ("one", "future")
REASON_MAX = 500


def _check_scope(scope: str) -> None:
    if scope not in SCOPES:
        raise GroupSessionError("Choose this date only or all future dates", field="scope")


def _fresh(session: GroupSession, scope: str, now: datetime) -> list[GroupSession]:
    """The session and (for "future") its series' later dates, locked and read afresh."""
    # Someone may have changed them meanwhile; their rows stay locked to the commit, so a
    # reply counting places waits for the change.
    lock_mentor(session.organiser_id)
    lock_afresh(session)
    if not session.may_change(now):
        raise GroupSessionError("Only a session that has not started can be changed", 409)
    if scope == "one":
        return [session]
    return [session, *later_dates(session, lock=True)]


def _going(session_ids: list[int]) -> dict[int, int]:
    rows = db.session.execute(
        select(GroupInvite.session_id, func.count())
        .where(GroupInvite.session_id.in_(session_ids), GroupInvite.reply == Reply.GOING.value)
        .group_by(GroupInvite.session_id)
    )
    return dict(rows.all())


def _new_times(sessions, details: Details, zone: ZoneInfo) -> dict[int, tuple]:
    """The edited session's new times; later ones keep their dates at the new local time."""
    starts, ends = details.starts_at.astimezone(zone), details.ends_at.astimezone(zone)
    times = {sessions[0].id: (details.starts_at, details.ends_at)}
    for other in sessions[1:]:
        day = other.starts_at.astimezone(zone).date()
        times[other.id] = session_times(day, starts.time(), ends.time(), zone)
    return times


def _check_moves(organiser_id, sessions, times, details, zone, now) -> None:
    """Refuse when fewer places than people going, or when a new time is not free."""
    going = _going([session.id for session in sessions])
    for session in sessions:
        if details.capacity < going.get(session.id, 0):
            count = going[session.id]
            raise GroupSessionError(
                f"{count} {'person is' if count == 1 else 'people are'} going on "
                f"{on_day(session.starts_at, zone)}: offer at least {count} places",
                field="capacity",
            )
    first = min(start for start, _ in times.values())
    calendar = calendar_of(organiser_id, first, max(end for _, end in times.values()), zone)
    for session in sessions:
        starts, ends = times[session.id]
        busy = reasons_busy(calendar, starts, ends, now)
        if busy:
            raise GroupSessionError(
                f"The organiser is not free on {on_day(starts, zone)}: {said(busy)}.", 409, "starts"
            )


def edit(
    actor: User, session: GroupSession, details: Details, scope: str, zone: ZoneInfo, now: datetime
) -> list[GroupSession]:
    """Change one date, or this and every later date of its series; their holds move."""
    must_manage(actor, session)
    _check_scope(scope)
    details = checked(details, zone, now)
    sessions = _fresh(session, scope, now)
    times = _new_times(sessions, details, zone)
    # Their own old times are freed first, so each new time is checked against the rest.
    release(times.keys())
    _check_moves(session.organiser_id, sessions, times, details, zone, now)
    for each in sessions:
        each.topic, each.place, each.capacity = details.topic, details.place, details.capacity
        each.starts_at, each.ends_at = times[each.id]
        each.sequence, each.changed_at = each.sequence + 1, now
        db.session.flush()
        if not hold(each):
            raise taken()
        fill_places(each, now, actor)
        audit.record("group_session.changed", actor=actor, obj=each, scope=scope)
        telling.changed(each, actor)
    if scope == "future" and session.series is not None:
        _follow(actor, session.series, details, zone)
    return sessions


def _follow(actor: User, series: GroupSeries, details: Details, zone: ZoneInfo) -> None:
    """The series takes the new topic and local times, for the dates still to come."""
    series.topic = details.topic
    series.starts = details.starts_at.astimezone(zone).time()
    series.ends = details.ends_at.astimezone(zone).time()
    audit.record("group_series.changed", actor=actor, obj=series)


def cancel(
    actor: User, session: GroupSession, reason: str, scope: str, now: datetime
) -> list[GroupSession]:
    """Call off one date, or this and every later date of its series; the diary is freed."""
    must_manage(actor, session)
    _check_scope(scope)
    reason = free_text(reason, "reason", REASON_MAX, "the reason")
    if not reason:
        raise GroupSessionError("Say why the session is cancelled", field="reason")
    sessions = _fresh(session, scope, now)
    for each in sessions:
        each.state, each.cancel_reason = SessionState.CANCELLED.value, reason
        each.sequence, each.changed_at = each.sequence + 1, now
    release(each.id for each in sessions)
    for each in sessions:
        audit.record("group_session.cancelled", actor=actor, obj=each, scope=scope)
        telling.cancelled(each, actor)
    return sessions
