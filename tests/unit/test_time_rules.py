"""Rules that depend on the moment, at awkward moments: bank holidays, weekends, both clock
changes, 29 February, the turn of the year and just after midnight in summer."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select

from nqsw_visits.availability.free_time import (
    Limits,
    MentorCalendar,
    Pattern,
    Reason,
    add_working_days,
    check,
)
from nqsw_visits.availability.models import BankHoliday
from nqsw_visits.core import clock
from nqsw_visits.core.dates import ExampleDate
from nqsw_visits.core.extensions import db
from nqsw_visits.observations import waiting
from nqsw_visits.overview import planning
from nqsw_visits.support_requests import rules as scheduling
from nqsw_visits.support_requests.models import SupportRequest
from tests.factories import make_completed_request, make_team_with_people

LONDON = ZoneInfo("Europe/London")
ALL_DAY = {day: [(time(0), time(23, 45))] for day in range(7)}
HOLIDAYS = frozenset(
    date.fromisoformat(day)
    for day in (
        *("2026-12-25", "2026-12-28", "2027-01-01", "2027-03-26", "2027-03-29"),
        *("2027-12-27", "2027-12-28", "2028-01-03"),
    )
)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    """A London wall-clock time as an aware UTC instant."""
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON).astimezone(UTC)


def calendar(**more) -> MentorCalendar:
    """A mentor free at any hour, who needs one working day's notice."""
    return MentorCalendar(
        zone=LONDON, patterns=[Pattern(date(2026, 1, 1), ALL_DAY)], bank_holidays=HOLIDAYS, **more
    )


@pytest.mark.parametrize(
    ("now", "still_urgent", "not_urgent"),
    [
        # Christmas Eve: Christmas Day, the weekend and the Boxing Day substitute are skipped.
        (
            local(date(2026, 12, 24), 15),
            local(date(2026, 12, 29), 14),
            local(date(2026, 12, 29), 16),
        ),
        # Asked on the bank-holiday Monday itself: Tuesday is the next working day.
        (
            local(date(2026, 12, 28), 10),
            local(date(2026, 12, 29), 9),
            local(date(2026, 12, 29), 11),
        ),
        # Easter: Good Friday, the clock change and Easter Monday; the local time is kept.
        (local(date(2027, 3, 25), 12), local(date(2027, 3, 30), 11), local(date(2027, 3, 30), 13)),
        # A Friday evening: Monday at the same time.
        (local(date(2027, 1, 15), 17), local(date(2027, 1, 18), 16), local(date(2027, 1, 18), 18)),
    ],
)
def test_minimum_notice_counts_working_days(now, still_urgent, not_urgent):
    half_hour = timedelta(minutes=30)
    assert check(calendar(), still_urgent, still_urgent + half_hour, "meeting", now).urgent
    assert not check(calendar(), not_urgent, not_urgent + half_hour, "meeting", now).urgent


def test_a_bank_holiday_is_refused_unless_the_mentor_works_them():
    now = local(date(2026, 12, 21), 10)
    start = local(date(2026, 12, 28), 10)
    verdict = check(calendar(), start, start + timedelta(hours=1), "home_visit", now)
    assert Reason.BANK_HOLIDAY in verdict.reasons
    works = calendar(limits=Limits(works_bank_holidays=True))
    assert check(works, start, start + timedelta(hours=1), "home_visit", now).free


@pytest.mark.parametrize(
    ("now", "then"),
    [
        # 00:30 GMT on the spring-forward Sunday; Monday is Easter Monday, so Tuesday 00:30 BST.
        (datetime(2027, 3, 28, 0, 30, tzinfo=UTC), datetime(2027, 3, 29, 23, 30, tzinfo=UTC)),
        # 01:30 UTC is 02:30 BST, the hour after the clocks went forward.
        (datetime(2027, 3, 28, 1, 30, tzinfo=UTC), datetime(2027, 3, 30, 1, 30, tzinfo=UTC)),
        # The first 01:30 (BST) and the second (GMT) on the autumn Sunday: Monday 01:30 GMT.
        (datetime(2027, 10, 31, 0, 30, tzinfo=UTC), datetime(2027, 11, 1, 1, 30, tzinfo=UTC)),
        (datetime(2027, 10, 31, 1, 30, tzinfo=UTC), datetime(2027, 11, 1, 1, 30, tzinfo=UTC)),
        # The day before 29 February 2028, and 23:30 on New Year's Eve 2027.
        (local(date(2028, 2, 28), 12), local(date(2028, 2, 29), 12)),
        (local(date(2027, 12, 31), 23, 30), local(date(2028, 1, 4), 23, 30)),
    ],
)
def test_a_working_day_later_across_clock_changes_and_year_ends(now, then):
    assert add_working_days(now, 1, LONDON, HOLIDAYS) == then


def test_in_the_past_compares_instants_not_wall_clock_times():
    # 01:45 BST comes before 01:30 GMT on 31 October 2027: the second 01:30 is still ahead.
    now = datetime(2027, 10, 31, 0, 45, tzinfo=UTC)
    second_half_past_one = datetime(2027, 10, 31, 1, 30, tzinfo=UTC)
    ahead = check(
        calendar(),
        second_half_past_one,
        second_half_past_one + timedelta(minutes=30),
        "meeting",
        now,
    )
    assert Reason.PAST not in ahead.reasons and ahead.urgent
    gone = now - timedelta(minutes=5)
    behind = check(calendar(), gone, gone + timedelta(minutes=30), "meeting", now)
    assert Reason.PAST in behind.reasons


@pytest.mark.parametrize(
    ("moment", "today"),
    [
        (datetime(2027, 7, 14, 23, 30, tzinfo=UTC), date(2027, 7, 15)),  # 00:30 BST
        (datetime(2027, 3, 28, 0, 30, tzinfo=UTC), date(2027, 3, 28)),  # 00:30 GMT
        (datetime(2027, 10, 30, 23, 30, tzinfo=UTC), date(2027, 10, 31)),  # 00:30 BST
        (datetime(2027, 12, 31, 23, 30, tzinfo=UTC), date(2027, 12, 31)),  # 23:30 GMT
        (datetime(2028, 2, 29, 0, 30, tzinfo=UTC), date(2028, 2, 29)),
    ],
)
def test_today_is_the_local_date(app, moment, today):
    with time_machine.travel(moment, tick=False):
        assert clock.today() == today


def _accepted(people, ends: datetime) -> SupportRequest:
    request = make_completed_request(people["nqsws"][0], people["mentors"][0])
    request.status, request.starts_at, request.ends_at = "accepted", ends - timedelta(hours=1), ends
    db.session.commit()
    return request


def test_completing_past_events_at_the_turn_of_the_year(app):
    people = make_team_with_people()
    done = _accepted(people, local(date(2027, 12, 31), 23))
    not_yet = _accepted(people, local(date(2028, 1, 1), 0, 15))
    assert scheduling.complete_past(local(date(2027, 12, 31), 23, 30)) == 1
    db.session.commit()
    assert (done.status, not_yet.status) == ("completed", "accepted")


def test_write_ups_are_overdue_after_five_working_days(app):
    people = make_team_with_people()
    mentor = people["mentors"][0]
    with time_machine.travel(local(date(2026, 12, 24), 16), tick=False):
        make_completed_request(people["nqsws"][0], mentor, days_ago=0)
    # Christmas, the Boxing Day substitute and New Year's Day do not count: due 5 January.
    due = local(date(2027, 1, 5), 16)
    assert not waiting.to_write(mentor, due - timedelta(minutes=1), LONDON)[0].overdue
    assert waiting.to_write(mentor, due, LONDON)[0].overdue


def _waiting(people, nqsw, created: datetime, starts: datetime) -> SupportRequest:
    request = SupportRequest(
        nqsw_id=nqsw.id,
        mentor_id=people["mentors"][0].id,
        kind="meeting",
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        status="requested",
        created_at=created,
    )
    db.session.add(request)
    db.session.commit()
    return request


def test_planned_support_window_and_unanswered_requests_over_christmas(app):
    assert date(2026, 12, 28) in set(db.session.scalars(select(BankHoliday.day)))
    people = make_team_with_people()
    manager, (first, second, third) = people["manager"], people["nqsws"]
    asked = local(date(2026, 12, 24), 10)
    _waiting(people, first, asked, local(date(2027, 1, 12), 10))
    _waiting(people, second, asked, local(date(2027, 1, 13), 10))

    def seen(now: datetime):
        monday = now.astimezone(LONDON).date() - timedelta(days=now.astimezone(LONDON).weekday())
        return planning.planned_support(manager, monday, 4, LONDON, now)

    # Tuesday 29 December: only one working day (Thursday 24th) has passed since asking.
    tuesday = seen(local(date(2026, 12, 29), 10, 1))
    assert tuesday.unanswered == []
    # Within the next 14 days: the first NQSW's request (12 January), not yet the second's.
    assert {n.id for n in tuesday.without_support} == {second.id, third.id}
    # Wednesday 30 December: two working days, so both are flagged; 13 January is in reach.
    wednesday = seen(local(date(2026, 12, 30), 10, 1))
    assert len(wednesday.unanswered) == 2
    assert {n.id for n in wednesday.without_support} == {third.id}


def test_a_date_hint_names_a_day_three_weeks_after_today():
    """The hint's example stays in the future, whatever the date."""
    with time_machine.travel(datetime(2028, 2, 29, 23, 30, tzinfo=ZoneInfo("Europe/London"))):
        assert str(ExampleDate()) == "For example, 21 3 2028"
