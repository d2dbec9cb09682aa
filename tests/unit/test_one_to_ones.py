"""One-to-one series: each date at the same local time, leave and bank holidays skipped,
clashes flagged instead of booked."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from nqsw_visits.availability.free_time import Commitment, MentorCalendar, Pattern, Reason
from nqsw_visits.one_to_ones import rules
from nqsw_visits.one_to_ones.models import OneToOne

LONDON = ZoneInfo("Europe/London")
WEEKDAYS_9_TO_5 = {d: [(time(9), time(17))] for d in range(5)}
LONG_AGO = datetime(2026, 1, 1, tzinfo=UTC)


def calendar(**overrides) -> MentorCalendar:
    values = {"zone": LONDON, "patterns": [Pattern(date(2026, 1, 1), WEEKDAYS_9_TO_5)]}
    return MentorCalendar(**(values | overrides))


def series(first: date, count: int = 4, every: int = 2, at: time = time(10)) -> rules.Series:
    return rules.Series(first, at, 60, every, count)


def local(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=LONDON)


def test_each_date_is_the_rhythm_apart_at_the_same_local_time_across_a_clock_change():
    # Tuesdays from 16 March 2027: the clocks go forward on Sunday 28 March.
    made = rules.dates_of(series(date(2027, 3, 16), count=3, every=1), LONDON)
    assert [s.astimezone(LONDON).time() for s, _ in made] == [time(10)] * 3
    assert [s.astimezone(LONDON).date() for s, _ in made] == [
        date(2027, 3, 16),
        date(2027, 3, 23),
        date(2027, 3, 30),
    ]
    assert made[2][0] - made[1][0] == timedelta(days=7, hours=-1)  # an hour fewer in UTC
    assert all(e - s == timedelta(minutes=60) for s, e in made)


def test_a_free_series_is_booked_on_every_date():
    planned = rules.plan(calendar(), series(date(2027, 1, 19)), LONDON, LONG_AGO)
    assert [p.outcome for p in planned] == ["booked"] * 4


def test_a_bank_holiday_and_leave_are_skipped_and_say_why():
    # Every two weeks from Monday 14 December 2026: 28 December is a bank holiday.
    away = [(local(date(2027, 1, 11), 0), local(date(2027, 1, 12), 0))]
    cal = calendar(bank_holidays=frozenset({date(2026, 12, 28)}), away=away)
    planned = rules.plan(cal, series(date(2026, 12, 14)), LONDON, LONG_AGO)
    assert [p.outcome for p in planned] == ["booked", "skipped", "skipped", "booked"]
    assert planned[1].reasons == (Reason.BANK_HOLIDAY,)
    assert "bank holiday" in planned[1].why
    assert planned[2].reasons == (Reason.AWAY,)


def test_a_date_that_clashes_is_flagged_not_double_booked():
    taken = Commitment(local(date(2027, 2, 2), 10), local(date(2027, 2, 2), 11), "home_visit", 7)
    planned = rules.plan(calendar(commitments=[taken]), series(date(2027, 1, 19)), LONDON, LONG_AGO)
    assert [p.outcome for p in planned] == ["booked", "clash", "booked", "booked"]
    assert Reason.CLASH in planned[1].reasons


def test_outside_working_hours_or_in_the_past_is_not_booked():
    late = rules.plan(calendar(), series(date(2027, 1, 19), at=time(17)), LONDON, LONG_AGO)
    assert {p.outcome for p in late} == {"clash"}
    now = local(date(2027, 1, 26), 12)
    planned = rules.plan(calendar(), series(date(2027, 1, 19), count=3), LONDON, now)
    assert [p.outcome for p in planned] == ["clash", "booked", "booked"]
    assert planned[0].reasons == (Reason.PAST,)


def test_a_time_the_clocks_skip_still_gives_a_real_instant():
    # 01:30 on 28 March 2027 does not exist in London; the series stays valid.
    made = rules.dates_of(series(date(2027, 3, 28), count=1, at=time(1, 30)), LONDON)
    assert made[0][1] - made[0][0] == timedelta(minutes=60)


@pytest.mark.parametrize(
    ("minutes", "every", "count", "field"),
    [
        (20, 2, 4, "minutes"),
        (60, 0, 4, "every_weeks"),
        (60, 9, 4, "every_weeks"),
        (60, 2, 0, "count"),
        (60, 2, 13, "count"),
    ],
)
def test_a_series_out_of_range_is_refused_on_its_field(minutes, every, count, field):
    with pytest.raises(rules.OneToOneError) as refused:
        rules.check_series(rules.Series(date(2027, 1, 19), time(10), minutes, every, count))
    assert refused.value.field == field


def test_29_february_and_a_year_end_are_ordinary_dates():
    made = rules.dates_of(series(date(2028, 2, 15), count=2, every=2), LONDON)
    assert made[1][0].astimezone(LONDON).date() == date(2028, 2, 29)
    made = rules.dates_of(series(date(2027, 12, 17), count=2, every=2), LONDON)
    assert made[1][0].astimezone(LONDON).date() == date(2027, 12, 31)


def test_a_sessions_status_tag_and_what_it_allows_follow_its_status_and_the_time():
    """The page asks the session: its tag, whether it has ended, whether actions may be added."""
    starts = datetime(2027, 3, 2, 10, tzinfo=UTC)
    before, after = starts - timedelta(hours=1), starts + timedelta(hours=2)
    session = OneToOne(status="booked", starts_at=starts, ends_at=starts + timedelta(hours=1))
    assert session.tag(before) == ("Booked", "blue") and session.tag(after)[0] == "To write up"
    assert not session.ended and session.may_add_action()
    session.status = "held"
    assert session.tag(after) == ("Held", "green") and not session.ended
    session.status = "missed"
    assert session.tag(after)[0] == "Missed" and session.ended and session.may_add_action()
    session.status = "cancelled"
    assert session.tag(before)[0] == "Cancelled" and session.ended
    assert not session.may_add_action()
