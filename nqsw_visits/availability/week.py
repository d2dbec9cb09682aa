"""A mentor's week: pattern, time away, bank holidays and commitments, day by day."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from nqsw_visits.availability import free_time
from nqsw_visits.availability import holidays as bank_holidays
from nqsw_visits.availability.calendars import load_calendars
from nqsw_visits.availability.free_time import Commitment
from nqsw_visits.availability.models import AvailabilityException
from nqsw_visits.core.clock import zone
from nqsw_visits.core.extensions import db


@dataclass
class DiaryDay:
    """One day of the diary."""

    day: date
    windows: list[tuple[time, time]] = field(default_factory=list)
    away: list[AvailabilityException] = field(default_factory=list)
    bank_holiday: str | None = None
    commitments: list[Commitment] = field(default_factory=list)


def week_of(day: date) -> date:
    """The Monday of the week a date falls in."""
    return day - timedelta(days=day.weekday())


def diary_week(mentor_id: int, monday: date, zone: ZoneInfo) -> list[DiaryDay]:
    """Seven days from a Monday, in a fixed number of queries however long the history."""
    start = datetime.combine(monday, time(0), tzinfo=zone)
    end = datetime.combine(monday + timedelta(days=7), time(0), tzinfo=zone)
    calendar = load_calendars([mentor_id], start, end, zone)[mentor_id]
    days = [DiaryDay(monday + timedelta(days=n)) for n in range(7)]
    for diary_day in days:
        diary_day.windows = calendar.windows_on(diary_day.day)
    for row in db.session.scalars(
        select(AvailabilityException)
        .where(
            AvailabilityException.mentor_id == mentor_id,
            AvailabilityException.ends_at > start,
            AvailabilityException.starts_at < end,
        )
        .order_by(AvailabilityException.starts_at)
    ):
        for diary_day in days:
            day_start = datetime.combine(diary_day.day, time(0), tzinfo=zone)
            if row.starts_at < day_start + timedelta(days=1) and day_start < row.ends_at:
                diary_day.away.append(row)
    holidays = bank_holidays.titles_between(monday, monday + timedelta(days=6))
    for diary_day in days:
        diary_day.bank_holiday = holidays.get(diary_day.day)
        diary_day.commitments = [
            c for c in calendar.commitments if c.starts_at.astimezone(zone).date() == diary_day.day
        ]
    return days


def free_slots_by_day(
    mentor_id: int, start: datetime, weeks: int, minutes: int, kind: str, now: datetime
) -> dict[date, list[datetime]]:
    """The mentor's free start times for an event of this length, in local time by day."""
    tz = zone()
    end = start + timedelta(weeks=weeks)
    calendar = load_calendars([mentor_id], start, end, tz)[mentor_id]
    slots = free_time.free_slots(calendar, start, end, timedelta(minutes=minutes), kind, now)
    by_day: dict[date, list[datetime]] = {}
    for slot in slots:
        by_day.setdefault(slot.astimezone(tz).date(), []).append(slot.astimezone(tz))
    return by_day
