"""Support requests in Chromium: an NQSW asks, the mentor accepts or offers another time, the
NQSW follows it; in place with htmx where JavaScript runs, by page loads where it does not."""

import re
from datetime import date, datetime, time, timedelta
from pathlib import Path

import icalendar
import pytest
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import select

from nqsw_visits.availability import rules as availability_store
from nqsw_visits.availability.free_time import Limits
from nqsw_visits.availability.week import week_of
from nqsw_visits.core import clock
from nqsw_visits.core.clock import zone
from nqsw_visits.core.extensions import db
from nqsw_visits.people.models import Role, User
from nqsw_visits.support_requests import rules as scheduling
from nqsw_visits.support_requests.models import RequestKind, SupportRequest
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
from tests.factories import assign_mentor, make_manager_of, make_team, make_user

CASE = "CR-12345"
PURPOSE = "First joint visit after the referral"
MODES = pytest.mark.parametrize(
    "options",
    [{}, {"javascript": False}, {"page_scripts": False}],
    ids=["js", "js-off", "scripts-off"],
)


def _the_day() -> date:
    """A Tuesday three weeks ahead: far enough for any notice, near enough to plan."""
    return week_of(clock.today()) + timedelta(days=22)


def _people() -> dict:
    """An NQSW in a team with a manager; their mentor at work 9 to 5 on weekdays; another."""
    team = make_team()
    manager = make_user(Role.PRACTICE_MANAGER, name="Pat Manager", team=team)
    make_manager_of(team, manager)
    mentor = make_user(Role.MENTOR, name="Mina Mentor")
    other = make_user(Role.MENTOR, name="Omar Othermentor")
    nqsw = make_user(Role.NQSW, name="Nia Newly", team=team)
    assign_mentor(nqsw, mentor)
    for person in (mentor, other):
        for weekday in range(5):
            availability_store.add_window(
                person, person, weekday, time(9), time(17), date(2026, 1, 1)
            )
        # So that the answers do not hang on whether the day is a bank holiday.
        availability_store.set_limits(person, person, Limits(works_bank_holidays=True))
    found = {
        "nqsw": nqsw.email,
        "mentor": mentor.email,
        "manager": manager.email,
        "nqsw_id": nqsw.id,
        "mentor_id": mentor.id,
    }
    db.session.commit()
    return found


def _asked(found: dict) -> int:
    """A home visit on the day at 10:00 to 11:00, asked as the form would; its id."""
    tz = zone()
    nqsw = db.session.get(User, found["nqsw_id"])
    made = scheduling.ask(
        nqsw,
        found["mentor_id"],
        scheduling.Details(
            kind=RequestKind.HOME_VISIT,
            starts_at=datetime.combine(_the_day(), time(10), tzinfo=tz),
            ends_at=datetime.combine(_the_day(), time(11), tzinfo=tz),
            case_reference=CASE,
            venue_type="family_home",
            purpose=PURPOSE,
            consent="yes",
        ),
        tz,
        clock.now(),
    )
    made_id = made.id
    db.session.commit()
    return made_id


def _stored(request_id: int) -> SupportRequest:
    db.session.expire_all()
    found = db.session.get(SupportRequest, request_id)
    db.session.commit()  # SQLite: release the lock before the browser goes on
    return found


def _nav(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Menu").get_by_role("link", name=name).click()
    page.wait_for_load_state("load")


def _status(area: Page | Locator) -> Locator:
    row = area.locator(".govuk-summary-list__row", has_text="Status")
    return row.locator(".govuk-tag").first


def _fill_when(area: Page | Locator, day: date, starts: str, ends: str) -> None:
    date_group = area.get_by_role("group", name="Date", exact=True)
    date_group.get_by_label("Day").fill(str(day.day))
    date_group.get_by_label("Month").fill(str(day.month))
    date_group.get_by_label("Year").fill(str(day.year))
    area.get_by_label("Start time").fill(starts)
    area.get_by_label("End time").fill(ends)
    # Leaving the last box is what fires its change event.
    area.get_by_label("End time").press("Tab")


def _fill_about(page: Page, purpose: str = PURPOSE) -> None:
    page.get_by_label("Case reference").fill(CASE)
    page.get_by_label("Where").select_option(label="Family home")
    page.get_by_label("What is the visit or meeting for?").fill(purpose)
    consent = page.get_by_role("group", name="Has the family agreed to a second worker coming?")
    consent.get_by_label("Yes").check()


def _choose(page: Page) -> None:
    page.get_by_role("group", name="Who do you want to ask?").get_by_label("Mina Mentor").check()
    page.get_by_role("group", name="What is it for?").get_by_label("Home visit").check()


def _free_check_urls(page: Page) -> list[str]:
    """Collects the address of every free-check request the page makes."""
    urls: list[str] = []
    page.on(
        "request", lambda request: urls.append(request.url) if "/new/check" in request.url else None
    )
    return urls


def _ask(page: Page, audit, htmx: bool, p: str) -> tuple[int, list[str]]:
    """The NQSW asks for a home visit from the navigation; returns its id and audit failures."""
    day = _the_day()
    check_urls = _free_check_urls(page)
    _nav(page, "Ask for support")
    expect_heading(page, "Ask for support")
    expect(page.locator("#free-check")).to_have_text(
        "Choose a mentor, a date and times to see whether they are free."
    )
    failures = audit(page, f"{p}ask-empty")
    if htmx:
        set_marker(page)

    _choose(page)
    _fill_when(page, day, "10:00", "11:00")
    if htmx:
        expect(page.locator("#free-check")).to_have_text(
            re.compile(
                rf"Mina Mentor is free\s+for a home visit on {long_date(day)} at 10:00am"
                r" to 11:00am\."
            )
        )
        assert page.evaluate("window.__marker") == MARKER, "the free check loaded a whole page"
        failures += audit(page, "ask-free-check")
    _fill_about(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Send request").click()

    expect_heading(page, f"Home visit on {long_date(day)} at 10:00am")
    expect(success_banner(page)).to_contain_text("Your request has been sent to Mina Mentor")
    expect(_status(page)).to_have_text("Waiting for an answer")
    when = page.locator(".govuk-summary-list__row", has_text="When").locator("dd")
    expect(when).to_have_text(f"{long_date(day)} at 10:00am to 11:00am")
    expect(page.locator("main")).to_contain_text(CASE)
    failures += audit(page, f"{p}show-requested")
    # The case reference and the purpose never travel in an address.
    assert check_urls if htmx else not check_urls
    for url in check_urls:
        assert "CR-12345" not in url and "referral" not in url and "csrf" not in url, url
    request_id = int(re.search(r"/requests/(\d+)$", page.url).group(1))
    return request_id, failures


def _accept(page: Page, audit, request_id: int, htmx: bool, p: str) -> list[str]:
    """The mentor accepts from the inbox."""
    _nav(page, "Requests")
    expect_heading(page, "Requests")
    card = page.locator(f"#request-{request_id}")
    expect(_status(card)).to_have_text("Waiting for an answer")
    failures = audit(page, f"{p}inbox")
    if htmx:
        set_marker(page)
    press(page, card.get_by_role("button", name="Accept home visit with Nia Newly"), htmx)
    if htmx:
        message = card.locator("[role=status]")
        expect(message).to_have_text("Accepted: it is in your diary")
        expect(message).to_be_focused()
        assert page.evaluate("window.__marker") == MARKER, "accepting loaded a whole page"
    else:
        assert "/inbox?from=" in page.url, page.url  # the week that shows it
        expect(success_banner(page)).to_contain_text("Accepted: it is in your diary")
    expect(_status(card)).to_have_text("Accepted")
    expect(card.get_by_role("button", name=re.compile("^Accept"))).to_have_count(0)
    # The headings around the card agree with it.
    expect(page.get_by_role("heading", name=re.compile(r"^Waiting for your answer"))).to_have_text(
        "Waiting for your answer (0)"
    )
    expect(page.locator("#agreed-note")).to_have_text("Nothing else agreed yet." if htmx else "")
    expect(page.locator(".app-request-card")).to_have_count(1)
    failures += audit(page, f"{p}inbox-accepted")
    return failures


def _pages_everyone_has(page: Page, audit, who: str) -> list[str]:
    """Notifications and the calendar address page."""
    _nav(page, re.compile(r"^Notifications"))
    expect_heading(page, "Notifications")
    failures = audit(page, f"{who}-notifications")
    page.goto("/account/calendar")
    expect_heading(page, "Your calendar address")
    failures += audit(page, f"{who}-calendar-address")
    return failures


@pytest.mark.browser
@MODES
def test_an_nqsw_asks_and_the_mentor_accepts(browse, audit, options):
    found = _people()
    htmx = not options
    check = audit if options.get("javascript", True) else unchecked
    p = "" if htmx else "nojs-"
    day = _the_day()

    nqsw = browse(**options)
    sign_in(nqsw, found["nqsw"])
    request_id, failures = _ask(nqsw, check, htmx, p)

    mentor = browse(**options)
    sign_in(mentor, found["mentor"])
    failures += _accept(mentor, check, request_id, htmx, p)
    mentor.goto(f"/mentors/{found['mentor_id']}/diary?week={week_of(day).isoformat()}")
    expect(diary_day(mentor, day)).to_contain_text("10:00 to 11:00: home visit")
    failures += check(mentor, f"{p}diary")
    failures += _pages_everyone_has(mentor, check, f"{p}mentor")

    _nav(nqsw, "My requests")
    expect_heading(nqsw, "My requests")
    row = nqsw.locator("tbody tr", has_text=f"{long_date(day)} at 10:00am")
    expect(row).to_contain_text("Home visit")
    expect(row.locator(".govuk-tag")).to_have_text("Accepted")
    failures += check(nqsw, f"{p}my-requests")
    row.get_by_role("link").click()
    expect(_status(nqsw)).to_have_text("Accepted")
    failures += check(nqsw, f"{p}show-accepted")
    with nqsw.expect_download() as downloading:
        nqsw.get_by_role("link", name="Add to your calendar (.ics file)").click()
    calendar = icalendar.Calendar.from_ical(Path(downloading.value.path()).read_bytes())
    (event,) = calendar.walk("VEVENT")
    assert str(event["SUMMARY"]) == "Home visit with Mina Mentor (Alongside)"
    assert CASE not in str(event["SUMMARY"])
    assert event.decoded("DTSTART") == datetime.combine(day, time(10), tzinfo=zone())
    assert str(event["STATUS"]) == "CONFIRMED"
    failures += _pages_everyone_has(nqsw, check, f"{p}nqsw")

    manager = browse(**options)
    sign_in(manager, found["manager"])
    _nav(manager, "Planned support")
    manager.goto(f"/planned-support?week={week_of(day).isoformat()}")
    expect_heading(manager, "Planned support")
    planned = manager.locator("#planned-results tbody tr")
    expect(planned).to_have_count(1)
    expect(planned).to_contain_text(re.compile(r"Nia Newly\s+Mina Mentor\s+Home visit\s+Accepted"))
    failures += check(manager, f"{p}planned-support")
    assert_clean(failures)


@pytest.mark.browser
@MODES
def test_the_mentor_offers_another_time_and_the_nqsw_takes_it(browse, audit, options):
    found = _people()
    request_id = _asked(found)
    check = audit if options.get("javascript", True) else unchecked
    p = "" if not options else "nojs-"
    day = _the_day()

    mentor = browse(**options)
    sign_in(mentor, found["mentor"])
    _nav(mentor, "Requests")
    mentor.locator(f"#request-{request_id}").get_by_role(
        "link", name=re.compile("^Home visit")
    ).click()
    expect_heading(mentor, f"Home visit on {long_date(day)} at 10:00am")
    failures = check(mentor, f"{p}show-mentor-requested")

    mentor.get_by_role("link", name="Pass to another mentor").click()
    expect(mentor.locator("h1")).to_have_text("Who should have this request?")
    expect(mentor.get_by_label("Omar Othermentor")).to_be_visible()
    failures += check(mentor, f"{p}hand-over")
    mentor.get_by_role("link", name="Back to the request").click()

    mentor.get_by_role("link", name="Decline", exact=True).click()
    expect_heading(mentor, f"Decline: home visit on {long_date(day)} at 10:00am")
    failures += check(mentor, f"{p}decline")
    mentor.get_by_role("link", name="Back to the request").click()

    mentor.get_by_role("link", name="Offer another time").click()
    expect_heading(mentor, "Offer another time")
    failures += check(mentor, f"{p}propose")
    _fill_when(mentor, day, "14:00", "15:00")
    mentor.get_by_role("button", name="Offer this time").click()
    expect(success_banner(mentor)).to_contain_text("The other time has been offered")
    expect(_status(mentor)).to_have_text("Another time offered")
    offered = mentor.locator(".govuk-summary-list__row", has_text="Time offered instead")
    expect(offered.locator("dd")).to_have_text(f"{long_date(day)} at 2:00pm to 3:00pm")
    failures += check(mentor, f"{p}show-mentor-offered")

    nqsw = browse(**options)
    sign_in(nqsw, found["nqsw"])
    _nav(nqsw, "My requests")
    row = nqsw.locator("tbody tr", has_text=f"{long_date(day)} at 10:00am")
    expect(row.locator(".govuk-tag")).to_have_text("Another time offered")
    row.get_by_role("link").click()
    expect(_status(nqsw)).to_have_text("Another time offered")
    expect(nqsw.get_by_role("button", name="Turn down the offered time")).to_be_visible()
    failures += check(nqsw, f"{p}show-offered")
    nqsw.get_by_role("button", name="Take the offered time").click()

    expect(success_banner(nqsw)).to_contain_text("You have taken the offered time")
    expect(_status(nqsw)).to_have_text("Accepted")
    when = nqsw.locator(".govuk-summary-list__row", has_text="When")
    expect(when.locator("dd")).to_have_text(f"{long_date(day)} at 2:00pm to 3:00pm")
    expect(nqsw.get_by_role("button", name="Take the offered time")).to_have_count(0)
    failures += check(nqsw, f"{p}show-taken")
    stored = _stored(request_id)
    assert stored.status == "accepted"
    assert stored.starts_at == datetime.combine(day, time(14), tzinfo=zone())
    assert stored.proposed_starts_at is None
    assert_clean(failures)


@pytest.mark.browser
@MODES
def test_a_name_and_postcode_in_the_purpose_are_refused(browse, audit, options):
    found = _people()
    htmx = not options
    check = audit if options.get("javascript", True) else unchecked
    day = _the_day()
    page = browse(**options)
    sign_in(page, found["nqsw"])
    page.goto("/requests/new")

    _choose(page)
    _fill_when(page, day, "10:00", "11:00")
    _fill_about(page, purpose="Visit Mrs Smith at E1 6AN")
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Send request").click()

    assert navigation.value.status == 422
    expect(page).to_have_title(re.compile(r"^Error: Ask for support"))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text(
        "This looks like it contains a person's name and a postcode. Remove it"
    )
    if htmx:
        expect(summary).to_be_focused()
    purpose = page.get_by_label("What is the visit or meeting for?")
    expect(purpose).to_have_value("Visit Mrs Smith at E1 6AN")
    expect(page.locator("#purpose-error")).to_contain_text("a person's name and a postcode")
    expect(page.get_by_label("Case reference")).to_have_value(CASE)
    expect(page.get_by_label("Start time")).to_have_value("10:00")
    expect(page.get_by_label("End time")).to_have_value("11:00")
    expect(page.get_by_role("group", name="Date", exact=True).get_by_label("Day")).to_have_value(
        str(day.day)
    )
    expect(page.get_by_label("Mina Mentor")).to_be_checked()
    expect(page.get_by_label("Home visit")).to_be_checked()
    failures = check(page, f"{'' if htmx else 'nojs-'}ask-errors")
    assert db.session.scalar(select(SupportRequest.id)) is None
    db.session.commit()
    if htmx:
        # The summary's link leads to the field to put right.
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        expect(purpose).to_be_focused()
    assert_clean(failures)


@pytest.mark.browser
@MODES
def test_the_case_reference_hint_and_error_give_the_councils_example(browse, audit, options):
    found = _people()
    htmx = not options
    check = audit if options.get("javascript", True) else unchecked
    page = browse(**options)
    sign_in(page, found["nqsw"])
    page.goto("/requests/new")
    reference = page.get_by_label("Case reference")
    expect(page.locator("#case_reference-hint")).to_contain_text("for example CR-4417")
    expect(reference).to_have_attribute("aria-describedby", re.compile("case_reference-hint"))

    _choose(page)
    _fill_when(page, _the_day(), "10:00", "11:00")
    _fill_about(page)
    reference.fill("CR 4417")
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Send request").click()

    assert navigation.value.status == 422
    wanted = "Enter a case reference in the same format as CR-4417"
    expect(page.locator(".govuk-error-summary")).to_contain_text(wanted)
    expect(page.locator("#case_reference-error")).to_contain_text(wanted)
    expect(page.get_by_label("Case reference")).to_have_value("CR 4417")
    if htmx:
        expect(page.locator(".govuk-error-summary")).to_be_focused()
    failures = check(page, f"{'' if htmx else 'nojs-'}ask-case-reference-error")
    assert db.session.scalar(select(SupportRequest.id)) is None
    db.session.commit()
    assert_clean(failures)
