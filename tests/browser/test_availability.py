"""Mentors keep their availability current and NQSWs ask when they are free, in Chromium:
htmx swaps each section in place with JavaScript on; without it every step is a page load."""

import re
from datetime import date, time, timedelta

import pytest
from playwright.sync_api import Locator, Page, expect

from nqsw_visits.availability import rules as availability_store
from nqsw_visits.availability.free_time import Limits
from nqsw_visits.availability.week import week_of
from nqsw_visits.core import clock
from nqsw_visits.core.extensions import db
from nqsw_visits.people.models import Role
from tests.browser.journeys import (
    MARKER,
    assert_clean,
    diary_day,
    expect_heading,
    long_date,
    press,
    set_marker,
    sign_in,
    success_banner,
    unchecked,
)
from tests.factories import assign_mentor, make_user

MODES = pytest.mark.parametrize("page_scripts", [True, False], ids=["js", "scripts-off"])
NO_JS = pytest.mark.parametrize(
    "options", [{"javascript": False}, {"page_scripts": False}], ids=["js-off", "scripts-off"]
)


def _next_week() -> date:
    """Monday of next week: every day in it is in the future."""
    return week_of(clock.today()) + timedelta(days=7)


def _mentor(name: str = "Mina Mentor") -> tuple[str, int]:
    mentor = make_user(Role.MENTOR, name=name)
    found = mentor.email, mentor.id
    db.session.commit()
    return found


def _expect_done(page: Page, section: str, message: str, javascript: bool) -> None:
    """The section says it is done: in place with JavaScript, after a redirect without."""
    if javascript:
        banner = page.locator(f"#{section} .govuk-notification-banner--success")
        expect(banner).to_contain_text(message)
        expect(banner).to_be_focused()
        assert page.evaluate("window.__marker") == MARKER, f"{message}: a whole page loaded"
    else:
        expect(success_banner(page)).to_contain_text(message)
        assert page.url.endswith(f"/availability#{section}"), page.url
    expect(page.locator("h1")).to_have_count(1)


def _add_form(page: Page) -> Locator:
    return page.locator("#pattern form").filter(has=page.get_by_role("group", name="Add a time"))


def _fill_time(area: Locator, day: str, starts: str, ends: str) -> None:
    area.get_by_label("Day").select_option(label=day)
    area.get_by_label("Start time").fill(starts)
    area.get_by_label("End time").fill(ends)


def _add_time(page: Page, day: str, starts: str, ends: str, javascript: bool) -> None:
    form = _add_form(page)
    _fill_time(form, day, starts, ends)
    press(page, form.get_by_role("button", name="Add time"), javascript)


def _pattern_rows(page: Page) -> Locator:
    return page.locator("#pattern tbody tr")


def _keep_availability_current(page: Page, audit, javascript: bool) -> list[str]:
    """The mentor's journey from the home page to next week's diary; returns audit failures."""
    p = "" if javascript else "nojs-"
    tuesday = _next_week() + timedelta(days=1)
    failures = []

    page.get_by_role("link", name="My availability").click()
    expect_heading(page, "My availability")
    expect(page.locator("#pattern")).to_contain_text("You have no times set yet")
    failures += audit(page, f"{p}availability")
    if javascript:
        set_marker(page)

    for n, (day, starts, ends) in enumerate(
        [("Monday", "9:00", "12:30"), ("Monday", "13:30", "17:00"), ("Tuesday", "9", "5pm")]
    ):
        _add_time(page, day, starts, ends, javascript)
        _expect_done(page, "pattern", f"{day} time added", javascript)
        expect(_pattern_rows(page)).to_have_count(n + 1)
        failures += audit(page, f"{p}availability-added-{n + 1}")
    expect(_pattern_rows(page)).to_have_text(
        [
            re.compile(r"Monday\s+09:00 to 12:30\s+Change Monday 09:00\s+Remove Monday 09:00"),
            re.compile(r"Monday\s+13:30 to 17:00"),
            re.compile(r"Tuesday\s+09:00 to 17:00"),
        ]
    )
    # The new form is empty again, ready for the next time.
    expect(_add_form(page).get_by_label("Start time")).to_have_value("")

    press(page, page.get_by_role("link", name="Change Monday 13:30"), javascript)
    if javascript:
        change = page.get_by_role("group", name="Change Monday 13:30 to 17:00")
        expect(change.get_by_label("Start time")).to_be_focused()
        assert page.evaluate("window.__marker") == MARKER
        failures += audit(page, "availability-change-open")
    else:
        expect_heading(page, "Change Monday 13:30 to 17:00")
        change = page.locator("main")
        failures += audit(page, "nojs-availability-change-page")
    expect(change.get_by_label("Start time")).to_have_value("13:30")
    expect(change.get_by_label("End time")).to_have_value("17:00")
    change.get_by_label("Start time").fill("14:00")
    press(page, page.get_by_role("button", name="Save time"), javascript)
    _expect_done(page, "pattern", "Time changed", javascript)
    expect(_pattern_rows(page).nth(1)).to_contain_text("14:00 to 17:00")
    failures += audit(page, f"{p}availability-changed")

    press(page, page.get_by_role("button", name="Remove Monday 09:00"), javascript)
    _expect_done(page, "pattern", "Time removed", javascript)
    expect(_pattern_rows(page)).to_have_text(
        [re.compile(r"Monday\s+14:00 to 17:00"), re.compile(r"Tuesday\s+09:00 to 17:00")]
    )
    failures += audit(page, f"{p}availability-removed")

    limits = page.locator("#limits")
    for label, value in [
        ("Most accompaniments in a day", "2"),
        ("Most accompaniments in a week", "6"),
        ("Travel time before and after home visits and court, in minutes", "45"),
        ("Minimum notice, in working days", "3"),
    ]:
        limits.get_by_label(label).fill(value)
    limits.get_by_label("I work on bank holidays").check()
    press(page, limits.get_by_role("button", name="Save limits"), javascript)
    _expect_done(page, "limits", "Limits saved", javascript)
    # What the section shows after saving is read back from the database.
    expect(limits.get_by_label("Most accompaniments in a week")).to_have_value("6")
    expect(limits.get_by_label("Travel time", exact=False)).to_have_value("45")
    expect(limits.get_by_label("I work on bank holidays")).to_be_checked()
    failures += audit(page, f"{p}availability-limits-saved")

    away = page.locator("#exceptions")
    expect(away.get_by_label("Leave", exact=True)).to_be_hidden()  # inside a closed details
    away.locator("summary", has_text="Add time away").click()
    away.get_by_label("Leave", exact=True).check()
    first_day = away.get_by_role("group", name="First day", exact=True)
    first_day.get_by_label("Day").fill(str(tuesday.day))
    first_day.get_by_label("Month").fill(str(tuesday.month))
    first_day.get_by_label("Year").fill(str(tuesday.year))
    expect(away.get_by_role("group", name="Why are you not available?")).to_be_visible()
    failures += audit(page, f"{p}availability-away-form")
    press(page, away.get_by_role("button", name="Add time away"), javascript)
    _expect_done(page, "exceptions", "Leave added", javascript)
    expect(away.locator("tbody tr")).to_have_text(
        [re.compile(rf"Leave\s+{long_date(tuesday)} \(all day\)")]
    )
    failures += audit(page, f"{p}availability-leave-added")

    page.get_by_role("link", name="My diary").click()
    expect_heading(page, f"My diary: week of {long_date(week_of(clock.today()))}")
    failures += audit(page, f"{p}diary-this-week")
    if javascript:
        page.get_by_role("link", name=re.compile(r"^Next week")).click()
    else:
        page.get_by_label("Go to the week of a date").fill(tuesday.isoformat())
        page.get_by_role("button", name="Go").click()
    expect_heading(page, f"My diary: week of {long_date(_next_week())}")
    monday = diary_day(page, _next_week())
    expect(monday).to_contain_text("14:00 to 17:00")
    expect(monday).not_to_contain_text("09:00")
    expect(monday).not_to_contain_text("Leave")
    tuesday_list = diary_day(page, tuesday)
    expect(tuesday_list).to_contain_text("09:00 to 17:00")
    expect(tuesday_list).to_contain_text(f"Leave: {long_date(tuesday)} (all day)")
    expect(diary_day(page, tuesday + timedelta(days=1))).to_contain_text("Not working")
    failures += audit(page, f"{p}diary-next-week")
    return failures


@pytest.mark.browser
def test_a_mentor_keeps_availability_current_in_place(browse, audit):
    email, _ = _mentor()
    page = browse()
    sign_in(page, email)

    assert_clean(_keep_availability_current(page, audit, javascript=True))


@pytest.mark.browser
@NO_JS
def test_a_mentor_keeps_availability_current_without_javascript(browse, audit, options):
    email, _ = _mentor()
    page = browse(**options)
    sign_in(page, email)

    # axe needs JavaScript: it runs where only the app's own scripts are served empty.
    check = audit if options.get("javascript", True) else unchecked
    assert_clean(_keep_availability_current(page, check, javascript=False))


def _expect_end_before_start_refused(page: Page) -> None:
    summary = page.locator("#pattern .govuk-error-summary")
    expect(summary).to_contain_text("The end time must be after the start time, on the same day")
    form = _add_form(page)
    expect(form.get_by_label("Day")).to_have_value("0")
    expect(form.get_by_label("Start time")).to_have_value("14:00")
    expect(form.get_by_label("End time")).to_have_value("9:00")
    expect(form.locator(".govuk-error-message")).to_contain_text(
        "The end time must be after the start time"
    )
    expect(_pattern_rows(page)).to_have_count(0)


@pytest.mark.browser
def test_an_end_before_the_start_is_shown_in_the_section(browse, audit, problems, live_server):
    email, mentor_id = _mentor()
    page = browse()
    sign_in(page, email)
    page.goto(f"/mentors/{mentor_id}/availability")
    set_marker(page)

    _add_time(page, "Monday", "14:00", "9:00", javascript=True)

    _expect_end_before_start_refused(page)
    # The refusal is a 422 that htmx is configured to swap; nothing else went wrong.
    assert problems.take() == [
        f"failed request: 422 POST {live_server}/mentors/{mentor_id}/availability/windows"
    ]
    expect(page.locator("#pattern .govuk-error-summary")).to_be_focused()
    assert page.evaluate("window.__marker") == MARKER, "the error loaded a whole page"
    failures = audit(page, "availability-error")
    # The summary's link leads to the field to put right.
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(_add_form(page).get_by_label("End time")).to_be_focused()
    assert_clean(failures)


@pytest.mark.browser
@NO_JS
def test_an_end_before_the_start_without_javascript(browse, audit, options):
    email, mentor_id = _mentor()
    page = browse(**options)
    sign_in(page, email)
    page.goto(f"/mentors/{mentor_id}/availability")

    form = _add_form(page)
    _fill_time(form, "Monday", "14:00", "9:00")
    with page.expect_navigation() as navigation:
        form.get_by_role("button", name="Add time").click()

    assert navigation.value.status == 422
    _expect_end_before_start_refused(page)
    expect(page).to_have_title(re.compile(r"^Error: My availability"))
    expect(page.locator(".govuk-error-summary")).to_have_count(1)
    if options.get("javascript", True):
        assert_clean(audit(page, "nojs-availability-error"))


def _mentor_with_an_nqsw() -> dict:
    """A mentor at work 9:00 to 17:00 every weekday, and an NQSW they mentor."""
    mentor = make_user(Role.MENTOR, name="Mina Mentor")
    nqsw = make_user(Role.NQSW, name="Nia Newly")
    assign_mentor(nqsw, mentor)
    for weekday in range(5):
        availability_store.add_window(
            mentor, mentor, weekday, time(9), time(17), week_of(clock.today())
        )
    # So that the answers do not hang on whether next week holds a bank holiday.
    availability_store.set_limits(mentor, mentor, Limits(works_bank_holidays=True))
    found = {"email": nqsw.email, "mentor_id": mentor.id}
    db.session.commit()
    return found


@pytest.mark.browser
@MODES
def test_an_nqsw_asks_whether_their_mentor_is_free(browse, audit, page_scripts):
    found = _mentor_with_an_nqsw()
    wednesday = _next_week() + timedelta(days=2)
    page = browse(page_scripts=page_scripts)
    sign_in(page, found["email"])
    p = "" if page_scripts else "nojs-"

    page.goto(
        f"/mentors/{found['mentor_id']}/free?date={wednesday.isoformat()}"
        "&start=10:00&end=11:00&kind=home_visit"
    )

    expect_heading(page, "Is Mina Mentor free?")
    expect(page.locator("#free-check")).to_have_text(
        re.compile(
            rf"Mina Mentor is free\s+for a home visit on {long_date(wednesday)} at 10:00am"
            r" to 11:00am\."
        )
    )
    failures = audit(page, f"{p}free-check")
    set_marker(page)
    page.get_by_label("Start time").fill("18:00")
    page.get_by_label("End time").fill("19:00")
    press(page, page.get_by_role("button", name="Check"), page_scripts)
    answer = page.locator("#free-check")
    expect(answer).to_contain_text(
        f"Mina Mentor is not free for a home visit on {long_date(wednesday)} at 6:00pm to 7:00pm"
    )
    expect(answer).to_contain_text("it is outside their working pattern")
    expect(answer).to_contain_text("None of the other mentors is free at that time either.")
    marker = page.evaluate("window.__marker")
    assert marker == (MARKER if page_scripts else None)
    failures += audit(page, f"{p}free-check-not-free")
    assert_clean(failures)


@pytest.mark.browser
@MODES
def test_an_nqsw_sees_when_their_mentor_is_free(browse, audit, page_scripts):
    found = _mentor_with_an_nqsw()
    tuesday = _next_week() + timedelta(days=1)
    page = browse(page_scripts=page_scripts)
    sign_in(page, found["email"])
    p = "" if page_scripts else "nojs-"

    page.goto(f"/mentors/{found['mentor_id']}/slots?duration=60")

    expect_heading(page, "When is Mina Mentor free?")
    slots = page.locator("#free-slots")
    expect(slots).to_contain_text("free for a 60 minute case discussion in the next two weeks")
    day = slots.locator(".govuk-summary-list__row", has_text=tuesday.strftime("%A %-d %B"))
    # Each free start is a link that opens the request form with that time filled in.
    on_day = f" on {tuesday:%A %-d %B}"
    links = day.locator("dd a")
    expect(links.first).to_have_text("09:00" + on_day)
    expect(links.nth(1)).to_have_text("09:15" + on_day)
    expect(links.last).to_have_text("16:00" + on_day)
    expect(slots).not_to_contain_text((_next_week() + timedelta(days=5)).strftime("%A %-d"))
    failures = audit(page, f"{p}free-slots")

    set_marker(page)
    page.get_by_label("How long, in minutes").select_option("180")
    if not page_scripts:
        # Nothing happens until the form is sent.
        expect(slots).to_contain_text("60 minute")
        press(page, page.get_by_role("button", name="Show free times"), in_place=False)
    expect(slots).to_contain_text("free for a 180 minute case discussion")
    expect(links.first).to_have_text("09:00" + on_day)
    expect(links.last).to_have_text("14:00" + on_day)
    assert page.evaluate("window.__marker") == (MARKER if page_scripts else None)
    expect(page.get_by_label("How long, in minutes")).to_have_value("180")
    failures += audit(page, f"{p}free-slots-180")
    assert_clean(failures)
