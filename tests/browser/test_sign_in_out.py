"""Signing in and out in Chromium: each role's home, sign out everywhere, nothing left behind."""

import re
from datetime import time

import pytest
from playwright.sync_api import expect

from nqsw_visits.availability import rules as availability_store
from nqsw_visits.availability.free_time import Limits
from nqsw_visits.availability.week import week_of
from nqsw_visits.core import clock
from nqsw_visits.core.extensions import db
from nqsw_visits.people.models import Role
from tests.browser.journeys import (
    MARKER,
    expect_heading,
    set_marker,
    sign_in,
    sign_out,
    success_banner,
)
from tests.factories import (
    assign_mentor,
    make_completed_request,
    make_manager_of,
    make_shared_observation,
    make_team,
    make_user,
)

HOMES = [
    (Role.NQSW, "/my-support", "My support"),
    (Role.MENTOR, "/mentoring", "Mentoring"),
    (Role.PRACTICE_MANAGER, "/my-team", "My team"),
    (Role.ADMIN, "/admin/", "Administration"),
]


@pytest.mark.browser
@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize(("role", "path", "heading"), HOMES, ids=[r.value for r, _, _ in HOMES])
def test_role_signs_in_lands_home_and_signs_out(browse, role, path, heading, javascript):
    team = make_team()
    user = make_user(role, team=team)
    if role is Role.PRACTICE_MANAGER:
        make_manager_of(team, user)
    email = user.email
    db.session.commit()
    page = browse(javascript=javascript)

    sign_in(page, email)
    assert page.url.endswith(path)
    expect_heading(page, heading)

    sign_out(page)
    assert page.url.endswith("/sign-in")
    expect_heading(page, "Sign in to Alongside")
    expect(success_banner(page)).to_contain_text("You have signed out")
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)

    page.goto(path)
    assert "/sign-in" in page.url, "a signed-out browser still reached the home page"


CASE_REFERENCE = "CR-7391"
NOTES = "Knelt to the child's height at the door"
REFLECTION = "Next time I will explain the plan before we sit down"
# Every key and value the tab's storage holds, for this origin.
STORAGE = """() => ({
  local: Object.fromEntries(Object.keys(localStorage).map(k => [k, localStorage.getItem(k)])),
  session: Object.fromEntries(Object.keys(sessionStorage).map(k => [k, sessionStorage.getItem(k)])),
})"""


def _nqsw_with_a_record() -> dict:
    """An NQSW, their mentor at work on weekdays, and a visit with notes shared with the NQSW."""
    mentor = make_user(Role.MENTOR, name="Mina Mentor")
    nqsw = make_user(Role.NQSW, name="Nia Newly")
    assign_mentor(nqsw, mentor)
    for weekday in range(5):
        availability_store.add_window(
            mentor, mentor, weekday, time(9), time(17), week_of(clock.today())
        )
    availability_store.set_limits(mentor, mentor, Limits(works_bank_holidays=True))
    visit = make_completed_request(nqsw, mentor, case_reference=CASE_REFERENCE)
    observation = make_shared_observation(visit, observed=NOTES)
    found = {
        "email": nqsw.email,
        "mentor": mentor.id,
        "request": visit.id,
        "observation": observation.id,
    }
    db.session.commit()
    return found


def _secrets_in(storage: dict) -> list[str]:
    """Storage keys of htmx's page cache, and entries holding anything from the pages."""
    # htmx's own sessionStorage entry holds only the current path, and no URL here names a case.
    found = [f"{area}: {key}" for area, items in storage.items() for key in items if "cache" in key]
    for area, items in storage.items():
        for key, value in items.items():
            text = f"{key} {value}"
            for secret in (CASE_REFERENCE, NOTES, REFLECTION, "Nia Newly", "Mina Mentor"):
                if secret in text:
                    found.append(f"{area}: {key} holds {secret!r}")
    return found


@pytest.mark.browser
def test_no_page_is_kept_in_browser_storage_after_htmx_pages_and_sign_out(browse):
    """Guards historyCacheSize 0: htmx keeps no copy of a page (case references, notes) in
    localStorage, where the next person on a shared computer could read it."""
    found = _nqsw_with_a_record()
    page = browse()
    sign_in(page, found["email"])

    page.goto(f"/requests/{found['request']}")
    expect(page.get_by_text(CASE_REFERENCE).first).to_be_visible()
    page.goto(f"/observations/{found['observation']}")
    expect(page.get_by_text(NOTES)).to_be_visible()
    page.get_by_label("Your reflection on the feedback").fill(REFLECTION)
    with page.expect_navigation():
        page.get_by_role("button", name="Save your reflection").click()
    expect(success_banner(page)).to_contain_text("Reflection saved")

    # Pages whose address htmx pushes: each push is when htmx would cache the page left.
    page.goto(f"/mentors/{found['mentor']}/slots?duration=60")
    set_marker(page)
    page.get_by_label("How long, in minutes").select_option("90")
    expect(page).to_have_url(re.compile(r"duration=90"))
    before = page.url
    page.get_by_role("link", name=re.compile(r"^Next week")).click()
    expect(page).not_to_have_url(before)
    assert page.evaluate("window.__marker") == MARKER, "the free times loaded as whole pages"
    page.go_back()
    expect(page).to_have_url(before)
    expect_heading(page, "When is Mina Mentor free?")
    assert _secrets_in(page.evaluate(STORAGE)) == []

    sign_out(page)
    expect(success_banner(page)).to_contain_text("You have signed out")
    assert _secrets_in(page.evaluate(STORAGE)) == []


@pytest.mark.browser
@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_sign_out_everywhere_signs_out_the_other_browser(browse, audit, javascript):
    """Sign out everywhere, from the Change password page: this browser and another both end."""
    user = make_user(Role.NQSW)
    email = user.email
    db.session.commit()
    here, there = browse(javascript=javascript), browse()
    sign_in(there, email)
    sign_in(here, email)
    here.get_by_role("link", name="Change password").click()
    expect(here.get_by_text("You are also signed in on 1 other device")).to_be_visible()
    failures = audit(here, "sign-out-everywhere") if javascript else []

    here.get_by_role("button", name="Sign out everywhere").click()
    here.wait_for_load_state("load")

    assert here.url.endswith("/sign-in")
    expect(success_banner(here)).to_contain_text("You have signed out everywhere")
    if javascript:
        failures += audit(here, "signed-out-everywhere")
    there.goto("/my-support")
    assert "/sign-in" in there.url, "the other browser stayed signed in"
    here.goto("/my-support")
    assert "/sign-in" in here.url
    assert failures == []


@pytest.mark.browser
def test_signing_out_says_the_other_browser_stays_signed_in(browse):
    """Signing out here leaves the other browser signed in, and the page says so."""
    user = make_user(Role.NQSW)
    email = user.email
    db.session.commit()
    here, there = browse(), browse()
    sign_in(there, email)
    sign_in(here, email)

    sign_out(here)

    expect(success_banner(here)).to_contain_text("You are still signed in on 1 other device")
    there.goto("/my-support")
    assert there.url.endswith("/my-support")
