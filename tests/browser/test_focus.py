"""After a form comes back with errors, keyboard focus is on the error summary."""

import pytest
from playwright.sync_api import Page, expect

from nqsw_visits.core.extensions import db
from nqsw_visits.people.models import Role
from tests.browser.journeys import sign_in
from tests.factories import make_user

BAD_CSV = b"email,name,roles,team\nnot-an-email,Ann Example,nqsw,Team A\n"


def _send(page: Page, button: str) -> None:
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name=button).click()
    assert navigation.value.status == 422


def _expect_summary_focused(page: Page, text: str) -> None:
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text(text)
    expect(summary).to_be_focused()
    # Tab goes from the summary to its first link, which leads to the field in error.
    page.keyboard.press("Tab")
    expect(summary.get_by_role("link").first).to_be_focused()


@pytest.mark.browser
def test_sign_in_with_no_email_focuses_the_error_summary(page):
    page.goto("/sign-in")
    _send(page, "Sign in")
    _expect_summary_focused(page, "Enter your email address")
    page.keyboard.press("Enter")
    expect(page.get_by_label("Email address")).to_be_focused()


@pytest.mark.browser
def test_admin_forms_with_errors_focus_the_error_summary(page):
    admin = make_user(Role.ADMIN)
    email = admin.email
    db.session.commit()
    sign_in(page, email)

    page.goto("/admin/people/new")
    _send(page, "Add person")
    _expect_summary_focused(page, "Enter the person's full name")

    page.goto("/admin/people/import")
    page.get_by_label("CSV file").set_input_files(
        files=[{"name": "people.csv", "mimeType": "text/csv", "buffer": BAD_CSV}]
    )
    _send(page, "Import people")
    _expect_summary_focused(page, "Line 2")
