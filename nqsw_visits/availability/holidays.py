"""Bank holidays as each process keeps them: read every few minutes, not on every page.

Most pages work out working days (free times, deadlines, review dates), and each read the
same few dozen rows. They change a few times a year, when `flask load-bank-holidays`
brings the next year's.
"""

from dataclasses import dataclass
from datetime import date
from threading import Lock
from weakref import WeakKeyDictionary

from sqlalchemy import event, select

from nqsw_visits.availability.models import BankHoliday
from nqsw_visits.core import clock
from nqsw_visits.core.extensions import db

# Another process's new bank holidays are seen within this many seconds; the process that
# changed them sees them at once.
KEEP_SECONDS = 300.0


@dataclass(frozen=True)
class _Kept:
    read_at: float
    titles: dict[date, str]
    days: frozenset[date]


_KEPT: WeakKeyDictionary = WeakKeyDictionary()  # by engine: each database its own
_LOCK = Lock()


def _kept() -> _Kept:
    engine, now = db.engine, clock.monotonic()
    with _LOCK:
        kept = _KEPT.get(engine)
    if kept is None or now - kept.read_at >= KEEP_SECONDS:
        titles = dict(db.session.execute(select(BankHoliday.day, BankHoliday.title)).all())
        kept = _Kept(now, titles, frozenset(titles))
        with _LOCK:
            _KEPT[engine] = kept
    return kept


def every_day() -> frozenset[date]:
    """Every bank holiday known."""
    return _kept().days


def between(first: date, last: date) -> frozenset[date]:
    """The bank holidays from one day to another, both included."""
    return frozenset(day for day in _kept().days if first <= day <= last)


def titles_between(first: date, last: date) -> dict[date, str]:
    """Each bank holiday from one day to another, both included, with its name."""
    return {day: title for day, title in _kept().titles.items() if first <= day <= last}


@event.listens_for(BankHoliday, "after_insert")
@event.listens_for(BankHoliday, "after_update")
@event.listens_for(BankHoliday, "after_delete")
def forget(*_args) -> None:
    """Read them afresh next time: this process has just changed them."""
    with _LOCK:
        _KEPT.clear()
