"""Mentoring agreements in Chromium: the manager records the start meeting with two focus
cases and books it in the mentor's diary, the mentor and the NQSW confirm it; the NQSW moves
to a team with another manager, who takes it over from their home page, and all confirm."""

import re
from datetime import date, time

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from nqsw_visits.agreements import rules, versions
from nqsw_visits.agreements.models import SupportLevel
from nqsw_visits.availability import rules as availability_store
from nqsw_visits.core import clock
from nqsw_visits.core.extensions import db
from nqsw_visits.people.models import Role, User
from tests.browser.journeys import (
    assert_clean,
    expect_heading,
    sign_in,
    sign_out,
    success_banner,
    unchecked,
)
from tests.factories import assign_mentor, make_manager_of, make_team, make_user

MODES = pytest.mark.parametrize("javascript", [True, False], ids=["js", "js-off"])


def _people() -> dict:
    team = make_team(name="Family Support East")
    manager = make_user(Role.PRACTICE_MANAGER, name="Pat Manager", team=team)
    make_manager_of(team, manager)
    mentor = make_user(Role.MENTOR, name="Mina Mentor")
    nqsw = make_user(Role.NQSW, name="Nia Newly", team=team)
    assign_mentor(nqsw, mentor)
    for weekday in range(5):
        availability_store.add_window(mentor, mentor, weekday, time(9), time(17), date(2026, 1, 1))
    found = {"nqsw": nqsw.email, "mentor": mentor.email, "manager": manager.email}
    db.session.commit()
    return found


def _nav(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Menu").get_by_role("link", name=name).click()
    page.wait_for_load_state("load")


def _start(page: Page, check) -> list[str]:
    _nav(page, "Agreements")
    expect_heading(page, "Mentoring agreements")
    failures = check(page, "agreements-list")
    page.get_by_role("link", name="start an agreement for Nia Newly").click()
    expect_heading(page, "Start a mentoring agreement")
    page.get_by_role("button", name="Save and confirm").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    failures += check(page, "agreement-start-errors")
    page.get_by_label("Mentor", exact=True).select_option(label="Mina Mentor")
    page.get_by_label("Day", exact=True).fill("18")
    page.get_by_label("Month", exact=True).fill("1")
    page.get_by_label("Year", exact=True).fill("2027")
    page.get_by_label("Focus case 1: case reference").fill("CR-1001")
    page.get_by_label("Focus case 1: what the NQSW wants to learn from it").fill("First visits")
    page.get_by_role("group", name="Focus case 1: how will the mentor support it?").get_by_label(
        "Come along to visits, court and meetings"
    ).check()
    page.get_by_label("Focus case 2: case reference").fill("CR-2002")
    page.get_by_role("group", name="Focus case 2: how will the mentor support it?").get_by_label(
        "Talk it through point by point"
    ).check()
    page.get_by_label("Goal 1", exact=True).fill("Plan each visit with a clear purpose")
    page.get_by_role("button", name="Save and confirm").click()
    expect_heading(page, "Mentoring agreement")
    expect(success_banner(page)).to_contain_text("Agreement saved")
    expect(page.locator(".govuk-tag").first).to_have_text("Awaiting confirmation")
    expect(page.get_by_text("3 months: 19 April 2027")).to_be_visible()
    failures += check(page, "agreement-started")
    return failures + _book_start_meeting(page, check)


def _book_start_meeting(page: Page, check) -> list[str]:
    """The start meeting goes in the mentor's diary on Monday 18 January, 10:00 to 11:00."""
    page.get_by_role("link", name="Book the start meeting").click()
    expect_heading(page, "Start meeting")
    page.get_by_role("button", name="Book the start meeting").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the date")
    failures = check(page, "start-meeting-errors")
    page.get_by_label("Day", exact=True).fill("18")
    page.get_by_label("Month", exact=True).fill("1")
    page.get_by_label("Year", exact=True).fill("2027")
    page.get_by_label("Start time").fill("10:00")
    page.get_by_label("End time").fill("11:00")
    page.get_by_role("button", name="Book the start meeting").click()
    expect_heading(page, "Mentoring agreement")
    expect(success_banner(page)).to_contain_text("Start meeting booked")
    expect(page.get_by_text("18 January 2027 at 10:00am to 11:00am")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("Add the start meeting"))).to_be_visible()
    return failures + check(page, "agreement-start-meeting-booked")


def _confirm(page: Page, check, name: str) -> list[str]:
    _nav(page, "Agreements" if name.startswith("mentor") else "My agreement")
    page.get_by_role("link", name="Nia Newly").click()
    failures = check(page, f"agreement-to-confirm-{name}")
    page.get_by_role("button", name="Confirm this agreement").click()
    expect(success_banner(page)).to_be_visible()
    return failures


@MODES
def test_start_confirm_change_and_a_new_manager(browse, audit, javascript):
    found = _people()
    check = audit if javascript else unchecked
    page = browse(javascript=javascript)
    sign_in(page, found["manager"])
    failures = _start(page, check)
    sign_out(page)
    sign_in(page, found["mentor"])
    failures += _confirm(page, check, "mentor")
    sign_out(page)
    sign_in(page, found["nqsw"])
    failures += _confirm(page, check, "nqsw")
    expect(page.locator(".govuk-tag").first).to_have_text("Active")
    failures += check(page, "agreement-active")
    sign_out(page)

    # The NQSW moves to a team with another manager, who takes the agreement over.
    team = make_team(name="Family Support West")
    new_manager = make_user(Role.PRACTICE_MANAGER, name="Quinn Manager", team=team)
    make_manager_of(team, new_manager)
    nqsw = db.session.scalar(select(User).where(User.email == found["nqsw"]))
    nqsw.team = team
    email = new_manager.email
    db.session.commit()
    sign_in(page, found["manager"])
    _nav(page, "Agreements")
    expect(page.get_by_role("link", name="Nia Newly")).to_have_count(0)
    sign_out(page)
    sign_in(page, email)
    expect_heading(page, "My team")
    page.get_by_role("link", name="Take over Nia Newly's mentoring agreement").click()
    failures += check(page, "agreement-to-take-over")
    page.get_by_role("button", name="Take over this agreement").click()
    expect(success_banner(page)).to_contain_text("You are named in version 2")
    expect(page.get_by_text("Practice manager: Quinn Manager (was Pat Manager)")).to_be_visible()
    sign_out(page)
    for who in ("mentor", "nqsw"):
        sign_in(page, found[who])
        failures += _confirm(page, check, f"{who}-version-2")
        sign_out(page)
    sign_in(page, email)
    _nav(page, "Agreements")
    page.get_by_role("link", name="Nia Newly").click()
    expect(page.locator(".govuk-tag").first).to_have_text("Active")
    failures += check(page, "agreement-new-manager")
    page.get_by_role("link", name="Version 1", exact=True).click()
    expect_heading(page, "Version 1 of the mentoring agreement")
    expect(page.get_by_text("CR-2002")).to_be_visible()
    failures += check(page, "agreement-version-1")
    assert_clean(failures)


def _agreed_in_october() -> dict:
    """An agreement confirmed by all three since 20 October: its 3-month review is due."""
    found = _people()
    people = {k: db.session.scalar(select(User).where(User.email == v)) for k, v in found.items()}
    terms = rules.Terms(
        mentor=people["mentor"],
        manager=people["manager"],
        starts_on=date(2026, 10, 20),
        new_focus_cases=[rules.NewFocusCase("CR-1001", "First visits", SupportLevel.ACCOMPANY)],
        new_goals=[rules.NewGoal("Plan visits with a clear purpose")],
    )
    agreement = rules.start(people["manager"], people["nqsw"], terms, clock.now())
    for person in (people["nqsw"], people["mentor"]):
        versions.confirm(person, agreement, 1, clock.now())
    db.session.commit()
    return found


def _open_review(page: Page, link: str) -> None:
    _nav(page, link)
    page.get_by_role("link", name="Nia Newly").click()
    page.get_by_role("link", name=re.compile("the 3-month review")).click()
    expect_heading(page, "3-month review")


@MODES
def test_the_three_month_review_is_written_viewed_and_confirmed(browse, audit, javascript):
    found = _agreed_in_october()
    check = audit if javascript else unchecked
    page = browse(javascript=javascript)
    sign_in(page, found["mentor"])
    _open_review(page, "Agreements")
    failures = check(page, "review-to-write")
    page.get_by_label("Progress on each goal and focus case").fill("Visits are well planned.")
    page.get_by_label("What next").fill("Court statements.")
    page.get_by_label("Progress on the goal: Plan visits").fill("Plans each visit with a purpose.")
    page.get_by_role("button", name="Save the review").click()
    expect(success_banner(page)).to_contain_text("Review saved")
    expect(page.get_by_text("Plans each visit with a purpose.", exact=True)).to_be_visible()
    sign_out(page)
    sign_in(page, found["nqsw"])
    _open_review(page, "My agreement")
    page.get_by_role("button", name="Add my view").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Rate yourself on this goal")
    failures += check(page, "review-view-errors")
    page.get_by_label("Your view").fill("I agree; court work next.")
    page.get_by_label("4: Confident", exact=True).check()
    page.get_by_role("button", name="Add my view").click()
    expect(success_banner(page)).to_contain_text("Your view is added")
    sign_out(page)
    sign_in(page, found["manager"])
    _open_review(page, "Agreements")
    expect(page.get_by_role("cell", name="4: Confident", exact=True)).to_be_visible()
    failures += check(page, "review-to-confirm")
    page.get_by_role("button", name="Confirm this review").click()
    expect(success_banner(page)).to_contain_text("confirmed")
    page.get_by_role("link", name="Back to the agreement").click()
    expect(page.get_by_text("Confirmed", exact=True)).to_be_visible()
    failures += check(page, "agreement-review-confirmed")
    assert_clean(failures)
