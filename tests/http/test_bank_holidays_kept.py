"""Bank holidays are read once every few minutes a process, and at once after a change."""

from datetime import date

import pytest
from sqlalchemy import delete, text

from nqsw_visits.availability import holidays
from nqsw_visits.availability.models import BankHoliday
from nqsw_visits.core import clock
from nqsw_visits.core.extensions import db

CHRISTMAS, BOXING_DAY = date(2031, 12, 25), date(2031, 12, 26)
ADDED = [CHRISTMAS, BOXING_DAY]


@pytest.fixture
def ticking(app, monkeypatch):
    """A monotonic clock the test moves on by hand; the days added here are gone after."""
    now = [1000.0]
    monkeypatch.setattr(clock, "monotonic", lambda: now[0])
    yield now
    # Bank holidays are reference data every test keeps (PostgreSQL's are not emptied).
    db.session.rollback()
    db.session.execute(delete(BankHoliday).where(BankHoliday.day.in_(ADDED)))
    db.session.commit()


def test_they_are_read_once_while_kept(app, ticking, count_queries):
    holidays.every_day()
    with count_queries() as seen:
        holidays.every_day()
        holidays.between(date(2026, 1, 1), date(2026, 12, 31))
        holidays.titles_between(date(2026, 1, 1), date(2026, 12, 31))
    assert seen.count == 0


def test_a_change_here_is_seen_at_once(app, ticking):
    assert CHRISTMAS not in holidays.every_day()
    db.session.add(BankHoliday(day=CHRISTMAS, title="Christmas Day"))
    db.session.commit()
    assert CHRISTMAS in holidays.every_day()
    assert holidays.titles_between(CHRISTMAS, CHRISTMAS) == {CHRISTMAS: "Christmas Day"}


def test_a_change_elsewhere_is_seen_once_the_keep_time_is_up(app, ticking):
    assert CHRISTMAS not in holidays.every_day()
    db.session.rollback()  # on SQLite, let the write lock go for the other writer
    with db.engine.begin() as other_process:  # as `flask load-bank-holidays` would, elsewhere
        other_process.execute(
            text("INSERT INTO bank_holidays (day, title) VALUES (:day, 'Christmas Day')"),
            {"day": CHRISTMAS},
        )
    ticking[0] += holidays.KEEP_SECONDS - 1
    assert CHRISTMAS not in holidays.every_day()
    ticking[0] += 1
    assert CHRISTMAS in holidays.every_day()


def test_both_ends_of_a_span_count(app, ticking):
    db.session.add_all(
        [BankHoliday(day=CHRISTMAS, title="Christmas Day"),
         BankHoliday(day=BOXING_DAY, title="Boxing Day")]
    )  # fmt: skip
    db.session.commit()
    assert holidays.between(CHRISTMAS, BOXING_DAY) == {CHRISTMAS, BOXING_DAY}
    assert holidays.between(BOXING_DAY, date(2031, 12, 31)) == {BOXING_DAY}
    assert holidays.between(date(2031, 12, 27), date(2031, 12, 31)) == frozenset()
