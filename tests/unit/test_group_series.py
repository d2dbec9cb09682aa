"""The monthly rule of group sessions: the nth or last weekday, bank holidays skipped and
reported, month ends, year changes, and the same local time across clock changes."""

from datetime import UTC, date, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from nqsw_visits.availability.rules import parse_bank_holidays
from nqsw_visits.group_sessions import series
from nqsw_visits.group_sessions.errors import GroupSessionError

LONDON = ZoneInfo("Europe/London")
SHIPPED = Path(__file__).resolve().parents[2] / "nqsw_visits" / "data" / "bank_holidays.json"
HOLIDAYS = frozenset(day for day, _ in parse_bank_holidays(SHIPPED.read_text()))


def plan(first: date, months: int, week: int, weekday: int, starts=time(14), ends=time(16)):
    return series.MonthlyPlan(first, months, week, weekday, starts, ends)


def test_the_second_thursday_of_each_month():
    made = series.monthly_dates(plan(date(2027, 2, 1), 3, 2, 3), HOLIDAYS)
    assert made == [
        (date(2027, 2, 11), False),
        (date(2027, 3, 11), False),
        (date(2027, 4, 8), False),
    ]


def test_any_day_of_the_first_month_starts_the_plan_from_that_month():
    assert series.monthly_dates(plan(date(2027, 2, 28), 1, 1, 0), HOLIDAYS) == [
        (date(2027, 2, 1), False)
    ]


def test_the_last_monday_of_may_is_the_spring_bank_holiday_and_is_skipped_not_moved():
    made = series.monthly_dates(plan(date(2027, 4, 1), 3, series.LAST, 0), HOLIDAYS)
    assert made == [
        (date(2027, 4, 26), False),
        (date(2027, 5, 31), True),
        (date(2027, 6, 28), False),
    ]


def test_without_the_holidays_the_same_date_is_not_skipped():
    made = series.monthly_dates(plan(date(2027, 5, 1), 1, series.LAST, 0), frozenset())
    assert made == [(date(2027, 5, 31), False)]


def test_the_last_friday_of_february_in_a_leap_year():
    # 29 February 2028 is a Tuesday, so the last Friday is the 25th.
    made = series.monthly_dates(plan(date(2028, 2, 1), 1, series.LAST, 4), HOLIDAYS)
    assert made == [(date(2028, 2, 25), False)]


def test_the_last_weekday_when_the_month_ends_on_it():
    # 31 March 2028 is a Friday; 30 September 2027 a Thursday.
    assert series.day_in_month(2028, 3, series.LAST, 4) == date(2028, 3, 31)
    assert series.day_in_month(2027, 9, series.LAST, 3) == date(2027, 9, 30)


def test_the_fourth_week_is_the_latest_numbered_one_even_in_a_long_month():
    # March 2027 has five Mondays (1, 8, 15, 22, 29): the fourth is the 22nd, the last the 29th.
    assert series.day_in_month(2027, 3, 4, 0) == date(2027, 3, 22)
    assert series.day_in_month(2027, 3, series.LAST, 0) == date(2027, 3, 29)


def test_december_into_january_changes_the_year_and_skips_the_holidays():
    made = series.monthly_dates(plan(date(2027, 11, 1), 4, 4, 0), HOLIDAYS)
    assert made == [
        (date(2027, 11, 22), False),
        (date(2027, 12, 27), True),  # the Christmas substitute day
        (date(2028, 1, 24), False),
        (date(2028, 2, 28), False),
    ]
    first = series.monthly_dates(plan(date(2027, 12, 1), 2, 1, 0), HOLIDAYS)
    assert first == [(date(2027, 12, 6), False), (date(2028, 1, 3), True)]


def test_twelve_months_cross_a_year_and_keep_the_weekday():
    made = series.monthly_dates(plan(date(2027, 6, 1), 12, 3, 2), HOLIDAYS)
    assert [day.month for day, _ in made] == [6, 7, 8, 9, 10, 11, 12, 1, 2, 3, 4, 5]
    assert {day.weekday() for day, _ in made} == {2}
    assert all(15 <= day.day <= 21 for day, _ in made)
    assert made[-1][0] == date(2028, 5, 17)


def test_a_clock_change_keeps_two_oclock_local():
    # The clocks go back on Sunday 31 October 2027: the first Monday of November is the next day.
    october, november = (
        series.session_times(day, time(14), time(16), LONDON)
        for day, _ in series.monthly_dates(plan(date(2027, 10, 1), 2, 1, 0), HOLIDAYS)
    )
    assert november[0].astimezone(LONDON).date() == date(2027, 11, 1)
    assert [s.astimezone(LONDON).time() for s, _ in (october, november)] == [time(14)] * 2
    assert [s.astimezone(UTC).hour for s, _ in (october, november)] == [13, 14]
    assert october[1] - october[0] == november[1] - november[0] == timedelta(hours=2)


def test_a_clock_change_forward_the_day_before_keeps_two_oclock_local():
    # The clocks go forward on Sunday 26 March 2028; the last Monday of March is the 27th.
    dates = series.monthly_dates(plan(date(2028, 2, 1), 2, series.LAST, 0), HOLIDAYS)
    assert [day for day, _ in dates] == [date(2028, 2, 28), date(2028, 3, 27)]
    starts = [series.session_times(day, time(14), time(16), LONDON)[0] for day, _ in dates]
    assert [s.astimezone(LONDON).hour for s in starts] == [14, 14]
    assert [s.astimezone(UTC).hour for s in starts] == [14, 13]


@pytest.mark.parametrize(
    ("months", "week", "weekday", "starts", "ends", "field"),
    [
        (0, 1, 0, time(14), time(16), "months"),
        (13, 1, 0, time(14), time(16), "months"),
        (3, 5, 0, time(14), time(16), "week_of_month"),
        (3, 0, 0, time(14), time(16), "week_of_month"),
        (3, -2, 0, time(14), time(16), "week_of_month"),
        (3, 1, 5, time(14), time(16), "weekday"),
        (3, 1, -1, time(14), time(16), "weekday"),
        (3, 1, 0, time(16), time(14), "ends"),
        (3, 1, 0, time(14), time(14), "ends"),
        (3, 1, 0, time(14), time(14, 10), "ends"),
        (3, 1, 0, time(10), time(14, 1), "ends"),
    ],
)
def test_a_plan_out_of_range_is_refused_on_its_field(months, week, weekday, starts, ends, field):
    with pytest.raises(GroupSessionError) as refused:
        series.monthly_dates(plan(date(2027, 2, 1), months, week, weekday, starts, ends), HOLIDAYS)
    assert (refused.value.field, refused.value.status) == (field, 422)


def test_the_shortest_and_longest_sessions_are_allowed():
    for starts, ends in ((time(14), time(14, 15)), (time(10), time(14))):
        assert (
            len(series.monthly_dates(plan(date(2027, 2, 1), 1, 1, 0, starts, ends), HOLIDAYS)) == 1
        )
