"""Observations in Chromium: the mentor writes and shares one after a visit, the NQSW reflects,
agrees an action and signs, the mentor signs and adds an addendum, the practice manager sees a
summary and the NQSW prints the portfolio; in place with htmx where JavaScript runs."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import select

from nqsw_visits.core import clock
from nqsw_visits.core.clock import zone
from nqsw_visits.core.extensions import db
from nqsw_visits.observations.models import Classification, Standard
from nqsw_visits.people.models import Role
from nqsw_visits.support_requests.models import SupportRequest
from tests.browser.journeys import (
    MARKER,
    assert_clean,
    expect_heading,
    long_date,
    press,
    set_marker,
    sign_in,
    success_banner,
    unchecked,
)
from tests.factories import (
    assign_mentor,
    make_completed_request,
    make_manager_of,
    make_shared_observation,
    make_team,
    make_user,
)

CASE = "CR-4417"
ASYE = "Direct observation for the ASYE portfolio"
OBSERVED = "Explained why we had come, then went through the plan point by point."
STRENGTHS = "Calm, clear language throughout."
TO_DEVELOP = "Leave more silence after a question."
LOOK_OUT = "Who else is in the room."
REFLECTION = "I rushed the opening because I was nervous."
DIFFERENTLY = "Slow down and let the parent finish."
ACTION = "Read the chronology before the next visit"
ADDENDUM = "Chronology read together at supervision."
STANDARDS = ["KSS2 Communication", "PCF7 Skills and Interventions"]
SHOTS = Path("/tmp/obs-shots")
MODES = pytest.mark.parametrize(
    "options",
    [{}, {"javascript": False}, {"page_scripts": False}],
    ids=["js", "js-off", "scripts-off"],
)


def _people() -> dict:
    """An NQSW in a team with a manager, their mentor, and a visit they had yesterday."""
    team = make_team(name="Family Support East")
    manager = make_user(Role.PRACTICE_MANAGER, name="Pat Manager", team=team)
    make_manager_of(team, manager)
    mentor = make_user(Role.MENTOR, name="Mina Mentor")
    nqsw = make_user(Role.NQSW, name="Nia Newly", team=team)
    assign_mentor(nqsw, mentor)
    visit = make_completed_request(nqsw, mentor, days_ago=1)
    found = {
        "nqsw": nqsw.email,
        "mentor": mentor.email,
        "manager": manager.email,
        "nqsw_id": nqsw.id,
        "mentor_id": mentor.id,
        "request_id": visit.id,
        "day": long_date(visit.starts_at.astimezone(zone()).date()),
    }
    db.session.commit()
    return found


def _shared(found: dict) -> int:
    """The mentor's observation of the visit, written and shared as the form would; its id."""
    visit = db.session.get(SupportRequest, found["request_id"])
    standards = db.session.scalars(select(Standard.id).where(Standard.code.in_(["PCF7", "KSS2"])))
    observation = make_shared_observation(
        visit,
        classification=Classification.ASYE_DIRECT,
        observed=OBSERVED,
        strengths=STRENGTHS,
        standard_ids=tuple(standards),
    )
    made_id = observation.id
    db.session.commit()  # reading the id began a transaction: end it before the browser acts
    return made_id


def _lines(area: Locator) -> list[str]:
    """The lines of text in an element, sorted (the order is not what is being tested)."""
    return sorted(line.strip() for line in area.inner_text().splitlines() if line.strip())


def _shot(page: Page, name: str, wanted: bool) -> None:
    if wanted:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True, caret="initial")


def _nav(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Menu").get_by_role("link", name=name).click()
    page.wait_for_load_state("load")


def _list_under(page: Page, heading: str) -> Locator:
    """The list that follows a heading on a home page."""
    return page.locator("h3", has_text=heading).locator("xpath=following-sibling::ul[1]")


def _row(area: Page | Locator, key: str) -> Locator:
    """The value in a summary list row, found by its key's exact words."""
    page = area if isinstance(area, Page) else area.page
    key_cell = page.locator("dt", has_text=re.compile(rf"^\s*{re.escape(key)}\s*$"))
    return area.locator(".govuk-summary-list__row", has=key_cell).locator("dd")


def _write(page: Page, check, found: dict, p: str, shots: bool) -> list[str]:
    """From their home, the mentor writes the observation and shares it."""
    expect_heading(page, "Mentoring")
    visit = f"Home visit with Nia Newly, {found['day']}"
    expect(_list_under(page, "Observations to write")).to_have_text(visit)
    failures = check(page, f"{p}mentor-home-to-write")
    _list_under(page, "Observations to write").get_by_role("link", name=visit).click()
    expect_heading(page, "Write an observation")
    page.get_by_role("link", name="Back to the request").click()
    # The request page leads to the same form.
    expect(_row(page, "Status")).to_have_text("Completed")
    failures += check(page, f"{p}request-completed")
    page.get_by_role("link", name="Write the observation").click()

    expect_heading(page, "Write an observation")
    expect(_row(page, "Case reference")).to_have_text(CASE)
    expect(_row(page, "Feedback wanted on")).to_have_text("How I open the conversation")
    kind = page.get_by_role("group", name="What kind of observation is this?")
    expect(kind.get_by_label("Formative (mentor)")).to_be_checked()
    kind.get_by_label(ASYE).check()
    page.get_by_label("What you observed", exact=True).fill(OBSERVED)
    page.get_by_label("Strengths", exact=True).fill(STRENGTHS)
    page.get_by_label("Areas to develop", exact=True).fill(TO_DEVELOP)
    page.get_by_label("What to look out for next time", exact=True).fill(LOOK_OUT)
    seen = page.get_by_role("group", name="Professional standards you saw")
    seen.get_by_label("PCF7 Skills and Interventions").check()
    seen.get_by_label("KSS2 Communication").check()
    case_record = page.get_by_role(
        "group", name="Is there anything that must go on the case record?"
    )
    expect(case_record.get_by_label("No")).to_be_checked()
    failures += check(page, f"{p}mentor-write")
    _shot(page, "mentor-write-form", shots)
    with page.expect_navigation():
        page.get_by_role("button", name="Save and share with the NQSW").click()

    expect(success_banner(page)).to_contain_text("Shared with Nia Newly")
    expect_heading(page, f"Observation: home visit on {found['day']}")
    expect(page.locator(".govuk-caption-l")).to_have_text(ASYE)
    expect(page.get_by_text("Only you can see it until you share it.")).to_have_count(0)
    notes = page.locator(".app-observation-notes")
    expect(_row(notes, "What was observed")).to_have_text(OBSERVED)
    assert _lines(_row(notes, "Standards seen")) == STANDARDS
    failures += check(page, f"{p}mentor-shared")
    return failures


def _reflect_and_agree(page: Page, check, htmx: bool, found: dict, p: str) -> list[str]:
    """From their home, the NQSW opens the observation, reflects and adds an agreed action."""
    _nav(page, "My support")
    waiting = page.locator("main li", has_text="Mina Mentor's observation")
    expect(waiting).to_have_text(
        f"Mina Mentor's observation of your home visit on {found['day']}: add your reflection"
    )
    failures = check(page, f"{p}nqsw-home-waiting")
    waiting.get_by_role("link").click()

    expect_heading(page, f"Observation: home visit on {found['day']}")
    notes = page.locator(".app-observation-notes")
    expect(_row(notes, "What was observed")).to_have_text(OBSERVED)
    expect(_row(notes, "Areas to develop")).to_have_text(TO_DEVELOP)
    expect(_row(notes, "Kind of observation")).to_have_text(ASYE)
    # Signing waits for the reflection.
    expect(page.locator("#sign-off")).to_contain_text("Add your reflection, then you can sign.")
    expect(page.get_by_role("button", name="Sign the observation")).to_have_count(0)
    failures += check(page, f"{p}nqsw-record")
    page.get_by_label("Your reflection on the feedback").fill(REFLECTION)
    page.get_by_label("What you will do differently").fill(DIFFERENTLY)
    with page.expect_navigation():
        page.get_by_role("button", name="Save your reflection").click()
    expect(success_banner(page)).to_contain_text("Reflection saved")
    expect(page.get_by_label("Your reflection on the feedback")).to_have_value(REFLECTION)
    failures += check(page, f"{p}nqsw-reflected")

    due = clock.today() + timedelta(days=30)
    if htmx:
        set_marker(page)
    actions = page.locator("#actions")
    expect(actions).to_contain_text("No actions agreed yet.")
    actions.get_by_text("Add an agreed action").click()
    actions.get_by_label("What was agreed").fill(ACTION)
    actions.get_by_role("group", name="Who will do it").get_by_label("The NQSW").check()
    by_when = actions.get_by_role("group", name="By when")
    by_when.get_by_label("Day").fill(str(due.day))
    by_when.get_by_label("Month").fill(str(due.month))
    by_when.get_by_label("Year").fill(str(due.year))
    press(page, actions.get_by_role("button", name="Add the action"), htmx)
    if htmx:
        banner = actions.locator("[role=status]")
        expect(banner).to_contain_text("Action added")
        expect(banner).to_be_focused()
        assert page.evaluate("window.__marker") == MARKER, "adding an action loaded a whole page"
    else:
        assert page.url.endswith("#actions"), page.url
        expect(success_banner(page)).to_contain_text("Action added")
    row = actions.locator("tbody tr")
    expect(row).to_have_count(1)
    expect(row.locator("td")).to_have_text(
        [ACTION, "Nia Newly", long_date(due), re.compile(r"^\s*Open\s")]
    )
    expect(
        actions.get_by_role("button", name=re.compile(rf"^Mark as done ?: {ACTION}$"))
    ).to_be_visible()
    failures += check(page, f"{p}nqsw-action-added")
    return failures


def _nqsw_signs(page: Page, check, htmx: bool, p: str, shots: bool) -> list[str]:
    sign_off = page.locator("#sign-off")
    expect(_row(sign_off, "Newly qualified social worker")).to_have_text("Not signed yet")
    if htmx:
        set_marker(page)
    press(page, sign_off.get_by_role("button", name="Sign the observation"), htmx)
    banner = sign_off.locator("[role=status]") if htmx else success_banner(page)
    expect(banner.locator(".govuk-notification-banner__heading")).to_have_text("Signed")
    if htmx:
        expect(banner).to_be_focused()
        assert page.evaluate("window.__marker") == MARKER, "signing loaded a whole page"
    expect(_row(sign_off, "Newly qualified social worker")).to_have_text(
        re.compile(r"^Signed by Nia Newly on \d+ \w+ \d{4} at \d+:\d\d[ap]m$")
    )
    expect(_row(sign_off, "Mentor")).to_have_text("Not signed yet")
    expect(sign_off.get_by_role("button", name="Sign the observation")).to_have_count(0)
    failures = check(page, f"{p}nqsw-signed")
    _shot(page, "nqsw-record-signed", shots)
    return failures


def _mentor_signs_and_adds(page: Page, check, htmx: bool, found: dict, p: str) -> list[str]:
    """From their home, the mentor signs (which locks the record) and adds an addendum."""
    _nav(page, "Mentoring")
    expect(page.get_by_role("heading", name="Observations to write")).to_have_count(0)
    to_sign = _list_under(page, "Observations to sign")
    expect(to_sign).to_have_text(
        f"Home visit with Nia Newly, {found['day']} (Nia Newly has signed)"
    )
    failures = check(page, f"{p}mentor-home-to-sign")
    to_sign.get_by_role("link").click()

    expect(_row(page.locator("#reflection-section"), "Reflection")).to_have_text(REFLECTION)
    expect(page.locator("#actions tbody tr")).to_contain_text(ACTION)
    expect(page.locator("#sign-off")).to_contain_text(
        "Nia Newly has signed, so your signature locks it."
    )
    # Signing last locks the whole record, so the whole page is loaded again.
    press(page, page.get_by_role("button", name="Sign the observation"), False)
    expect(success_banner(page)).to_contain_text("Signed: the record is now locked")
    expect(page.locator(".govuk-tag", has_text="Signed and locked")).to_be_visible()
    sign_off = page.locator("#sign-off")
    expect(_row(sign_off, "Mentor")).to_have_text(re.compile(r"^Signed by Mina Mentor on "))
    expect(sign_off).to_contain_text("Both of you have signed, so the record is locked.")
    expect(page.get_by_role("link", name="Change the observation")).to_have_count(0)
    expect(page.get_by_text("Add an agreed action")).to_have_count(0)
    addenda = page.locator("#addenda")
    expect(addenda).to_contain_text("No addenda.")
    failures += check(page, f"{p}mentor-locked")

    if htmx:
        set_marker(page)
    addenda.get_by_label("Addendum", exact=True).fill(ADDENDUM)
    press(page, addenda.get_by_role("button", name="Add the addendum"), htmx)
    if htmx:
        banner = addenda.locator("[role=status]")
        expect(banner).to_contain_text("Addendum added")
        expect(banner).to_be_focused()
        assert page.evaluate("window.__marker") == MARKER, "adding an addendum loaded a whole page"
    else:
        expect(success_banner(page)).to_contain_text("Addendum added")
    note = addenda.locator(".govuk-inset-text")
    expect(note).to_have_count(1)
    expect(note).to_contain_text(re.compile(r"^\s*Mina Mentor, \d+ \w+ \d{4} at "))
    expect(note).to_contain_text(ADDENDUM)
    expect(addenda.get_by_label("Addendum", exact=True)).to_have_value("")
    failures += check(page, f"{p}mentor-addendum")
    return failures


PRIVATE = (OBSERVED, STRENGTHS, TO_DEVELOP, REFLECTION, DIFFERENTLY, ADDENDUM, CASE)


def _manager_looks(page: Page, check, found: dict, p: str, shots: bool) -> list[str]:
    """The practice manager reads the NQSW's progress and the observation's summary."""
    expect_heading(page, "My team")
    page.get_by_role("link", name=re.compile(r"^Nia Newly ?: progress$")).click()
    expect_heading(page, "Progress")
    expect(page.locator(".govuk-caption-l")).to_have_text("Nia Newly, Family Support East")
    expect(page.locator(".app-figure")).to_contain_text(
        re.compile(r"^\s*1 of 3\s+direct observations for the ASYE signed\s*$")
    )
    by_kind = page.get_by_role("table", name="Observations by kind")
    expect(by_kind.get_by_role("row", name=ASYE)).to_have_text(re.compile(rf"^\s*{ASYE}\s*1\s*$"))
    listed = page.get_by_role("table", name="Observations, newest first").locator("tbody tr")
    expect(listed).to_have_count(1)
    expect(listed.locator("td")).to_have_text(
        [found["day"], "Home visit", ASYE, "Mina Mentor", "Signed"]
    )
    evidenced = page.locator("h2", has_text="Standards evidenced").locator("xpath=../ul")
    expect(evidenced).to_contain_text("PCF7 Skills and Interventions")
    expect(evidenced).to_contain_text("KSS2 Communication")
    not_seen = page.locator("h2", has_text="Not yet seen").locator("xpath=../ul")
    expect(not_seen).to_contain_text("PCF1 Professionalism")
    expect(not_seen).not_to_contain_text("PCF7")
    open_actions = page.get_by_role("table", name="Actions not yet done, soonest first")
    expect(open_actions.locator("tbody tr")).to_have_text(re.compile(rf"^\s*{ACTION}\s*Nia Newly"))
    for text in PRIVATE:
        expect(page.locator("main")).not_to_contain_text(text)
    failures = check(page, f"{p}manager-progress")
    _shot(page, "progress", shots)

    listed.get_by_role("link", name=found["day"]).click()
    expect_heading(page, f"Observation: home visit on {found['day']}")
    expect(page.locator(".govuk-tag", has_text="Signed and locked")).to_be_visible()
    expect(_row(page, "Kind of observation")).to_have_text(ASYE)
    expect(_row(page, "Signed")).to_have_text("By both")
    expect(page.locator("main")).to_contain_text("Nia Newly has not shared the full text")
    expect(page.locator("#actions tbody tr")).to_contain_text(ACTION)
    expect(page.get_by_role("button", name=re.compile("^Mark as done"))).to_have_count(0)
    expect(page.locator("#sign-off p")).to_have_text("Both have signed, so the record is locked.")
    for text in PRIVATE:
        expect(page.locator("main")).not_to_contain_text(text)
    assert CASE not in page.content()
    failures += check(page, f"{p}manager-summary")
    _shot(page, "manager-summary", shots)
    return failures


def _portfolio(page: Page, check, p: str, shots: bool) -> list[str]:
    """The NQSW follows their progress to the portfolio's print view."""
    _nav(page, "My support")
    page.get_by_role("link", name="Your progress and observations").click()
    expect_heading(page, "Your progress")
    expect(page.locator(".app-figure")).to_contain_text("1 of 3")
    failures = check(page, f"{p}nqsw-progress")
    page.get_by_role("link", name="Print your signed observations for your portfolio").click()

    expect_heading(page, "Signed observations for your portfolio")
    entry = page.locator(".app-portfolio-entry")
    expect(entry).to_have_count(1)
    for text in (OBSERVED, STRENGTHS, TO_DEVELOP, REFLECTION, DIFFERENTLY, ACTION, ADDENDUM):
        expect(entry).to_contain_text(text)
    signed = entry.locator("h3", has_text="Signed").locator("xpath=following-sibling::p[1]")
    expect(signed).to_have_text(
        re.compile(
            r"^Mina Mentor \(mentor\), \d+ \w+ \d{4} at \d+:\d\d[ap]m\s*"
            r"Nia Newly \(newly qualified social worker\), \d+ \w+ \d{4} at \d+:\d\d[ap]m$"
        )
    )
    expect(page.get_by_text("not yet signed by both of you")).to_have_count(0)
    assert CASE not in page.content()
    failures += check(page, f"{p}portfolio")

    page.emulate_media(media="print")
    for hidden in ("header", ".govuk-service-navigation", ".govuk-footer", ".govuk-back-link"):
        expect(page.locator(hidden)).to_be_hidden()
    expect(page.locator("h1")).to_be_hidden()
    expect(entry).to_be_visible()
    expect(entry.locator("h2")).to_be_visible()
    _shot(page, "portfolio-print", shots)
    failures += check(page, f"{p}portfolio-printed")
    page.emulate_media(media="screen")
    expect(page.locator(".govuk-service-navigation")).to_be_visible()
    return failures


@pytest.mark.browser
@MODES
def test_an_observation_from_writing_to_the_portfolio(browse, audit, options):
    found = _people()
    htmx = not options
    check = audit if options.get("javascript", True) else unchecked
    p = "" if htmx else "nojs-"

    mentor = browse(**options)
    sign_in(mentor, found["mentor"])
    failures = _write(mentor, check, found, p, htmx)

    nqsw = browse(**options)
    sign_in(nqsw, found["nqsw"])
    failures += _reflect_and_agree(nqsw, check, htmx, found, p)
    failures += _nqsw_signs(nqsw, check, htmx, p, htmx)

    failures += _mentor_signs_and_adds(mentor, check, htmx, found, p)

    manager = browse(**options)
    sign_in(manager, found["manager"])
    failures += _manager_looks(manager, check, found, p, htmx)

    failures += _portfolio(nqsw, check, p, htmx)
    assert_clean(failures)


@pytest.mark.browser
@MODES
def test_the_nqsw_shares_the_full_record_with_their_manager(browse, audit, options):
    found = _people()
    observation_id = _shared(found)
    check = audit if options.get("javascript", True) else unchecked
    p = "" if not options else "nojs-"
    url = f"/observations/{observation_id}"

    manager = browse(**options)
    sign_in(manager, found["manager"])
    manager.goto(url)
    expect(manager.locator("main")).not_to_contain_text(OBSERVED)
    expect(manager.locator("main")).to_contain_text("Nia Newly has not shared the full text")
    failures = check(manager, f"{p}manager-summary-unsigned")

    nqsw = browse(**options)
    sign_in(nqsw, found["nqsw"])
    nqsw.goto(url)
    sharing = nqsw.locator("#sharing")
    expect(sharing).to_contain_text("Your practice manager sees the summary only")
    with nqsw.expect_navigation():
        sharing.get_by_role("button", name="Share the full record with my practice manager").click()
    expect(success_banner(nqsw)).to_contain_text("Your practice manager can read the record")
    expect(sharing).to_contain_text("Your practice manager can read the whole record.")
    failures += check(nqsw, f"{p}nqsw-shared-with-manager")

    manager.reload()
    expect(_row(manager.locator(".app-observation-notes"), "What was observed")).to_have_text(
        OBSERVED
    )
    expect(manager.locator("main")).to_contain_text(CASE)
    # The manager reads it but is not a party: nothing to sign, reflect on or add.
    expect(manager.get_by_role("button", name="Sign the observation")).to_have_count(0)
    expect(manager.get_by_text("Add an agreed action")).to_have_count(0)
    expect(manager.get_by_label("Your reflection on the feedback")).to_have_count(0)
    failures += check(manager, f"{p}manager-full-record")

    with nqsw.expect_navigation():
        sharing.get_by_role("button", name="Stop sharing the full record").click()
    expect(success_banner(nqsw)).to_contain_text("Only you and your mentor can read the record")
    manager.reload()
    expect(manager.locator("main")).not_to_contain_text(OBSERVED)
    assert_clean(failures)
