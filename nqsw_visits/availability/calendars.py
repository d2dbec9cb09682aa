"""Mentors' calendars read from the database: patterns, time away, limits and commitments,
in two statements built once and run for any mentors and span, and the bank holidays kept."""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, String, bindparam, cast, literal, null, select, union_all

from nqsw_visits.availability import holidays as bank_holidays
from nqsw_visits.availability.free_time import Commitment, Limits, MentorCalendar, Pattern
from nqsw_visits.availability.models import (
    AvailabilityException,
    AvailabilityPattern,
    AvailabilityWindow,
    MentorHold,
    MentorLimits,
)
from nqsw_visits.core.extensions import db
from nqsw_visits.people.models import User

MARGIN = timedelta(days=8)  # covers a week's cap count and travel either side


def load_calendars(
    mentor_ids: Iterable[int], start: datetime, end: datetime, zone: ZoneInfo
) -> dict[int, MentorCalendar]:
    """Calendars for several mentors over [start, end), in a fixed number of queries."""
    ids = list(dict.fromkeys(mentor_ids))
    span = {"ids": ids, "after": start - MARGIN, "before": end + MARGIN}
    statements = _statements()
    patterns, limits = _patterns_and_limits(db.session.execute(statements["weeks"], {"ids": ids}))
    days = {"first": span["after"].date(), "last": span["before"].date()}
    holidays = bank_holidays.between(days["first"], days["last"])
    away, commitments = defaultdict(list), defaultdict(list)
    for source, mentor_id, starts_at, ends_at, kind, request_id in db.session.execute(
        statements["taken"], span
    ):
        if source == "away":
            away[mentor_id].append((starts_at, ends_at))
        else:
            commitments[mentor_id].append(Commitment(starts_at, ends_at, kind, ref=request_id))
    return {
        mentor_id: MentorCalendar(
            zone=zone,
            patterns=patterns[mentor_id],
            away=away[mentor_id],
            bank_holidays=holidays,
            limits=limits.get(mentor_id, Limits()),
            commitments=commitments[mentor_id],
        )
        for mentor_id in ids
    }


def _patterns_and_limits(rows) -> tuple[dict[int, list[Pattern]], dict[int, Limits]]:
    """Each mentor's weekly patterns (each day's windows sorted) and limits, where stored."""
    by_version: dict[tuple[int, date], dict[int, list]] = defaultdict(lambda: defaultdict(list))
    limits = {}
    for row in rows:
        if row.max_per_day is not None:
            limits[row.mentor_id] = limits_of(row)
        if row.effective_from is None:
            continue
        windows = by_version[(row.mentor_id, row.effective_from)]
        if row.weekday is not None:
            windows[row.weekday].append((row.starts, row.ends))
    patterns = defaultdict(list)
    for (mentor_id, effective_from), windows in by_version.items():
        patterns[mentor_id].append(
            Pattern(effective_from, {d: sorted(w) for d, w in windows.items()})
        )
    return patterns, limits


@cache
def _statements() -> dict:
    # Built once: every free-time check, diary, inbox and booking runs all three, and
    # building them took longer than running them. Everything comes as plain rows: a busy
    # mentor has hundreds of holds in a span, and ORM objects cost five times more.
    ids = bindparam("ids", expanding=True)
    after, before = bindparam("after"), bindparam("before")
    # Patterns and limits in one statement, from the mentors themselves: either may be
    # missing (no pattern yet, or the default limits).
    weeks = (
        select(
            User.id.label("mentor_id"),
            AvailabilityPattern.effective_from,
            AvailabilityWindow.weekday,
            AvailabilityWindow.starts,
            AvailabilityWindow.ends,
            MentorLimits.max_per_day,
            MentorLimits.max_per_week,
            MentorLimits.travel_minutes,
            MentorLimits.notice_working_days,
            MentorLimits.works_bank_holidays,
        )
        .outerjoin(MentorLimits, MentorLimits.mentor_id == User.id)
        .outerjoin(AvailabilityPattern, AvailabilityPattern.mentor_id == User.id)
        .outerjoin(AvailabilityWindow, AvailabilityWindow.pattern_id == AvailabilityPattern.id)
        .where(User.id.in_(ids))
    )
    # Time away and holds in one statement: both are spans of a mentor's time.
    away = select(
        literal("away").label("source"),
        AvailabilityException.mentor_id,
        AvailabilityException.starts_at,
        AvailabilityException.ends_at,
        cast(null(), String).label("kind"),
        cast(null(), Integer).label("request_id"),
    ).where(
        AvailabilityException.mentor_id.in_(ids),
        AvailabilityException.ends_at > after,
        AvailabilityException.starts_at < before,
    )
    holds = select(
        literal("hold").label("source"),
        MentorHold.mentor_id,
        MentorHold.starts_at,
        MentorHold.ends_at,
        MentorHold.kind,
        MentorHold.request_id,
    ).where(
        MentorHold.mentor_id.in_(ids),
        MentorHold.ends_at > after,
        MentorHold.starts_at < before,
    )
    return {
        "weeks": weeks,
        "taken": union_all(away, holds),
    }


def limits_of(row) -> Limits:
    """The service's Limits from a stored row (or a row of its columns), or the defaults."""
    if row is None:
        return Limits()
    return Limits(
        row.max_per_day,
        row.max_per_week,
        row.travel_minutes,
        row.notice_working_days,
        row.works_bank_holidays,
    )
