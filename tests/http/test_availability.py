"""Mentors keep their availability current; diary, free-time checks and free slots."""

import json
import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from nqsw_visits.availability import rules as availability_store
from nqsw_visits.availability.models import (
    AvailabilityException,
    AvailabilityPattern,
    AvailabilityWindow,
    BankHoliday,
    MentorLimits,
)
from nqsw_visits.core import clock
from nqsw_visits.core.extensions import db
from nqsw_visits.people.models import AuditEvent, Role
from tests.conftest import sign_in
from tests.factories import assign_mentor, make_user

LONDON = ZoneInfo("Europe/London")
HTMX = {"HX-Request": "true"}
LIMITS = {
    "limits-max_per_day": "3",
    "limits-max_per_week": "9",
    "limits-travel_minutes": "45",
    "limits-notice_working_days": "2",
}


def london_today() -> date:
    return clock.today()


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


@pytest.fixture
def mentor(client):
    """A signed-in mentor."""
    user = make_user(Role.MENTOR, name="Mina Mentor")
    sign_in(client, user)
    return user


@pytest.fixture
def bank_holidays(app):
    """The England and Wales holidays the migration seeds (put back where a test run emptied
    the tables, as the PostgreSQL run does before each test)."""
    if not db.session.scalar(select(func.count()).select_from(BankHoliday)):
        path = app.root_path + "/data/bank_holidays.json"
        with open(path) as file:
            holidays = availability_store.parse_bank_holidays(file.read())
        db.session.add_all(BankHoliday(day=day, title=title) for day, title in holidays)
        db.session.commit()


def base(user) -> str:
    return f"/mentors/{user.id}/availability"


def add_window(client, user, weekday: int, starts: str, ends: str, **kwargs):
    data = {"window-weekday": str(weekday), "window-starts": starts, "window-ends": ends}
    return client.post(f"{base(user)}/windows", data=data, **kwargs)


def windows_of(user) -> list[tuple[int, time, time]]:
    """The windows of the pattern in force today."""
    db.session.expire_all()
    pattern = availability_store.current_pattern(user, london_today())
    return [(w.weekday, w.starts, w.ends) for w in pattern.windows] if pattern else []


def audits(action: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
    )


def error_summary(html: str) -> str:
    """The GOV.UK error summary's text (fails if there is none)."""
    start = html.index('class="govuk-error-summary"')
    summary = html[start : html.index("</ul>", start)]
    assert "There is a problem" in summary
    return summary


def input_value(html: str, name: str) -> str:
    match = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', html)
    assert match, f"no input {name}"
    value = re.search(r'value="([^"]*)"', match[0])
    return value[1] if value else ""


def given_pattern(user, effective_from: date, windows: list[tuple[int, time, time]]):
    pattern = AvailabilityPattern(
        mentor_id=user.id,
        effective_from=effective_from,
        windows=[AvailabilityWindow(weekday=d, starts=s, ends=e) for d, s, e in windows],
    )
    db.session.add(pattern)
    db.session.commit()
    return pattern


def given_away(user, starts_at: datetime, ends_at: datetime, kind="leave", note=""):
    row = AvailabilityException(
        mentor_id=user.id, kind=kind, starts_at=starts_at, ends_at=ends_at, note=note
    )
    db.session.add(row)
    db.session.commit()
    return row


def local(day: date, clock: time) -> datetime:
    return datetime.combine(day, clock, tzinfo=LONDON).astimezone(UTC)


# The weekly pattern


def test_adding_a_time_stores_it_audits_it_and_says_so(client, mentor):
    response = add_window(client, mentor, 2, "9:00", "5pm")
    assert response.status_code == 302
    assert response.headers["Location"] == f"{base(mentor)}#pattern"
    assert windows_of(mentor) == [(2, time(9), time(17))]
    (event,) = audits("availability.window_added")
    assert (event.actor_id, event.object_type, event.object_id) == (mentor.id, "user", mentor.id)
    assert json.loads(event.detail) == {"weekday": 2, "starts": "09:00:00", "ends": "17:00:00"}
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Wednesday time added" in page
    assert "09:00 to 17:00" in page


def test_adding_a_time_over_htmx_answers_the_pattern_section(client, mentor):
    response = add_window(client, mentor, 0, "0930", "12.30", headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html
    assert "Weekly pattern" in html
    assert "Monday time added" in html
    assert "09:30 to 12:30" in html
    assert "Limits" not in html
    assert "HX-Request" in response.headers.get("Vary", "")


def test_times_that_touch_are_allowed(client, mentor):
    assert add_window(client, mentor, 1, "9:00", "12:00").status_code == 302
    assert add_window(client, mentor, 1, "12:00", "15:00").status_code == 302
    assert windows_of(mentor) == [(1, time(9), time(12)), (1, time(12), time(15))]


@pytest.mark.parametrize(
    ("starts", "ends", "field", "message"),
    [
        ("14:00", "10:00", "window-ends", "The end time must be after the start time"),
        ("10:00", "10:00", "window-ends", "The end time must be after the start time"),
        ("23:00", "01:00", "window-ends", "The end time must be after the start time"),
        ("half nine", "12:00", "window-starts", "Enter start time as a time, like 9:30"),
        ("9:00", "25:00", "window-ends", "Enter end time as a time"),
        ("13pm", "2pm", "window-starts", "Enter start time as a time"),
        ("", "12:00", "window-starts", "Enter a start time"),
    ],
)
def test_a_time_that_cannot_be_a_window_is_refused_and_kept(
    client, mentor, starts, ends, field, message
):
    response = add_window(client, mentor, 4, starts, ends)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    summary = error_summary(html)
    assert message in summary
    assert f'href="#{field}"' in summary
    assert input_value(html, "window-starts") == starts
    assert input_value(html, "window-ends") == ends
    assert 'value="4" selected' in html or 'selected value="4"' in html
    assert windows_of(mentor) == []
    assert audits("availability.window_added") == []


def test_an_overlapping_time_on_the_same_day_is_refused(client, mentor):
    add_window(client, mentor, 0, "9:00", "12:00")
    response = add_window(client, mentor, 0, "11:00", "13:00", headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<html" not in html
    assert "This overlaps 09:00 to 12:00 on the same day" in error_summary(html)
    assert input_value(html, "window-starts") == "11:00"
    assert input_value(html, "window-ends") == "13:00"
    assert windows_of(mentor) == [(0, time(9), time(12))]
    assert len(audits("availability.window_added")) == 1
    # The same time on another day is fine.
    assert add_window(client, mentor, 1, "11:00", "13:00").status_code == 302


def test_changing_a_time_in_place(client, mentor):
    add_window(client, mentor, 0, "9:00", "12:00")
    (window,) = availability_store.current_pattern(mentor, london_today()).windows
    url = f"{base(mentor)}/windows/{window.id}"
    form = client.get(url)
    html = form.get_data(as_text=True)
    assert form.status_code == 200
    assert "Change Monday 09:00 to 12:00" in html
    assert input_value(html, "edit-starts") == "09:00"
    data = {"edit-weekday": "3", "edit-starts": "1pm", "edit-ends": "16:30"}
    response = client.post(url, data=data)
    assert response.status_code == 302
    assert windows_of(mentor) == [(3, time(13), time(16, 30))]
    (event,) = audits("availability.window_changed")
    assert (event.actor_id, event.object_id) == (mentor.id, mentor.id)
    assert json.loads(event.detail) == {"weekday": 3, "starts": "13:00:00", "ends": "16:30:00"}
    assert "Time changed" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_the_change_form_over_htmx_is_the_pattern_section(client, mentor):
    add_window(client, mentor, 0, "9:00", "12:00")
    (window,) = availability_store.current_pattern(mentor, london_today()).windows
    response = client.get(f"{base(mentor)}/windows/{window.id}", headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html
    assert "Change Monday 09:00 to 12:00" in html
    assert "HX-Request" in response.headers.get("Vary", "")


def test_a_change_that_overlaps_or_runs_backwards_is_refused_and_kept(client, mentor):
    add_window(client, mentor, 0, "9:00", "12:00")
    add_window(client, mentor, 0, "13:00", "15:00")
    second = availability_store.current_pattern(mentor, london_today()).windows[1]
    url = f"{base(mentor)}/windows/{second.id}"
    data = {"edit-weekday": "0", "edit-starts": "11:00", "edit-ends": "14:00"}
    response = client.post(url, data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "This overlaps 09:00 to 12:00" in error_summary(html)
    assert input_value(html, "edit-starts") == "11:00"
    data = {"edit-weekday": "0", "edit-starts": "16:00", "edit-ends": "half four"}
    response = client.post(url, data=data, headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<html" not in html
    assert "Enter end time as a time" in error_summary(html)
    assert input_value(html, "edit-ends") == "half four"
    assert windows_of(mentor) == [(0, time(9), time(12)), (0, time(13), time(15))]
    assert audits("availability.window_changed") == []


def test_removing_a_time(client, mentor):
    add_window(client, mentor, 0, "9:00", "12:00")
    add_window(client, mentor, 2, "9:00", "12:00")
    first = availability_store.current_pattern(mentor, london_today()).windows[0].id
    response = client.post(f"{base(mentor)}/windows/{first}/remove", headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Time removed" in html
    assert "Monday" not in html.split("Add a time")[0]
    assert windows_of(mentor) == [(2, time(9), time(12))]
    (event,) = audits("availability.window_removed")
    assert (event.actor_id, event.object_id) == (mentor.id, mentor.id)
    assert json.loads(event.detail) == {"weekday": 0}
    assert client.post(f"{base(mentor)}/windows/{first}/remove").status_code == 404


def test_a_change_today_keeps_the_old_pattern_for_earlier_weeks(client, mentor):
    today = london_today()
    add_window(client, mentor, today.weekday(), "9:00", "12:00")
    # That pattern began a month ago, as if set then.
    pattern = db.session.scalar(select(AvailabilityPattern))
    pattern.effective_from = today - timedelta(days=28)
    db.session.commit()
    (window,) = pattern.windows

    data = {"edit-weekday": str(today.weekday()), "edit-starts": "13:00", "edit-ends": "16:00"}
    assert client.post(f"{base(mentor)}/windows/{window.id}", data=data).status_code == 302

    versions = db.session.execute(
        select(AvailabilityPattern.effective_from, AvailabilityWindow.starts)
        .join(AvailabilityWindow)
        .order_by(AvailabilityPattern.effective_from)
    ).all()
    assert versions == [(today - timedelta(days=28), time(9)), (today, time(13))]
    weekday = today.strftime("%A %-d %B")
    this_week = client.get(f"/mentors/{mentor.id}/diary?week={today.isoformat()}")
    assert "13:00 to 16:00" in day_text(this_week.get_data(as_text=True), weekday)
    last = today - timedelta(days=7)
    last_week = client.get(f"/mentors/{mentor.id}/diary?week={last.isoformat()}")
    old_day = day_text(last_week.get_data(as_text=True), last.strftime("%A %-d %B"))
    assert "09:00 to 12:00" in old_day
    assert "13:00" not in old_day
    # A second change today edits today's version rather than adding another.
    (window,) = availability_store.current_pattern(mentor, today).windows
    data = {"edit-weekday": str(today.weekday()), "edit-starts": "14:00", "edit-ends": "16:00"}
    assert client.post(f"{base(mentor)}/windows/{window.id}", data=data).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(AvailabilityPattern)) == 2


def test_removing_a_time_today_keeps_it_for_earlier_weeks(client, mentor):
    today = london_today()
    last = today - timedelta(days=7)
    old = given_pattern(mentor, today - timedelta(days=28), [(today.weekday(), time(9), time(12))])
    (window,) = old.windows
    assert client.post(f"{base(mentor)}/windows/{window.id}/remove").status_code == 302
    assert windows_of(mentor) == []
    last_week = client.get(f"/mentors/{mentor.id}/diary?week={last.isoformat()}")
    assert "09:00 to 12:00" in day_text(
        last_week.get_data(as_text=True), last.strftime("%A %-d %B")
    )
    this_week = client.get(f"/mentors/{mentor.id}/diary?week={today.isoformat()}")
    today_text = day_text(this_week.get_data(as_text=True), today.strftime("%A %-d %B"))
    assert "Not working" in today_text


# Time away


def add_away(client, user, **fields):
    data = {"away-kind": "leave", "away-first_day": ["24", "11", "2027"], **fields}
    return client.post(f"{base(user)}/exceptions", data=data)


def test_adding_leave_stores_it_audits_it_and_lists_it(client, mentor):
    response = add_away(
        client, mentor, **{"away-last_day": ["26", "11", "2027"], "away-note": "Half term"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"{base(mentor)}#exceptions"
    row = db.session.scalar(select(AvailabilityException))
    assert row.kind == "leave"
    assert row.starts_at == local(date(2027, 11, 24), time(0))
    assert row.ends_at == local(date(2027, 11, 27), time(0))
    assert row.note == "Half term"
    (event,) = audits("availability.exception_added")
    assert (event.actor_id, event.object_id) == (mentor.id, mentor.id)
    assert json.loads(event.detail) == {"kind": "leave", "exception_id": row.id}
    assert "Half term" not in event.detail
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Leave added" in page
    assert "24 November 2027 to 26 November 2027 (all day)" in page


def test_adding_part_of_a_day_in_summer_time(client, mentor):
    response = add_away(
        client,
        mentor,
        **{
            "away-kind": "training",
            "away-first_day": ["7", "7", "2027"],
            "away-starts": "1pm",
            "away-ends": "4:30pm",
        },
    )
    assert response.status_code == 302
    row = db.session.scalar(select(AvailabilityException))
    assert row.kind == "training"
    assert row.starts_at == datetime(2027, 7, 7, 12, tzinfo=UTC)
    assert row.ends_at == datetime(2027, 7, 7, 15, 30, tzinfo=UTC)


def test_adding_time_away_over_htmx_answers_the_section(client, mentor):
    response = client.post(
        f"{base(mentor)}/exceptions",
        data={"away-kind": "blocked", "away-first_day": ["3", "3", "2027"]},
        headers=HTMX,
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html
    assert "Not available added" in html
    assert "3 March 2027 (all day)" in html
    assert "Weekly pattern" not in html


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (
            {"away-first_day": ["31", "2", "2026"]},
            "away-first_day",
            "First day must be a real date",
        ),
        ({"away-first_day": ["", "", ""]}, "away-first_day", "Enter the first day"),
        ({"away-first_day": ["1", "3", "1999"]}, "away-first_day", "Enter a year from 2000"),
        (
            {"away-first_day": ["1", "1", "99999999999999999999"]},
            "away-first_day",
            "First day must be a real date",
        ),
        (
            {"away-last_day": ["30", "2", "2027"]},
            "away-last_day",
            "Last day must be a real date",
        ),
        (
            {"away-last_day": ["23", "11", "2027"]},
            "away-last_day",
            "The last day must be the same as or after the first day",
        ),
        ({"away-kind": "holiday"}, "away-kind", "Not a valid choice"),
        ({"away-starts": "half nine"}, "away-starts", "Enter from (optional) as a time"),
        (
            {"away-starts": "14:00", "away-ends": "10:00"},
            "away-ends",
            "The end must be after the start",
        ),
        ({"away-note": "x" * 201}, "away-note", "The note must be 200 characters or fewer"),
    ],
)
def test_time_away_that_cannot_be_is_refused_and_kept(client, mentor, fields, field, message):
    response = add_away(client, mentor, **fields)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    summary = error_summary(html)
    assert message in summary
    assert f'href="#{field}' in summary
    first_day = fields.get("away-first_day", ["24", "11", "2027"])
    assert input_value(html, "away-first_day") == first_day[0]
    assert re.search(rf'name="away-first_day"[^>]*value="{first_day[1]}"', html) or not first_day[1]
    for name in ("away-starts", "away-ends"):
        if name in fields:
            assert input_value(html, name) == fields[name]
    assert db.session.scalar(select(func.count()).select_from(AvailabilityException)) == 0
    assert audits("availability.exception_added") == []


def test_an_impossible_date_keeps_all_three_boxes(client, mentor):
    response = add_away(client, mentor, **{"away-first_day": ["31", "2", "2026"]})
    html = response.get_data(as_text=True)
    values = re.findall(r'<input[^>]*name="away-first_day"[^>]*>', html)
    assert [re.search(r'value="([^"]*)"', v)[1] for v in values] == ["31", "2", "2026"]


def test_removing_time_away(client, mentor):
    row = given_away(mentor, local(date(2027, 3, 3), time(0)), local(date(2027, 3, 4), time(0))).id
    response = client.post(f"{base(mentor)}/exceptions/{row}/remove", headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Removed" in html
    assert "No leave, training or other time away is coming up" in html
    assert db.session.scalar(select(func.count()).select_from(AvailabilityException)) == 0
    (event,) = audits("availability.exception_removed")
    assert (event.actor_id, event.object_id) == (mentor.id, mentor.id)
    assert json.loads(event.detail) == {"exception_id": row}
    assert client.post(f"{base(mentor)}/exceptions/{row}/remove").status_code == 404


# Limits


def test_saving_limits_stores_and_audits_them(client, mentor):
    page = client.get(base(mentor)).get_data(as_text=True)
    assert input_value(page, "limits-max_per_day") == "2"
    response = client.post(
        f"{base(mentor)}/limits", data={**LIMITS, "limits-works_bank_holidays": "y"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"{base(mentor)}#limits"
    row = db.session.get(MentorLimits, mentor.id)
    assert (row.max_per_day, row.max_per_week, row.travel_minutes) == (3, 9, 45)
    assert (row.notice_working_days, row.works_bank_holidays) == (2, True)
    (event,) = audits("availability.limits_set")
    assert (event.actor_id, event.object_id) == (mentor.id, mentor.id)
    assert json.loads(event.detail) == {
        "max_per_day": 3,
        "max_per_week": 9,
        "travel_minutes": 45,
        "notice_working_days": 2,
        "works_bank_holidays": True,
    }
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Limits saved" in page
    assert input_value(page, "limits-travel_minutes") == "45"
    # Unticking the box saves False.
    client.post(f"{base(mentor)}/limits", data=LIMITS)
    db.session.expire_all()
    assert db.session.get(MentorLimits, mentor.id).works_bank_holidays is False
    assert len(audits("availability.limits_set")) == 2


def test_saving_limits_over_htmx_answers_the_section(client, mentor):
    response = client.post(f"{base(mentor)}/limits", data=LIMITS, headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html
    assert "Limits saved" in html
    assert "Weekly pattern" not in html


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("limits-max_per_day", "11", "Enter a number from 0 to 10"),
        ("limits-max_per_day", "-1", "Enter a number from 0 to 10"),
        ("limits-max_per_week", "51", "Enter a number from 0 to 50"),
        ("limits-travel_minutes", "241", "Enter a number of minutes from 0 to 240"),
        ("limits-notice_working_days", "21", "Enter a number of working days from 0 to 20"),
        ("limits-max_per_day", "two", "Most accompaniments in a day must be a whole number"),
        ("limits-travel_minutes", "1.5", "must be a whole number"),
        ("limits-max_per_week", "", "Enter the most accompaniments in a week, as a number"),
    ],
)
def test_limits_out_of_range_or_not_numbers_are_refused_and_kept(
    client, mentor, name, value, message
):
    response = client.post(f"{base(mentor)}/limits", data={**LIMITS, name: value})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    summary = error_summary(html)
    assert message in summary
    assert f'href="#{name}"' in summary
    assert input_value(html, name) == value
    assert input_value(html, "limits-travel_minutes") == (value if "travel" in name else "45")
    assert db.session.get(MentorLimits, mentor.id) is None
    assert audits("availability.limits_set") == []


def test_limits_error_over_htmx_is_the_section_with_its_summary(client, mentor):
    response = client.post(
        f"{base(mentor)}/limits", data={**LIMITS, "limits-max_per_day": "lots"}, headers=HTMX
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "<html" not in html
    assert "must be a whole number" in error_summary(html)
    assert input_value(html, "limits-max_per_day") == "lots"


# The diary


def day_text(html: str, heading: str) -> str:
    """The diary's text for one day, from its heading to the next day's."""
    start = html.index(heading)
    end = html.find('<h2 class="govuk-heading-s', start + 1)
    return html[start : end if end > 0 else len(html)]


def test_the_diary_shows_windows_leave_and_bank_holidays(client, mentor, bank_holidays):
    given_pattern(mentor, date(2026, 1, 5), [(wd, time(9), time(17)) for wd in range(5)])
    given_away(
        mentor,
        local(date(2026, 12, 22), time(13)),
        local(date(2026, 12, 22), time(16)),
        kind="training",
        note="Court skills",
    )
    given_away(mentor, local(date(2026, 12, 23), time(0)), local(date(2026, 12, 25), time(0)))
    response = client.get(f"/mentors/{mentor.id}/diary?week=2026-12-23")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "My diary: week of 21 December 2026" in html
    assert "09:00 to 17:00" in day_text(html, "Monday 21 December")
    tuesday = day_text(html, "Tuesday 22 December")
    assert "Training: 22 December 2026 at 1:00pm to 4:00pm" in tuesday
    assert "Court skills" in tuesday
    leave = "Leave: 23 December 2026 to 24 December 2026 (all day)"
    assert leave in day_text(html, "Wednesday 23 December")
    assert leave in day_text(html, "Thursday 24 December")
    christmas = day_text(html, "Friday 25 December")
    assert "Bank holiday: Christmas Day" in christmas
    assert "Leave" not in christmas
    assert "Not working" in day_text(html, "Saturday 26 December")
    # Boxing Day 2026 falls on a Saturday: the holiday is the Monday after.
    following = client.get(f"/mentors/{mentor.id}/diary?week=2026-12-28").get_data(as_text=True)
    assert "Bank holiday: Boxing Day" in day_text(following, "Monday 28 December")
    assert "09:00 to 17:00" in day_text(following, "Tuesday 29 December")


def test_the_diary_moves_week_by_week_and_jumps_to_a_date(client, mentor):
    url = f"/mentors/{mentor.id}/diary"
    html = client.get(f"{url}?week=2027-03-03").get_data(as_text=True)
    assert "week of 1 March 2027" in html
    assert f'href="{url}?week=2027-02-22" rel="prev"' in html
    assert f'href="{url}?week=2027-03-08" rel="next"' in html
    following = client.get(f"{url}?week=2027-03-08").get_data(as_text=True)
    assert "week of 8 March 2027" in following
    assert "Monday 8 March" in following and "Sunday 14 March" in following
    # A Sunday belongs to the week that began the Monday before.
    assert "week of 22 March 2027" in client.get(f"{url}?week=2027-03-28").get_data(as_text=True)


def test_the_diary_opens_on_this_week_and_shrugs_off_a_bad_date(client, mentor):
    today = london_today()
    this_week = f"week of {monday_of(today).strftime('%-d %B %Y')}"
    for query in ["", "?week=not-a-date", "?week=2027-02-30"]:
        html = client.get(f"/mentors/{mentor.id}/diary{query}").get_data(as_text=True)
        assert this_week in html, query
        assert "Today" in day_text(html, today.strftime("%A %-d %B"))


def test_the_diary_runs_the_same_queries_however_long_the_history(
    client, count_queries, bank_holidays
):
    admin = make_user(Role.ADMIN)
    short, long = make_user(Role.MENTOR), make_user(Role.MENTOR)
    monday = date(2027, 3, 1)
    given_pattern(short, date(2026, 1, 5), [(0, time(9), time(17))])
    given_away(short, local(monday, time(10)), local(monday, time(11)))
    for n in range(20):
        given_pattern(
            long,
            date(2026, 1, 5) + timedelta(weeks=n),
            [(d, time(9 + n % 5), time(17)) for d in range(5)],
        )
    rows = [
        AvailabilityException(
            mentor_id=long.id,
            kind="training",
            starts_at=local(monday + timedelta(days=n % 7), time(9)) - timedelta(weeks=n // 7),
            ends_at=local(monday + timedelta(days=n % 7), time(10)) - timedelta(weeks=n // 7),
            note="",
        )
        for n in range(200)
    ]
    db.session.add_all(rows)
    db.session.commit()
    sign_in(client, admin)
    client.get(f"/mentors/{short.id}/diary?week=2027-03-01")  # warm up caches

    counts = {}
    for mentor in (short, long):
        with count_queries() as counter:
            response = client.get(f"/mentors/{mentor.id}/diary?week=2027-03-01")
        assert response.status_code == 200
        counts[mentor.id] = counter.count
    html = response.get_data(as_text=True)
    assert html.count("Training:") == 7  # one a day this week
    assert "13:00 to 17:00" in day_text(html, "Monday 1 March")  # the newest version, n=19
    assert counts[short.id] == counts[long.id], counts
    assert counts[long.id] <= 15, counts  # 12 measured: no query per day, version or row


# Is the mentor free?


@pytest.fixture
def mentors_at_work(mentor):
    """The signed-in mentor and two others, all working Wednesdays 9 to 5."""
    others = [make_user(Role.MENTOR, name=name) for name in ("Bea Busy", "Cal Clear")]
    for person in [mentor, *others]:
        given_pattern(person, date(2026, 1, 5), [(2, time(9), time(17))])
    return mentor, *others


def free(client, user, query: str, **kwargs):
    return client.get(f"/mentors/{user.id}/free?{query}", **kwargs)


def test_free_when_inside_the_pattern(client, mentors_at_work):
    mentor, _, _ = mentors_at_work
    response = free(client, mentor, "date=2027-03-03&start=10:00&end=11:00&kind=home_visit")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" in html
    assert (
        "Mina Mentor is free</strong> for a home visit on 3 March 2027 at 10:00am to 11:00" in html
    )
    assert "Urgent" not in html


def test_not_free_with_reasons_and_who_else_is_free(client, mentors_at_work):
    mentor, busy, _ = mentors_at_work
    given_away(mentor, local(date(2027, 3, 3), time(0)), local(date(2027, 3, 4), time(0)))
    given_away(busy, local(date(2027, 3, 3), time(9)), local(date(2027, 3, 3), time(12)))
    response = free(
        client, mentor, "date=2027-03-03&start=16:30&end=17:30&kind=meeting", headers=HTMX
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html
    assert "Mina Mentor is not free</strong> for a meeting" in html
    assert "it is outside their working pattern" in html
    assert "they are on leave, training or otherwise away" in html
    assert "None of the other mentors is free" in html  # 16:30-17:30 runs past 5pm for all

    response = free(client, mentor, "date=2027-03-03&start=10:00&end=11:00&kind=meeting")
    html = response.get_data(as_text=True)
    assert "they are on leave" in html
    assert "it is outside their working pattern" not in html
    assert "Free at that time: Cal Clear." in html  # Bea is away that morning


def test_a_bank_holiday_is_a_reason(client, mentor, bank_holidays):
    given_pattern(mentor, date(2026, 1, 5), [(4, time(9), time(17))])
    html = free(client, mentor, "date=2026-12-25&start=10:00&end=11:00").get_data(as_text=True)
    assert "Mina Mentor is not free" in html
    assert "it is a bank holiday" in html


def test_an_nqsw_only_hears_about_their_own_mentors(client, mentors_at_work):
    mentor, busy, _ = mentors_at_work
    nqsw = make_user(Role.NQSW)
    assign_mentor(nqsw, mentor)
    assign_mentor(nqsw, busy)
    given_away(mentor, local(date(2027, 3, 3), time(0)), local(date(2027, 3, 4), time(0)))
    client.post("/sign-out")
    sign_in(client, nqsw)
    html = free(client, mentor, "date=2027-03-03&start=10:00&end=11:00").get_data(as_text=True)
    assert "Free at that time: Bea Busy." in html
    assert "Cal Clear" not in html


@pytest.mark.parametrize(
    "query",
    ["", "date=2027-03-03", "date=2027-03-03&start=11:00&end=10:00", "date=x&start=10&end=11"],
)
def test_an_incomplete_question_asks_for_a_date_and_times(client, mentor, query):
    response = free(client, mentor, query)
    assert response.status_code == 200
    assert "Enter a date, a start time and an end time" in response.get_data(as_text=True)


def test_the_free_check_varies_on_htmx(client, mentor):
    page = free(client, mentor, "")
    fragment = free(client, mentor, "", headers=HTMX)
    assert "HX-Request" in page.headers["Vary"] and "HX-Request" in fragment.headers["Vary"]
    assert "<h1" in page.get_data(as_text=True)
    html = fragment.get_data(as_text=True)
    assert "<h1" not in html and html.lstrip().startswith('<div id="free-check"')


# When is the mentor free?


def test_slots_list_the_free_start_times(client, mentor, bank_holidays):
    today = london_today()
    given_pattern(mentor, today - timedelta(days=30), [(d, time(10), time(12)) for d in range(7)])
    holidays = set(db.session.scalars(select(BankHoliday.day)))
    day = next(
        today + timedelta(days=n) for n in range(2, 13) if today + timedelta(days=n) not in holidays
    )
    away_day = next(d for d in (day + timedelta(days=n) for n in range(1, 5)) if d not in holidays)
    given_away(mentor, local(away_day, time(0)), local(away_day, time(23)))
    response = client.get(f"/mentors/{mentor.id}/slots?duration=60&kind=case_discussion")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "free for a 60 minute case discussion in the next two weeks" in html
    assert re.search(
        rf"{day.strftime('%A %-d %B')}</dt>\s*<dd[^>]*>10:00, 10:15, 10:30, 10:45, 11:00</dd>", html
    )
    assert away_day.strftime("%A %-d %B") not in html
    assert (today + timedelta(days=14)).strftime("%A %-d %B") not in html

    longer = client.get(f"/mentors/{mentor.id}/slots?duration=120&kind=case_discussion")
    assert re.search(
        rf"{day.strftime('%A %-d %B')}</dt>\s*<dd[^>]*>10:00</dd>", longer.get_data(as_text=True)
    )


@pytest.mark.parametrize("duration", ["abc", "²", "5", "481", "-60", "99999999999999999999"])
def test_no_slots_says_so_and_bad_durations_fall_back(client, mentor, duration):
    response = client.get(
        f"/mentors/{mentor.id}/slots",
        query_string={"duration": duration, "kind": "x"},
        headers=HTMX,
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html
    assert "HX-Request" in response.headers["Vary"]
    assert "Mina Mentor has no free time for a 60 minute case discussion" in html
