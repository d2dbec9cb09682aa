"""Dates from an address or a form: read in one place, kept within the years the service knows."""

from datetime import date, datetime, timedelta

from flask import abort, request

from nqsw_visits.core import clock

EARLIEST = date(2000, 1, 1)
YEARS_AHEAD = 5  # bookings, leave and actions are planned at most a few years ahead


class ExampleDate:
    """A hint such as "For example, 27 3 2027" naming a day a few weeks after today."""

    def __init__(self, weeks_ahead: int = 3):
        self.weeks_ahead = weeks_ahead

    def __str__(self) -> str:
        day = clock.today() + timedelta(weeks=self.weeks_ahead)
        return f"For example, {day.day} {day.month} {day.year}"

    def __html__(self) -> str:
        return str(self)


def supported_range() -> tuple[date, date]:
    """The first and last day the service accepts, the last counted from today."""
    return EARLIEST, date(clock.today().year + YEARS_AHEAD, 12, 31)


def out_of_range_message() -> str:
    """The GOV.UK error message for a typed date outside the supported years."""
    first, last = supported_range()
    return f"Enter a year from {first.year} to {last.year}, like {clock.today().year}"


def in_range(day: date) -> bool:
    """True when the day is one the service accepts."""
    first, last = supported_range()
    return first <= day <= last


def date_arg(name: str, *, clamp: bool = False) -> date | None:
    """A date (YYYY-MM-DD) from the address: None if absent or unreadable, 400 if out of range."""
    try:
        day = date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None
    if in_range(day):
        return day
    if not clamp:  # pages that move within their own horizon take the nearest day instead
        abort(400)
    first, last = supported_range()
    return min(max(day, first), last)


def week_arg(name: str = "week", *, clamp: bool = False) -> date | None:
    """The Monday of the week of a date in the address, as `date_arg` reads it."""
    day = date_arg(name, clamp=clamp)
    return None if day is None else day - timedelta(days=day.weekday())


def twelve_hour(local: datetime) -> str:
    """A local time as the pages write it: 2:00pm."""
    return f"{local:%-I:%M}{'am' if local.hour < 12 else 'pm'}"
