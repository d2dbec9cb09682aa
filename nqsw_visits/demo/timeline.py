"""The demo's story telling: working days, free slots, steps run in order and dated."""

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, event, func, select

from nqsw_visits.availability import free_time as availability
from nqsw_visits.availability.calendars import load_calendars
from nqsw_visits.availability.models import AvailabilityException, AvailabilityPattern
from nqsw_visits.core.extensions import db
from nqsw_visits.notifications.models import Notification, OutboxEmail
from nqsw_visits.observations.models import Addendum, AgreedAction, Observation
from nqsw_visits.people.models import AuditEvent, MentorAssignment, Team, User
from nqsw_visits.support_requests import rules as scheduling
from nqsw_visits.support_requests.models import RequestEvent, SupportRequest

# Rows a step adds, and the columns that say when: set to the step's own moment.
_DATED = {
    Team: ("created_at",),
    User: ("created_at",),
    MentorAssignment: ("created_at",),
    AvailabilityPattern: ("created_at",),
    AvailabilityException: ("created_at",),
    SupportRequest: ("created_at", "updated_at"),
    RequestEvent: ("at",),
    AuditEvent: ("at",),
    Notification: ("created_at",),
    Observation: ("created_at", "updated_at"),
    AgreedAction: ("created_at",),
    Addendum: ("created_at",),
}
MINUTES = timedelta(minutes=1)
WORKING_DAY_OPENS, WORKING_DAY_CLOSES = time(8, 30), time(17, 30)
HOURS = ((10, 0), (11, 30), (14, 0), (9, 30), (13, 0), (15, 0))  # start times to try


class DemoError(RuntimeError):
    """The demo's story does not fit the diary (a defect in the demo, not in the rules)."""


@dataclass(frozen=True)
class Days:
    """Working-day arithmetic in the service's zone, with the bank holidays."""

    zone: ZoneInfo
    holidays: frozenset[date]

    def working(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self.holidays

    def shift(self, day: date, count: int) -> date:
        """The working day `count` working days after `day` (before it when negative)."""
        step = 1 if count >= 0 else -1
        for _ in range(abs(count)):
            day += timedelta(days=step)
            while not self.working(day):
                day += timedelta(days=step)
        return day

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        """A local wall-clock time on a day, as an aware UTC instant."""
        instant = availability.local_instant(day, time(hour, minute), self.zone)
        if instant is None:
            raise DemoError(f"{day} {hour:02d}:{minute:02d} does not exist in {self.zone}")
        return instant

    def latest_working_moment(self, now: datetime) -> datetime:
        """`now` if it is working time, else the end of the last working afternoon."""
        local = now.astimezone(self.zone)
        if self.working(local.date()) and WORKING_DAY_OPENS <= local.time() <= WORKING_DAY_CLOSES:
            return now - timedelta(minutes=10)
        if self.working(local.date()) and local.time() > WORKING_DAY_CLOSES:
            return self.at(local.date(), 16, 30)
        return self.at(self.shift(local.date(), -1), 16, 30)


def free_slot(
    days: Days,
    mentor_ids: Iterable[int],
    kind: str,
    length: timedelta,
    on_days: Iterable[date],
    moment: datetime,
    hours: Iterable[tuple[int, int]] = HOURS,
    not_before: datetime | None = None,
    urgent: bool | None = None,
) -> tuple[datetime, datetime]:
    """The first time in working hours that the rules would let every mentor take."""
    ids, hours = list(mentor_ids), list(hours)
    for day in on_days:
        for hour, minute in hours:
            starts = days.at(day, hour, minute)
            ends = starts + length
            if not_before is not None and starts < not_before:
                continue
            calendars = load_calendars(ids, starts - timedelta(days=1), ends, days.zone)
            verdicts = [
                availability.check(c, starts, ends, kind, moment) for c in calendars.values()
            ]
            if all(v.free and urgent in (None, v.urgent) for v in verdicts):
                return starts, ends
    raise DemoError(f"no free time for a {kind} from {moment:%Y-%m-%d %H:%M}")


def working_days_from(days: Days, first: date, count: int = 15) -> Iterator[date]:
    """`count` working days from `first` (itself included if it is one)."""
    day = first if days.working(first) else days.shift(first, 1)
    for _ in range(count):
        yield day
        day = days.shift(day, 1)


@dataclass
class Plan:
    """Steps of the story, run in the order they happened, each dated at its moment."""

    steps: list[tuple[datetime, int, Callable[[datetime], None]]] = field(default_factory=list)

    def at(self, moment: datetime, step: Callable[[datetime], None]) -> None:
        self.steps.append((moment, len(self.steps), step))

    def run(self) -> None:
        for moment, _, step in sorted(self.steps, key=lambda s: s[:2]):
            with dated(moment):
                step(moment)


@contextmanager
def dated(moment: datetime):
    """Date the rows the block adds at `moment` (audit rows cannot change once written)."""
    session = db.session()
    last_email = db.session.scalar(select(func.max(OutboxEmail.id))) or 0

    def stamp(session, _context, _instances):
        for row in session.new:
            for column in _DATED.get(type(row), ()):
                setattr(row, column, moment)

    event.listen(session, "before_flush", stamp)
    try:
        yield
        db.session.flush()
    finally:
        event.remove(session, "before_flush", stamp)
    # The demo's history has already happened: nobody is to be emailed about it now.
    db.session.execute(delete(OutboxEmail).where(OutboxEmail.id > last_email))


@dataclass
class Story:
    """The people, the calendar, the moment it is now, and the steps so far."""

    people: dict[str, User]
    days: Days
    now: datetime
    plan: Plan = field(default_factory=Plan)
    requests: dict[str, SupportRequest] = field(default_factory=dict)
    records: dict[str, Observation] = field(default_factory=dict)

    def __post_init__(self):
        self.latest = self.days.latest_working_moment(self.now)
        self.last_day = self.latest.astimezone(self.days.zone).date()
        self.today = self.now.astimezone(self.days.zone).date()
        self.next_monday = self.today + timedelta(days=7 - self.today.weekday())

    @property
    def zone(self) -> ZoneInfo:
        return self.days.zone

    def ago(self, count: int, hour: int, minute: int = 0) -> datetime:
        """A time `count` working days before the last working day."""
        return self.days.at(self.days.shift(self.last_day, -count), hour, minute)

    def from_day(self, first: date):
        """Working days from a date on, for a slot to be looked for in."""
        return lambda: list(working_days_from(self.days, first))

    def ahead(self, count: int):
        return self.from_day(self.days.shift(self.today, count))

    def ask(self, key, nqsw, mentor, kind, minutes, on_days, also=(), past=False, at=None, **more):
        """A step: the NQSW asks for the first time the mentor (and `also`) are free."""

        def step(moment):
            ids = [self.people[name].id for name in (mentor, *also)]
            later = None if past else self.now
            hours = ((at,) if at else ()) + HOURS
            starts, ends = free_slot(
                self.days, ids, kind, minutes * MINUTES, on_days(), moment, hours, not_before=later
            )
            asked = scheduling.Details(kind=kind, starts_at=starts, ends_at=ends, **more)
            self.requests[key] = scheduling.ask(
                self.people[nqsw], self.people[mentor].id, asked, self.zone, moment
            )

        return step

    def accept(self, key, mentor):
        return lambda moment: scheduling.accept(
            self.people[mentor], self.requests[key], self.zone, moment
        )
