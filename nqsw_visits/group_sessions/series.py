"""The monthly rule: the nth (or last) weekday of each month, bank holidays skipped not moved.

Pure date arithmetic with no database: the caller passes the bank holidays.
"""

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from nqsw_visits.availability.free_time import local_instant
from nqsw_visits.group_sessions.errors import GroupSessionError

LAST = -1
WEEKS = (1, 2, 3, 4, LAST)
SHORTEST = timedelta(minutes=15)
LONGEST = timedelta(hours=4)
MOST_MONTHS = 12


@dataclass(frozen=True)
class MonthlyPlan:
    """From which month, for how many, which week and weekday, and the local times."""

    first_month: date
    months: int
    week_of_month: int
    weekday: int
    starts: time
    ends: time


def check_length(starts: time, ends: time) -> None:
    """A session runs from 15 minutes to 4 hours, within one day."""
    if not starts < ends:
        raise GroupSessionError("End the session after it starts", field="ends")
    length = datetime.combine(date.min, ends) - datetime.combine(date.min, starts)
    if not SHORTEST <= length <= LONGEST:
        raise GroupSessionError("A session lasts from 15 minutes to 4 hours", field="ends")


def check_plan(plan: MonthlyPlan) -> None:
    """Refuse a plan the rule cannot follow, naming the field."""
    if not 1 <= plan.months <= MOST_MONTHS:
        raise GroupSessionError(
            f"Plan between 1 and {MOST_MONTHS} months at a time", field="months"
        )
    if plan.week_of_month not in WEEKS:
        raise GroupSessionError(
            "Choose the first, second, third, fourth or last week", field="week_of_month"
        )
    if not 0 <= plan.weekday <= 4:
        raise GroupSessionError("Choose a day from Monday to Friday", field="weekday")
    check_length(plan.starts, plan.ends)


def day_in_month(year: int, month: int, week_of_month: int, weekday: int) -> date:
    """The nth weekday of a month, or its last when week_of_month is -1."""
    if week_of_month == LAST:
        last = date(year, month, calendar.monthrange(year, month)[1])
        return last - timedelta(days=(last.weekday() - weekday) % 7)
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (week_of_month - 1))


def monthly_dates(plan: MonthlyPlan, holidays: frozenset[date]) -> list[tuple[date, bool]]:
    """Each month's date, with True where it is a bank holiday (skipped, not moved)."""
    check_plan(plan)
    found = []
    for n in range(plan.months):
        year, month = divmod(plan.first_month.year * 12 + plan.first_month.month - 1 + n, 12)
        day = day_in_month(year, month + 1, plan.week_of_month, plan.weekday)
        found.append((day, day in holidays))
    return found


def session_times(day: date, starts: time, ends: time, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The instants of a local start and end on a day, the same wall-clock time all year."""
    begins = local_instant(day, starts, zone) or datetime.combine(day, starts, tzinfo=zone)
    length = datetime.combine(day, ends) - datetime.combine(day, starts)
    return begins, begins + length
