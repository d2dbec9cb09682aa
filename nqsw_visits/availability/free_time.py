"""Free-time maths for mentors: is a time free, and when is a mentor free.

Pure functions over a MentorCalendar (loaded by availability_store). Instants are
aware UTC datetimes; patterns are local wall-clock times in the calendar's zone, so
a 09:00 window is 09:00 in London in both GMT and BST.
"""

from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

OUT_OF_OFFICE_KINDS = frozenset({"home_visit", "court_hearing"})
ACCOMPANIMENT_KINDS = frozenset({"home_visit", "court_hearing", "meeting"})


class Reason(StrEnum):
    """Why a mentor cannot take an event at a given time."""

    PAST = "in_the_past"
    OUTSIDE_HOURS = "outside_hours"
    AWAY = "away"
    BANK_HOLIDAY = "bank_holiday"
    CLASH = "clash"
    TRAVEL = "travel_time"
    DAY_CAP = "daily_cap"
    WEEK_CAP = "weekly_cap"

    @property
    def text(self) -> str:
        return REASON_TEXT[self]


REASON_TEXT = {
    Reason.PAST: "the time has already passed",
    Reason.OUTSIDE_HOURS: "it is outside their working pattern",
    Reason.AWAY: "they are on leave, training or otherwise away",
    Reason.BANK_HOLIDAY: "it is a bank holiday",
    Reason.CLASH: "it clashes with another commitment",
    Reason.TRAVEL: "there is not enough travel time around another visit",
    Reason.DAY_CAP: "they already have their most accompaniments for that day",
    Reason.WEEK_CAP: "they already have their most accompaniments for that week",
}


@dataclass(frozen=True)
class Limits:
    """A mentor's caps, travel buffer and minimum notice."""

    max_per_day: int = 2
    max_per_week: int = 6
    travel_minutes: int = 30
    notice_working_days: int = 1
    works_bank_holidays: bool = False


@dataclass(frozen=True)
class Commitment:
    """Time already taken: accepted support or a request still holding the slot."""

    starts_at: datetime
    ends_at: datetime
    kind: str
    ref: int | None = None  # the support request it belongs to, if any


@dataclass(frozen=True)
class Pattern:
    """A weekly pattern in force from a date: weekday -> [(start, end)] local times."""

    effective_from: date
    windows: dict[int, list[tuple[time, time]]]


@dataclass
class MentorCalendar:
    """Everything needed to answer availability questions for one mentor."""

    zone: ZoneInfo
    patterns: list[Pattern]
    away: list[tuple[datetime, datetime]] = field(default_factory=list)
    bank_holidays: frozenset[date] = frozenset()
    limits: Limits = field(default_factory=Limits)
    commitments: list[Commitment] = field(default_factory=list)

    def __post_init__(self):
        self.patterns = sorted(self.patterns, key=lambda p: p.effective_from)
        self.commitments = sorted(self.commitments, key=lambda c: c.starts_at)
        self._starts = [c.starts_at for c in self.commitments]
        self._longest = max(
            (c.ends_at - c.starts_at for c in self.commitments), default=timedelta()
        )
        self._day_counts = Counter()
        self._week_counts = Counter()
        for commitment in self.commitments:
            if commitment.kind in ACCOMPANIMENT_KINDS:
                local_day = commitment.starts_at.astimezone(self.zone).date()
                self._day_counts[local_day] += 1
                self._week_counts[local_day.isocalendar()[:2]] += 1

    def windows_on(self, day: date) -> list[tuple[time, time]]:
        """The pattern's windows for a local date (the version in force that day)."""
        in_force = None
        for pattern in self.patterns:
            if pattern.effective_from <= day:
                in_force = pattern
            else:
                break
        return in_force.windows.get(day.weekday(), []) if in_force else []

    def nearby_commitments(self, start: datetime, end: datetime, pad: timedelta) -> Iterator:
        """Commitments that might come within `pad` of [start, end)."""
        first = bisect_left(self._starts, start - pad - self._longest)
        for commitment in self.commitments[first:]:
            if commitment.starts_at >= end + pad:
                break
            yield commitment


@dataclass(frozen=True)
class Verdict:
    """The answer to "is the mentor free then?": reasons empty means free."""

    reasons: tuple[Reason, ...]
    urgent: bool

    @property
    def free(self) -> bool:
        return not self.reasons


def local_instant(day: date, clock: time, zone: ZoneInfo) -> datetime | None:
    """The UTC instant of a local wall-clock time, or None if the clocks skip it."""
    local = datetime.combine(day, clock, tzinfo=zone)
    instant = local.astimezone(UTC)
    return (
        instant
        if instant.astimezone(zone).replace(tzinfo=None) == local.replace(tzinfo=None)
        else None
    )


def add_working_days(moment: datetime, days: int, zone: ZoneInfo, holidays: frozenset[date]):
    """The same local time `days` working days later (weekends and bank holidays skipped)."""
    local = moment.astimezone(zone)
    day = local.date()
    while days > 0:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in holidays:
            days -= 1
    later = datetime.combine(day, local.timetz().replace(tzinfo=None), tzinfo=zone)
    return later.astimezone(UTC)


def _inside_pattern(cal: MentorCalendar, start: datetime, end: datetime) -> bool:
    day = start.astimezone(cal.zone).date()
    if end.astimezone(cal.zone).date() != day:
        return False
    for opens, closes in cal.windows_on(day):
        window_start = datetime.combine(day, opens, tzinfo=cal.zone)
        window_end = datetime.combine(day, closes, tzinfo=cal.zone)
        if window_start <= start and end <= window_end:
            return True
    return False


def clashing(
    cal: MentorCalendar, start: datetime, end: datetime, kind: str, ignore_ref: int | None = None
) -> list[tuple[Commitment, Reason]]:
    """The commitments that overlap [start, end), or come within travel time of it."""
    found = []
    travel = timedelta(minutes=cal.limits.travel_minutes)
    for other in cal.nearby_commitments(start, end, travel):
        if ignore_ref is not None and other.ref == ignore_ref:
            continue
        if other.starts_at < end and start < other.ends_at:
            found.append((other, Reason.CLASH))
        elif (kind in OUT_OF_OFFICE_KINDS or other.kind in OUT_OF_OFFICE_KINDS) and (
            other.starts_at < end + travel and start - travel < other.ends_at
        ):
            found.append((other, Reason.TRAVEL))
    return found


def _clash_reasons(
    cal: MentorCalendar, start: datetime, end: datetime, kind: str, ignore_ref: int | None
) -> set:
    return {reason for _, reason in clashing(cal, start, end, kind, ignore_ref)}


def _cap_reasons(cal: MentorCalendar, day: date, ignore_ref: int | None) -> set:
    day_count = cal._day_counts[day]
    week_count = cal._week_counts[day.isocalendar()[:2]]
    ignored = [c for c in cal.commitments if ignore_ref is not None and c.ref == ignore_ref]
    for commitment in ignored:
        if commitment.kind in ACCOMPANIMENT_KINDS:
            other_day = commitment.starts_at.astimezone(cal.zone).date()
            day_count -= other_day == day
            week_count -= other_day.isocalendar()[:2] == day.isocalendar()[:2]
    reasons = set()
    if day_count >= cal.limits.max_per_day:
        reasons.add(Reason.DAY_CAP)
    if week_count >= cal.limits.max_per_week:
        reasons.add(Reason.WEEK_CAP)
    return reasons


def check(
    cal: MentorCalendar,
    start: datetime,
    end: datetime,
    kind: str,
    now: datetime,
    ignore_ref: int | None = None,
) -> Verdict:
    """Whether the mentor can take an event of this kind at [start, end), and why not.

    `ignore_ref` leaves out the commitment of the request being answered itself.
    """
    reasons = set()
    if start < now:
        reasons.add(Reason.PAST)
    if not _inside_pattern(cal, start, end):
        reasons.add(Reason.OUTSIDE_HOURS)
    day = start.astimezone(cal.zone).date()
    if day in cal.bank_holidays and not cal.limits.works_bank_holidays:
        reasons.add(Reason.BANK_HOLIDAY)
    if any(away_start < end and start < away_end for away_start, away_end in cal.away):
        reasons.add(Reason.AWAY)
    reasons |= _clash_reasons(cal, start, end, kind, ignore_ref)
    if kind in ACCOMPANIMENT_KINDS:
        reasons |= _cap_reasons(cal, day, ignore_ref)
    notice_ends = add_working_days(now, cal.limits.notice_working_days, cal.zone, cal.bank_holidays)
    ordered = tuple(reason for reason in Reason if reason in reasons)
    return Verdict(ordered, urgent=start < notice_ends)


def _days(first: date, last: date) -> Iterable[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def _blocked_starts(
    cal: MentorCalendar, duration: timedelta, kind: str
) -> list[tuple[datetime, datetime]]:
    """Open intervals of start times ruled out by time away and commitments (merged)."""
    travel = timedelta(minutes=cal.limits.travel_minutes)
    spans = [(away_start - duration, away_end) for away_start, away_end in cal.away]
    for other in cal.commitments:
        out = kind in OUT_OF_OFFICE_KINDS or other.kind in OUT_OF_OFFICE_KINDS
        pad = travel if out else timedelta()
        spans.append((other.starts_at - pad - duration, other.ends_at + pad))
    merged: list[tuple[datetime, datetime]] = []
    for low, high in sorted(spans):
        if merged and low < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], high))
        else:
            merged.append((low, high))
    return merged


def _day_closed(cal: MentorCalendar, day: date, kind: str) -> bool:
    if day in cal.bank_holidays and not cal.limits.works_bank_holidays:
        return True
    return kind in ACCOMPANIMENT_KINDS and bool(_cap_reasons(cal, day, None))


def free_slots(
    cal: MentorCalendar,
    start: datetime,
    end: datetime,
    duration: timedelta,
    kind: str,
    now: datetime,
    grid: timedelta = timedelta(minutes=15),
) -> list[datetime]:
    """Every grid start in [start, end) where an event of this length and kind fits.

    Gives the same answers as calling check() at each grid start (a property test
    holds it to that), but rules out time away and commitments once, up front.
    """
    slots = []
    step = int(grid.total_seconds() // 60)
    earliest = max(start, now)
    blocked = _blocked_starts(cal, duration, kind)
    lows = [low for low, _ in blocked]
    for day in _days(start.astimezone(cal.zone).date(), end.astimezone(cal.zone).date()):
        if _day_closed(cal, day, kind):
            continue
        for opens, closes in cal.windows_on(day):
            window_start = datetime.combine(day, opens, tzinfo=cal.zone)
            window_end = datetime.combine(day, closes, tzinfo=cal.zone)
            minute = opens.hour * 60 + opens.minute
            minute += -minute % step
            while minute < closes.hour * 60 + closes.minute:
                candidate = local_instant(day, time(minute // 60, minute % 60), cal.zone)
                minute += step
                if candidate is None or not earliest <= candidate < end:
                    continue
                if candidate < window_start or candidate + duration > window_end:
                    continue
                index = bisect_right(lows, candidate) - 1
                if index >= 0 and candidate < blocked[index][1] and blocked[index][0] < candidate:
                    continue
                slots.append(candidate)
    return slots


def who_is_free(
    calendars: dict[int, MentorCalendar], start: datetime, end: datetime, kind: str, now: datetime
) -> list[int]:
    """The mentors (by id) free for an event at a fixed time."""
    return [
        mentor_id for mentor_id, cal in calendars.items() if check(cal, start, end, kind, now).free
    ]
