"""Mentors' calendars read from the database: patterns, time away, limits, bank holidays
and commitments, in five statements built once and run for any mentors and span."""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, select

from nqsw_visits.availability.free_time import Commitment, Limits, MentorCalendar, Pattern
from nqsw_visits.availability.models import (
    AvailabilityException,
    AvailabilityPattern,
    AvailabilityWindow,
    BankHoliday,
    MentorHold,
    MentorLimits,
)
from nqsw_visits.core.extensions import db

MARGIN = timedelta(days=8)  # covers a week's cap count and travel either side


def load_calendars(
    mentor_ids: Iterable[int], start: datetime, end: datetime, zone: ZoneInfo
) -> dict[int, MentorCalendar]:
    """Calendars for several mentors over [start, end), in a fixed number of queries."""
    ids = list(dict.fromkeys(mentor_ids))
    span = {"ids": ids, "after": start - MARGIN, "before": end + MARGIN}
    statements = _statements()
    patterns = _patterns(db.session.execute(statements["patterns"], {"ids": ids}))
    away = defaultdict(list)
    for mentor_id, starts_at, ends_at in db.session.execute(statements["away"], span):
        away[mentor_id].append((starts_at, ends_at))
    limits = {row.mentor_id: row for row in db.session.scalars(statements["limits"], {"ids": ids})}
    days = {"first": span["after"].date(), "last": span["before"].date()}
    holidays = frozenset(db.session.scalars(statements["holidays"], days))
    commitments = defaultdict(list)
    for mentor_id, starts_at, ends_at, kind, request_id in db.session.execute(
        statements["holds"], span
    ):
        commitments[mentor_id].append(Commitment(starts_at, ends_at, kind, ref=request_id))
    return {
        mentor_id: MentorCalendar(
            zone=zone,
            patterns=patterns[mentor_id],
            away=away[mentor_id],
            bank_holidays=holidays,
            limits=limits_of(limits.get(mentor_id)),
            commitments=commitments[mentor_id],
        )
        for mentor_id in ids
    }


def _patterns(rows) -> dict[int, list[Pattern]]:
    """Each mentor's weekly patterns, oldest first as stored, with each day's windows sorted."""
    by_version: dict[tuple[int, date], dict[int, list]] = defaultdict(lambda: defaultdict(list))
    for mentor_id, effective_from, window in rows:
        windows = by_version[(mentor_id, effective_from)]
        if window is not None:
            windows[window.weekday].append((window.starts, window.ends))
    patterns = defaultdict(list)
    for (mentor_id, effective_from), windows in by_version.items():
        patterns[mentor_id].append(
            Pattern(effective_from, {d: sorted(w) for d, w in windows.items()})
        )
    return patterns


@cache
def _statements() -> dict:
    # Built once: every free-time check, diary, inbox and booking runs all five, and
    # building them took longer than running them. Holds and time away come as plain
    # rows: a busy mentor has hundreds in a span, and ORM objects cost five times more.
    ids = bindparam("ids", expanding=True)
    after, before = bindparam("after"), bindparam("before")
    return {
        "patterns": select(
            AvailabilityPattern.mentor_id, AvailabilityPattern.effective_from, AvailabilityWindow
        )
        .outerjoin(AvailabilityWindow, AvailabilityWindow.pattern_id == AvailabilityPattern.id)
        .where(AvailabilityPattern.mentor_id.in_(ids)),
        "away": select(
            AvailabilityException.mentor_id,
            AvailabilityException.starts_at,
            AvailabilityException.ends_at,
        ).where(
            AvailabilityException.mentor_id.in_(ids),
            AvailabilityException.ends_at > after,
            AvailabilityException.starts_at < before,
        ),
        "limits": select(MentorLimits).where(MentorLimits.mentor_id.in_(ids)),
        "holidays": select(BankHoliday.day).where(
            BankHoliday.day >= bindparam("first"), BankHoliday.day <= bindparam("last")
        ),
        "holds": select(
            MentorHold.mentor_id,
            MentorHold.starts_at,
            MentorHold.ends_at,
            MentorHold.kind,
            MentorHold.request_id,
        ).where(
            MentorHold.mentor_id.in_(ids),
            MentorHold.ends_at > after,
            MentorHold.starts_at < before,
        ),
    }


def limits_of(row: MentorLimits | None) -> Limits:
    """The service's Limits from a stored row, or the defaults."""
    if row is None:
        return Limits()
    return Limits(
        row.max_per_day,
        row.max_per_week,
        row.travel_minutes,
        row.notice_working_days,
        row.works_bank_holidays,
    )
