"""In Chromium, with and without JavaScript: a mentor told that a locked record cannot change,
the Mentor filter on planned support, and free times week by week."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from nqsw_visits.availability.week import week_of
from nqsw_visits.core import clock
from nqsw_visits.core.extensions import db
from nqsw_visits.observations import rules as observations
from nqsw_visits.people.models import Role
from tests.browser.journeys import (
    MARKER,
    assert_clean,
    expect_heading,
    set_marker,
    sign_in,
    unchecked,
)
from tests.browser.test_availability import _mentor_with_an_nqsw
from tests.factories import (
    assign_mentor,
    make_completed_request,
    make_manager_of,
    make_shared_observation,
    make_team,
    make_user,
)

MODES = pytest.mark.parametrize("options", [{}, {"javascript": False}], ids=["js", "js-off"])
REFUSAL = "This observation is signed and locked. Add an addendum instead."


def _in_place(options: dict) -> bool:
    return options.get("javascript", True)


def _check(options, audit):
    return audit if _in_place(options) else unchecked


@pytest.mark.browser
@MODES
def test_a_mentor_is_told_a_locked_record_cannot_change(browse, audit, problems, options):
    mentor = make_user(Role.MENTOR, name="Mina Mentor")
    nqsw = make_user(Role.NQSW, name="Nia Newly")
    assign_mentor(nqsw, mentor)
    observation = make_shared_observation(make_completed_request(nqsw, mentor), observed="Seen")
    ids, email = (observation.id, observation.request_id), mentor.email
    db.session.commit()
    page = browse(**options)
    sign_in(page, email)
    page.goto(f"/observations/{ids[0]}")
    page.get_by_role("link", name="Change the observation").click()
    page.get_by_label("What you observed", exact=True).fill("Changed while the NQSW signed")
    # Meanwhile both sign, and the record locks.
    observations.reflect(nqsw, observation, "I rushed.", "", clock.now())
    observations.sign(nqsw, observation, clock.now())
    observations.sign(mentor, observation, clock.now())
    db.session.commit()

    in_place = _in_place(options)
    if in_place:
        set_marker(page)
        with page.expect_response(re.compile(r"/observation$")) as answer:
            page.get_by_role("button", name="Save changes").click()
        assert answer.value.status == 409
    else:
        with page.expect_navigation() as answer:
            page.get_by_role("button", name="Save changes").click()
        assert answer.value.status == 409
    banner = page.locator("#observation-form [role=alert]")
    expect(banner).to_contain_text("There is a problem")
    expect(banner).to_contain_text(REFUSAL)
    expect(page.get_by_label("What you observed", exact=True)).to_have_count(0)
    if in_place:
        expect(banner).to_be_focused()
        assert page.evaluate("window.__marker") == MARKER, "the refusal loaded a whole page"
        taken = problems.take()  # the 409 is the answer htmx is set to swap
        assert taken == [f"failed request: 409 POST {page.url}"], taken
    failures = _check(options, audit)(page, "mentor-locked-refusal")
    banner.get_by_role("link", name="Go to the signed record").click()
    page.wait_for_load_state("load")
    expect(page.locator(".govuk-tag", has_text="Signed and locked")).to_be_visible()
    assert_clean(failures)


def _team_with_mentors() -> dict:
    team = make_team(name="Family Support East")
    manager = make_user(Role.PRACTICE_MANAGER, name="Pat Manager", team=team)
    make_manager_of(team, manager)
    grace = make_user(Role.MENTOR, name="Grace Mensah")
    tess = make_user(Role.MENTOR, name="Tess Teammate", team=team)
    amira = make_user(Role.NQSW, name="Amira Hassan", team=team)
    ella = make_user(Role.NQSW, name="Ella Nowak", team=team)
    assign_mentor(amira, grace)
    assign_mentor(ella, tess)
    for nqsw, mentor in ((amira, grace), (ella, tess)):
        make_completed_request(nqsw, mentor, days_ago=-3).status = "accepted"  # ahead, agreed
    found = {"email": manager.email, "tess": tess.id}
    db.session.commit()
    return found


@pytest.mark.browser
@MODES
def test_a_manager_filters_planned_support_by_mentor(browse, audit, options):
    found = _team_with_mentors()
    page = browse(**options)
    sign_in(page, found["email"])
    page.goto("/planned-support")
    expect_heading(page, "Planned support")
    mentor = page.get_by_label("Mentor", exact=True)
    expect(mentor.locator("option")).to_have_text(["All", "Grace Mensah", "Tess Teammate"])
    rows = page.locator("#planned-results tbody tr")
    expect(rows).to_have_count(2)
    failures = _check(options, audit)(page, "planned-support")
    if _in_place(options):
        set_marker(page)
        mentor.select_option(label="Tess Teammate")
    else:
        mentor.select_option(label="Tess Teammate")
        with page.expect_navigation():
            page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(1)
    expect(rows.locator("td").nth(1)).to_have_text("Ella Nowak")
    expect(page).to_have_url(re.compile(rf"[?&]mentor={found['tess']}(&|$)"))
    expect(mentor).to_have_value(str(found["tess"]))
    if _in_place(options):
        assert page.evaluate("window.__marker") == MARKER, "filtering loaded a whole page"
    failures += _check(options, audit)(page, "planned-support-by-mentor")
    assert_clean(failures)


@pytest.mark.browser
@MODES
def test_an_nqsw_moves_through_free_times_week_by_week(browse, audit, options):
    found = _mentor_with_an_nqsw()
    page = browse(**options)
    sign_in(page, found["email"])
    page.goto(f"/mentors/{found['mentor_id']}/slots?duration=60")
    slots = page.locator("#free-slots")
    expect(slots).to_contain_text("in the next two weeks")
    expect(page.get_by_role("link", name=re.compile("^Previous week"))).to_have_count(0)
    failures = _check(options, audit)(page, "free-slots-this-week")
    in_place = _in_place(options)
    for step in range(1, 7):
        monday = week_of(clock.today()) + timedelta(weeks=step)
        if in_place:
            set_marker(page)
            page.get_by_role("link", name=re.compile("^Next week")).click()
        else:
            with page.expect_navigation():
                page.get_by_role("link", name=re.compile("^Next week")).click()
        expect(slots).to_contain_text(f"in the two weeks from {monday:%A %-d %B}")
        expect(page).to_have_url(re.compile(rf"week={monday.isoformat()}"))
        if in_place:
            assert page.evaluate("window.__marker") == MARKER, "the next week loaded a page"
    expect(page.get_by_role("link", name=re.compile("^Next week"))).to_have_count(0)
    failures += _check(options, audit)(page, "free-slots-last-week")
    page.get_by_label("How long, in minutes").select_option("120")
    if not in_place:
        with page.expect_navigation():
            page.get_by_role("button", name="Show free times").click()
    expect(slots).to_contain_text("free for a 120 minute case discussion in the two weeks from")
    page.get_by_role("link", name=re.compile("^Previous week")).click()
    expect(slots).to_contain_text(
        f"in the two weeks from {week_of(clock.today()) + timedelta(weeks=5):%A %-d %B}"
    )
    failures += _check(options, audit)(page, "free-slots-back-a-week")
    assert_clean(failures)
