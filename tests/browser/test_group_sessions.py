"""Group sessions in Chromium, with JavaScript on and off and axe on every page: a mentor
creates a monthly series with two places and adds a guest from outside; three NQSWs reply
going and the third waits; one drops out and the third moves up; the mentor marks who came
on a phone-sized screen and writes the record; an NQSW finds it on their progress page."""

import re
from datetime import date, datetime, time

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from nqsw_visits.availability import rules as availability_store
from nqsw_visits.availability.free_time import Limits
from nqsw_visits.core import clock
from nqsw_visits.core.extensions import db
from nqsw_visits.group_sessions.models import GroupInvite, GroupSession
from nqsw_visits.people.models import Role
from tests.browser.journeys import (
    MARKER,
    assert_clean,
    expect_heading,
    set_marker,
    sign_in,
    sign_out,
    success_banner,
    unchecked,
)
from tests.factories import make_team, make_user

# "js": JavaScript on; "scripts-off": the app's scripts served empty, so the page is what a
# browser without JavaScript shows and axe still runs; "js-off": JavaScript off altogether.
MODES = pytest.mark.parametrize(
    "mode",
    [
        {"javascript": True, "page_scripts": True},
        {"javascript": True, "page_scripts": False},
        {"javascript": False, "page_scripts": True},
    ],
    ids=["js", "scripts-off", "js-off"],
)
FIRST = date(2027, 1, 14)  # the second Thursday of January, the day after FROZEN_AT
TOPIC = "Giving evidence in court"
PHONE = {"width": 320, "height": 720}
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


def _team() -> dict:
    """Grace, who works 9 to 5 on weekdays, and three NQSWs in one team."""
    team = make_team(name="Family Support East")
    mentor = make_user(Role.MENTOR, name="Grace Mensah")
    for weekday in range(5):
        availability_store.add_window(mentor, mentor, weekday, time(9), time(17), date(2026, 1, 1))
    availability_store.set_limits(mentor, mentor, Limits(max_per_day=10, max_per_week=40))
    nqsws = [
        make_user(Role.NQSW, name=name, team=team)
        for name in ("Amira Hassan", "Ben Carter", "Chloe Okafor")
    ]
    found = {"mentor": mentor.email, "nqsws": [n.email for n in nqsws]}
    found["ids"] = {n.display_name.split()[0]: n.id for n in nqsws}
    db.session.commit()
    return found


def _create_series(page: Page, check) -> list[str]:
    """The mentor creates a monthly series on the second Thursday, 14:00 to 16:00, for three
    months, with two places, inviting the team."""
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Group sessions").click()
    expect_heading(page, "Group sessions")
    failures = check(page, "list-empty")
    page.get_by_role("link", name="Create a monthly series").click()
    expect_heading(page, "Create a monthly series")
    failures += check(page, "series-new")
    page.get_by_label("Topic").fill(TOPIC)
    page.get_by_label("Room or online link").fill("Room 2.14, Mulberry Place")
    page.get_by_label("Places").fill("2")
    page.get_by_role("group", name="Which week of the month?").get_by_label("Second").check()
    page.get_by_role("group", name="Which day?").get_by_label("Thursday").check()
    page.get_by_label("Start time").fill("14:00")
    page.get_by_label("End time").fill("16:00")
    page.get_by_label("First month").select_option(label="January 2027")
    page.get_by_label("For how many months?").select_option("3")
    page.get_by_role("group", name="Teams").get_by_label("Family Support East").check()
    page.get_by_role("button", name="Create the series").click()
    expect(page.locator("h1")).to_have_text("Monthly series created")
    expect(page.locator(".govuk-panel__body")).to_have_text("3 sessions booked")
    dates = page.get_by_role("table", name="Each date")
    expect(dates).to_contain_text("Thursday 14 January 2027")
    expect(dates).to_contain_text("Thursday 11 February 2027")
    expect(dates).to_contain_text("Thursday 11 March 2027")
    failures += check(page, "series-booked")
    page.get_by_role("link", name="Thursday 14 January 2027").click()
    expect_heading(page, TOPIC)
    return failures


def _add_guest(page: Page, check) -> list[str]:
    """A children's guardian from outside, who gets an email invitation and nothing else."""
    running = page.locator("#running")
    running.get_by_label("Name", exact=True).fill("Ruth Adeyemi")
    running.get_by_label("Role (optional)").fill("Children's guardian")
    running.get_by_label("Organisation (optional)").fill("Cafcass")
    running.get_by_label("Email address").fill("ruth.adeyemi@guardians.example")
    running.get_by_role("button", name="Add the guest").click()
    expect(success_banner(page)).to_contain_text("Ruth Adeyemi is invited by email")
    expect(page.locator("#guests + ul")).to_contain_text(
        "Ruth Adeyemi (Children's guardian, Cafcass)"
    )
    return check(page, "session-organiser")


def _reply(page: Page, check, mode: dict, answer: str, said: str, name: str) -> list[str]:
    """From the home page's Reply link (or the session link) to a reply on the session page."""
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="My support").click()
    ahead = page.locator("#group-sessions-ahead")
    expect(ahead).to_contain_text(TOPIC)
    failures = check(page, f"home-{name}")
    january = ahead.locator("li", has_text="14 January 2027")
    reply_link = january.get_by_role("link", name=re.compile("^Reply"))
    if reply_link.count():
        reply_link.click()
    else:
        january.get_by_role("link", name=TOPIC, exact=True).click()
    expect_heading(page, TOPIC)
    in_place = mode["javascript"] and mode["page_scripts"]
    if in_place:
        set_marker(page)
    panel = page.locator("#reply")
    panel.get_by_role("group", name="Will you go?").get_by_label(answer, exact=True).check()
    panel.get_by_role("button", name="Send your reply").click()
    expect(page.locator("#reply")).to_contain_text(said)
    if in_place:
        assert page.evaluate("window.__marker") == MARKER, "the reply loaded a whole new page"
    return failures + check(page, f"replied-{name}")


def _replies(page: Page, check, mode: dict, found: dict) -> list[str]:
    """Amira and Ben take the two places, Chloe waits; Amira drops out and Chloe moves up."""
    amira, ben, chloe = found["nqsws"]
    failures = []
    for email, name in ((amira, "amira"), (ben, "ben")):
        sign_in(page, email)
        failures += _reply(page, check, mode, "Going", "You replied: Going", name)
        sign_out(page)
    sign_in(page, chloe)
    failures += _reply(page, check, mode, "Going", "You are on the waiting list", "chloe")
    sign_out(page)
    sign_in(page, amira)
    failures += _reply(page, check, mode, "Not going", "You replied: Not going", "amira-drops")
    sign_out(page)
    sign_in(page, chloe)
    page.goto("/my-support")
    ahead = page.locator("#group-sessions-ahead")
    expect(ahead.locator("li", has_text="14 January 2027")).to_contain_text("Your reply: Going")
    failures += check(page, "home-chloe-moved-up")
    page.get_by_role("navigation", name="Menu").get_by_role(
        "link", name=re.compile("^Notif")
    ).click()
    expect(page.locator("main")).to_contain_text(f"A place came free: you are now going to {TOPIC}")
    sign_out(page)
    return failures


def _held_session(page: Page):
    """The link to January's session in the list of group sessions."""
    row = page.get_by_role("row", name=re.compile("14 January 2027"))
    return row.get_by_role("link", name=TOPIC, exact=True)


def _mark_who_came(page: Page, check, mode: dict, found: dict) -> list[str]:
    """On a 320 px screen the mentor ticks Ben and Chloe: in place with JavaScript, or with
    one Save without."""
    page.set_viewport_size(PHONE)
    sign_in(page, found["mentor"])
    page.goto("/group-sessions")
    _held_session(page).click()
    expect_heading(page, TOPIC)
    page.get_by_role("link", name="Mark who came").click()
    expect_heading(page, "Who came")
    assert page.evaluate(OVERFLOW) <= 0, "the register scrolls sideways at 320 px"
    failures = check(page, "attendance-320")
    in_place = mode["javascript"] and mode["page_scripts"]
    if in_place:
        set_marker(page)
    for name in ("Ben Carter", "Chloe Okafor"):
        page.get_by_label(name).check()
        if in_place:
            row = page.locator(f"#attendee-{found['ids'][name.split()[0]]}")
            expect(row).to_contain_text("Saved as came")
            failures += check(page, f"attendance-320-ticked-{name.split()[0].lower()}")
    if in_place:
        assert page.evaluate("window.__marker") == MARKER, "a tick loaded a whole new page"
        expect(page.get_by_label("Amira Hassan")).not_to_be_checked()
    page.get_by_role("button", name="Save the register").click()
    expect(success_banner(page)).to_contain_text("Register saved")
    expect(page.get_by_label("Ben Carter")).to_be_checked()
    expect(page.get_by_label("Chloe Okafor")).to_be_checked()
    expect(page.get_by_label("Amira Hassan")).not_to_be_checked()
    assert page.evaluate(OVERFLOW) <= 0, "the register scrolls sideways at 320 px"
    failures += check(page, "attendance-320-saved")
    page.set_viewport_size({"width": 1280, "height": 720})
    return failures


def _write_the_record(page: Page, check) -> list[str]:
    page.get_by_role("link", name="Back to the session").click()
    page.get_by_role("link", name="Write the record").first.click()
    expect_heading(page, "The record of the session")
    failures = check(page, "record")
    page.get_by_label("Notes").fill(
        "We walked through a hearing from arrival to the witness box, and practised answering "
        "only the question asked."
    )
    page.get_by_label("Links to resources (optional)").fill(
        "https://www.example.org/court-guide Preparing to give evidence"
    )
    page.get_by_role("button", name="Save the record").click()
    expect(success_banner(page)).to_contain_text("Record saved")
    expect(page.locator("#record")).to_contain_text("practised answering only the question")
    return failures + check(page, "session-organiser-after")


def _progress(page: Page, check, found: dict) -> list[str]:
    """Ben reads the record, then sees the session and its two hours on his progress page."""
    sign_in(page, found["nqsws"][1])
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Group sessions").click()
    _held_session(page).click()
    expect(page.locator("#record")).to_contain_text("practised answering only the question")
    expect(page.locator("#reply")).to_contain_text("The register says you came")
    failures = check(page, "session-nqsw")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="My support").click()
    page.get_by_role("link", name="Your progress and observations").click()
    expect_heading(page, "Your progress")
    row = page.get_by_role("row", name=re.compile(TOPIC))
    expect(row).to_contain_text("14 January 2027")
    expect(row).to_contain_text("Attended")
    time_row = page.locator(".govuk-summary-list__row", has_text="Development time")
    expect(time_row).to_contain_text("2 hours")
    failures += check(page, "progress")
    row.get_by_role("link", name=TOPIC).click()
    expect_heading(page, TOPIC)
    return failures


@MODES
def test_a_series_with_a_waiting_list_a_register_on_a_phone_and_development_time(
    browse, audit, moment, mode
):
    found = _team()
    prefix = "gs-" if mode["page_scripts"] else "gs-nojs-"
    check = (lambda page, name: audit(page, prefix + name)) if mode["javascript"] else unchecked
    page = browse(**mode)
    sign_in(page, found["mentor"])
    failures = _create_series(page, check)
    failures += _add_guest(page, check)
    sign_out(page)
    failures += _replies(page, check, mode, found)

    # The session has been held.
    moment.move_to(datetime.combine(FIRST, time(16, 20), tzinfo=clock.zone()))
    failures += _mark_who_came(page, check, mode, found)
    failures += _write_the_record(page, check)
    sign_out(page)
    failures += _progress(page, check, found)

    came = dict(
        db.session.execute(
            select(GroupInvite.user_id, GroupInvite.attended)
            .join(GroupSession, GroupSession.id == GroupInvite.session_id)
            .where(GroupSession.starts_at < clock.now())
        ).all()
    )
    db.session.commit()
    ids = found["ids"]
    assert came == {ids["Amira"]: False, ids["Ben"]: True, ids["Chloe"]: True}
    assert_clean(failures)
