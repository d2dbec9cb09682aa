"""Long lists in a browser: GOV.UK page links that work with and without JavaScript, and axe."""

import pytest
from playwright.sync_api import expect

from nqsw_visits.core.extensions import db
from nqsw_visits.people.models import AuditEvent, Role, User, UserRole
from tests.browser.journeys import sign_in
from tests.factories import make_team, make_user

MODES = pytest.mark.parametrize("page_scripts", [True, False], ids=["js", "scripts-off"])
COLLEAGUES = 60  # more than one page of people (50)


def _many_people() -> str:
    """An administrator and enough colleagues and audit rows for two pages; their email."""
    admin = make_user(Role.ADMIN, name="Admin")
    team = make_team()
    email = admin.email
    for number in range(1, COLLEAGUES + 1):
        db.session.add(
            User(
                email=f"colleague{number}@example.org",
                display_name=f"Colleague {number:03d}",
                password_hash=admin.password_hash,
                team=team,
                role_rows=[UserRole(role=(Role.MENTOR if number % 2 else Role.NQSW).value)],
            )
        )
        db.session.add(AuditEvent(action="user.created", actor_id=admin.id))
    db.session.commit()  # ends the test's transaction: the live server then signs in freely
    return email


@pytest.mark.browser
@MODES
def test_people_and_activity_come_a_page_at_a_time(browse, audit, page_scripts):
    email = _many_people()
    page = browse(page_scripts=page_scripts)
    sign_in(page, email)
    failures = []

    page.goto("/admin/people")
    pages = page.get_by_role("navigation", name="Pages of people")
    expect(page.locator("#people-count")).to_have_text("1 to 50 of 61 people found")
    failures += audit(page, "people-page-1")
    pages.get_by_role("link", name="Next page").click()
    page.wait_for_load_state("load")
    assert page.url.endswith("/admin/people?page=2")
    expect(page.locator("#people-count")).to_have_text("51 to 61 of 61 people found")
    expect(page.get_by_role("link", name="Colleague 060")).to_be_visible()
    failures += audit(page, "people-page-2")

    page.goto("/admin/activity")
    expect(page.get_by_text("Showing 1 to 50 of")).to_be_visible()
    page.get_by_role("navigation", name="Pages of activity").get_by_role(
        "link", name="Page 2"
    ).click()
    page.wait_for_load_state("load")
    assert page.url.endswith("/admin/activity?page=2")
    failures += audit(page, "activity-page-2")
    assert not failures, "\n".join(failures)


@pytest.mark.browser
def test_a_filter_swapped_in_place_keeps_itself_in_the_page_links(browse, audit):
    email = _many_people()
    page = browse(page_scripts=True)
    sign_in(page, email)
    page.goto("/admin/people")
    page.get_by_label("Name or email").fill("colleague")
    page.get_by_label("Name or email").press("Enter")
    expect(page.locator("#people-count")).to_have_text("1 to 50 of 60 people found")
    next_page = page.get_by_role("navigation", name="Pages of people").get_by_role(
        "link", name="Next page"
    )
    expect(next_page).to_have_attribute(
        "href", "/admin/people?q=colleague&role=&status=active&page=2"
    )
    failures = audit(page, "people-filtered")
    next_page.click()
    page.wait_for_load_state("load")
    expect(page.locator("#people-count")).to_have_text("51 to 60 of 60 people found")
    expect(page.get_by_label("Name or email")).to_have_value("colleague")
    assert not failures, "\n".join(failures)
