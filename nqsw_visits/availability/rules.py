"""Loading and changing mentors' availability in the database (audited)."""

import json
from datetime import date, datetime, time

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from nqsw_visits.availability.free_time import Limits
from nqsw_visits.availability.models import (
    AvailabilityException,
    AvailabilityPattern,
    AvailabilityWindow,
    BankHoliday,
    ExceptionKind,
    MentorLimits,
)
from nqsw_visits.core.extensions import db
from nqsw_visits.core.refusal import Refusal
from nqsw_visits.people import audit
from nqsw_visits.people.models import User


class AvailabilityError(Refusal, ValueError):
    """A change to availability that the rules do not allow; the message says why."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message, field=field)


def current_pattern(mentor: User, today: date) -> AvailabilityPattern | None:
    """The version of the weekly pattern in force today (or the next one, if none yet)."""
    versions = db.session.scalars(
        select(AvailabilityPattern)
        .where(AvailabilityPattern.mentor_id == mentor.id)
        .order_by(AvailabilityPattern.effective_from)
    ).all()
    in_force = [p for p in versions if p.effective_from <= today]
    return in_force[-1] if in_force else (versions[0] if versions else None)


def _editable_pattern(mentor: User, today: date) -> AvailabilityPattern:
    """The pattern to change: today's version, copied first if it began in the past."""
    pattern = current_pattern(mentor, today)
    if pattern is not None and pattern.effective_from >= today:
        return pattern
    copy = AvailabilityPattern(mentor_id=mentor.id, effective_from=today)
    if pattern is not None:
        copy.windows = [
            AvailabilityWindow(weekday=w.weekday, starts=w.starts, ends=w.ends)
            for w in pattern.windows
        ]
    try:
        with db.session.begin_nested():
            db.session.add(copy)
    except IntegrityError:
        # Someone else made today's copy at the same moment: change theirs instead.
        return current_pattern(mentor, today)
    return copy


def _check_window(pattern, weekday: int, starts: time, ends: time, skip=None) -> None:
    if not 0 <= weekday <= 6:
        raise AvailabilityError("Select a day of the week", "weekday")
    if ends <= starts:
        raise AvailabilityError("The end time must be after the start time", "ends")
    for window in pattern.windows:
        if window is skip or window.weekday != weekday:
            continue
        if window.starts < ends and starts < window.ends:
            raise AvailabilityError(
                f"This overlaps {window.starts:%H:%M} to {window.ends:%H:%M} on the same day",
                "starts",
            )


def add_window(actor: User, mentor: User, weekday: int, starts: time, ends: time, today: date):
    """Add a window to the weekly pattern from today on."""
    pattern = _editable_pattern(mentor, today)
    _check_window(pattern, weekday, starts, ends)
    window = AvailabilityWindow(weekday=weekday, starts=starts, ends=ends)
    pattern.windows.append(window)
    db.session.flush()
    audit.record(
        "availability.window_added",
        actor=actor,
        obj=mentor,
        weekday=weekday,
        starts=str(starts),
        ends=str(ends),
    )
    return window


def _window_in_pattern(pattern: AvailabilityPattern, old) -> AvailabilityWindow:
    for window in pattern.windows:
        if (window.weekday, window.starts, window.ends) == (old.weekday, old.starts, old.ends):
            return window
    raise AvailabilityError("That time is no longer in your pattern")


def change_window(actor, mentor, window_id: int, weekday: int, starts: time, ends: time, today):
    """Change one window from today on (earlier weeks keep the old pattern)."""
    old = window_of(mentor, window_id, today)
    pattern = _editable_pattern(mentor, today)
    window = _window_in_pattern(pattern, old)
    _check_window(pattern, weekday, starts, ends, skip=window)
    window.weekday, window.starts, window.ends = weekday, starts, ends
    audit.record(
        "availability.window_changed",
        actor=actor,
        obj=mentor,
        weekday=weekday,
        starts=str(starts),
        ends=str(ends),
    )


def remove_window(actor: User, mentor: User, window_id: int, today: date) -> None:
    """Take a window out of the pattern from today on."""
    old = window_of(mentor, window_id, today)
    pattern = _editable_pattern(mentor, today)
    pattern.windows.remove(_window_in_pattern(pattern, old))
    audit.record("availability.window_removed", actor=actor, obj=mentor, weekday=old.weekday)


def window_of(mentor: User, window_id: int, today: date) -> AvailabilityWindow:
    """A window of the mentor's current pattern; LookupError (a 404) if it is not theirs."""
    pattern = current_pattern(mentor, today)
    for window in pattern.windows if pattern else []:
        if window.id == window_id:
            return window
    raise LookupError(window_id)


def add_exception(
    actor, mentor, kind: ExceptionKind, starts_at: datetime, ends_at: datetime, note: str = ""
) -> AvailabilityException:
    """Record leave, training or other time away."""
    if ends_at <= starts_at:
        raise AvailabilityError("The end must be after the start", "end_date")
    row = AvailabilityException(
        mentor_id=mentor.id,
        kind=kind.value,
        starts_at=starts_at,
        ends_at=ends_at,
        note=note.strip(),
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        "availability.exception_added",
        actor=actor,
        obj=mentor,
        kind=kind.value,
        exception_id=row.id,
    )
    return row


def remove_exception(actor: User, mentor: User, exception_id: int) -> None:
    """Delete one of the mentor's exceptions; LookupError if it is not theirs."""
    row = db.session.get(AvailabilityException, exception_id)
    if row is None or row.mentor_id != mentor.id:
        raise LookupError(exception_id)
    db.session.delete(row)
    audit.record(
        "availability.exception_removed", actor=actor, obj=mentor, exception_id=exception_id
    )


def upcoming_exceptions(mentor: User, now: datetime) -> list[AvailabilityException]:
    """The mentor's exceptions that have not ended, soonest first."""
    return list(
        db.session.scalars(
            select(AvailabilityException)
            .where(
                AvailabilityException.mentor_id == mentor.id, AvailabilityException.ends_at > now
            )
            .order_by(AvailabilityException.starts_at)
        )
    )


def set_limits(actor: User, mentor: User, limits: Limits) -> None:
    """Save a mentor's caps, travel time and notice."""
    row = db.session.get(MentorLimits, mentor.id) or MentorLimits(mentor_id=mentor.id)
    row.max_per_day, row.max_per_week = limits.max_per_day, limits.max_per_week
    row.travel_minutes, row.notice_working_days = limits.travel_minutes, limits.notice_working_days
    row.works_bank_holidays = limits.works_bank_holidays
    db.session.add(row)
    audit.record("availability.limits_set", actor=actor, obj=mentor, **limits.__dict__)


def parse_bank_holidays(text: str) -> list[tuple[date, str]]:
    """England and Wales holidays from a file in the GOV.UK bank-holidays.json format."""
    try:
        events = json.loads(text)["england-and-wales"]["events"]
        return [(date.fromisoformat(e["date"]), str(e["title"])[:120]) for e in events]
    except (ValueError, KeyError, TypeError) as error:
        raise AvailabilityError(f"Not a bank holidays file: {error}") from None


def load_bank_holidays(holidays: list[tuple[date, str]]) -> int:
    """Add or update bank holidays; returns how many were new."""
    known = {row.day: row for row in db.session.scalars(select(BankHoliday))}
    added = 0
    for day, title in holidays:
        if day in known:
            known[day].title = title
        else:
            db.session.add(BankHoliday(day=day, title=title))
            added += 1
    audit.record("bank_holidays.loaded", count=len(holidays), added=added)
    return added
