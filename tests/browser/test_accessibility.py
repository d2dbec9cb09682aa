"""axe-core (WCAG 2.2 AA) and CSP on every page, each visited as someone who can reach it.

Each test runs twice: with JavaScript on, and with the app's scripts served empty (what
a browser without JavaScript shows; axe itself still needs JavaScript to run).
"""

import pytest
from playwright.sync_api import Page, expect

from nqsw_visits.core.extensions import db
from nqsw_visits.people.models import Role
from tests.browser.journeys import sign_in
from tests.factories import DEFAULT_PASSWORD, make_team_with_people, make_user

MODES = pytest.mark.parametrize("page_scripts", [True, False], ids=["js", "scripts-off"])
BAD_CSV = (
    b"email,name,roles,team\n"
    b"not-an-email,Ann Example,nqsw,Team A\n"
    b"bob@example.org,Bob Example,wizard,Team A\n"
)


def _visit(page: Page, path: str, status: int = 200) -> None:
    response = page.goto(path)
    assert response is not None and response.status == status, f"{path}: {response.status}"


def _submit(page: Page, button: str, status: int = 422) -> None:
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name=button).click()
    assert navigation.value.status == status, f"{page.url}: {navigation.value.status}"


def _assert_clean(failures: list[str]) -> None:
    assert not failures, f"{len(failures)} problem(s):\n" + "\n".join(failures)


def _prefix(page_scripts: bool) -> str:
    return "" if page_scripts else "nojs-"


@pytest.mark.browser
@MODES
def test_public_pages(browse, audit, page_scripts):
    user = make_user(Role.NQSW)
    email = user.email
    db.session.commit()
    page = browse(page_scripts=page_scripts)
    p, failures = _prefix(page_scripts), []

    _visit(page, "/sign-in")
    failures += audit(page, f"{p}sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill("not the password at all")
    _submit(page, "Sign in")
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter a correct email address and password"
    )
    failures += audit(page, f"{p}sign-in-wrong-password")
    _visit(page, "/sign-in")
    _submit(page, "Sign in")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter your email address")
    failures += audit(page, f"{p}sign-in-empty")
    _visit(page, "/accessibility")
    failures += audit(page, f"{p}accessibility")
    _visit(page, "/no-such-page", 404)
    failures += audit(page, f"{p}not-found-signed-out")
    _assert_clean(failures)


@pytest.mark.browser
@MODES
def test_nqsw_mentor_and_manager_pages(browse, audit, page_scripts):
    people = make_team_with_people()
    emails = {
        "nqsw": people["nqsws"][0].email,
        "nqsw-without-mentor": people["nqsws"][-1].email,
        "mentor": people["mentors"][0].email,
        "manager": people["manager"].email,
    }
    db.session.commit()
    p, failures = _prefix(page_scripts), []

    for who, home in [
        ("nqsw", "/my-support"),
        ("nqsw-without-mentor", "/my-support"),
        ("mentor", "/mentoring"),
        ("manager", "/my-team"),
    ]:
        page = browse(page_scripts=page_scripts)
        sign_in(page, emails[who])
        assert page.url.endswith(home)
        failures += audit(page, f"{p}{who}-home")
        if who != "nqsw":
            continue
        _visit(page, "/admin/", 403)
        expect(page.locator("h1")).to_have_text("You do not have access to this page")
        failures += audit(page, f"{p}forbidden")
        _visit(page, "/no-such-page", 404)
        expect(page.locator("h1")).to_have_text("Page not found")
        failures += audit(page, f"{p}not-found")
        _visit(page, "/account/password")
        failures += audit(page, f"{p}change-password")
        page.get_by_label("Current password").fill("wrong")
        page.get_by_label("New password", exact=True).fill("short")
        page.get_by_label("Confirm new password").fill("different")
        _submit(page, "Change password")
        expect(page.locator(".govuk-error-summary")).to_be_visible()
        failures += audit(page, f"{p}change-password-errors")
    _assert_clean(failures)


@pytest.mark.browser
@MODES
def test_admin_pages(browse, audit, page_scripts):
    people = make_team_with_people()
    admin_email = people["admin"].email
    nqsw_id, team_id = people["nqsws"][0].id, people["team"].id
    make_user(Role.NQSW, active=False)
    db.session.commit()
    page = browse(page_scripts=page_scripts)
    p, failures = _prefix(page_scripts), []
    sign_in(page, admin_email, DEFAULT_PASSWORD)
    assert page.url.endswith("/admin/")

    failures += audit(page, f"{p}admin-index")
    for path, name in [
        ("/admin/people", "admin-people"),
        ("/admin/people?status=all", "admin-people-all"),
        ("/admin/people?q=nobody-matches", "admin-people-none"),
        ("/admin/people/new", "admin-person-new"),
        (f"/admin/people/{nqsw_id}", "admin-person-edit"),
        (f"/admin/people/{nqsw_id}/mentors", "admin-person-mentors"),
        (f"/admin/people/{nqsw_id}/password", "admin-person-password"),
        ("/admin/people/import", "admin-import"),
        ("/admin/teams", "admin-teams"),
        (f"/admin/teams/{team_id}", "admin-team-edit"),
    ]:
        _visit(page, path)
        failures += audit(page, f"{p}{name}")

    for path, button, name in [
        ("/admin/people/new", "Add person", "admin-person-new-errors"),
        (f"/admin/people/{nqsw_id}/password", "Set password", "admin-person-password-errors"),
        ("/admin/teams", "Add team", "admin-teams-errors"),
    ]:
        _visit(page, path)
        _submit(page, button)
        expect(page.locator(".govuk-error-summary")).to_be_visible()
        failures += audit(page, f"{p}{name}")

    _visit(page, f"/admin/people/{nqsw_id}")
    page.get_by_label("Full name").fill("")
    _submit(page, "Save changes")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter the person's full name")
    failures += audit(page, f"{p}admin-person-edit-errors")

    _visit(page, "/admin/people/import")
    page.get_by_label("CSV file", exact=False).set_input_files(
        files=[{"name": "people.csv", "mimeType": "text/csv", "buffer": BAD_CSV}]
    )
    _submit(page, "Import")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Line 2")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Line 3")
    failures += audit(page, f"{p}admin-import-errors")
    _assert_clean(failures)
