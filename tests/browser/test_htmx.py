"""htmx swaps in place with JavaScript on; the same tasks work by full page loads without."""

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from nqsw_visits.core.extensions import db
from nqsw_visits.people.models import Role, User
from tests.browser.conftest import axe_violations
from tests.browser.journeys import sign_in, success_banner
from tests.factories import make_user

MARKER = "set before the swap"


def _people(names_by_role: dict) -> dict:
    """An admin plus people with the given roles; returns emails and ids, then commits."""
    admin = make_user(Role.ADMIN, name="Ada Admin")
    made = {name: make_user(role, name=name) for name, role in names_by_role.items()}
    found = {"admin_email": admin.email, **{name: user.id for name, user in made.items()}}
    db.session.commit()
    return found


def _is_active(user_id: int) -> bool:
    active = db.session.scalar(select(User.active).where(User.id == user_id))
    db.session.commit()  # SQLite: release the write lock before the browser goes on
    return active


def _rows(page: Page):
    return page.locator("#people-results tbody tr")


def _set_marker(page: Page) -> None:
    page.evaluate(f"window.__marker = {MARKER!r}")


def _marker(page: Page):
    return page.evaluate("window.__marker")


PEOPLE = {"Mia Mentor": Role.MENTOR, "Max Mentor": Role.MENTOR, "Nia Newly": Role.NQSW}


@pytest.mark.browser
def test_role_filter_swaps_the_table_in_place(browse):
    found = _people(PEOPLE)
    page = browse()
    sign_in(page, found["admin_email"])
    page.goto("/admin/people")
    expect(_rows(page)).to_have_count(4)
    _set_marker(page)
    # Screen readers announce a live region's new text only if the element stays put.
    page.evaluate("document.getElementById('people-count').__original = true")
    role = page.get_by_label("Role")
    role.focus()

    role.select_option(label="Mentor")

    expect(page).to_have_url(re.compile(r"/admin/people\?.*role=mentor"))
    expect(_rows(page)).to_have_count(2)
    expect(_rows(page).first).to_contain_text("Max Mentor")
    expect(_rows(page).last).to_contain_text("Mia Mentor")
    count = page.locator("#people-count")
    expect(count).to_have_text("2 people found")
    expect(count).to_have_attribute("role", "status")
    assert page.evaluate("document.getElementById('people-count').__original") is True
    expect(page.get_by_text("people found")).to_have_count(1)
    assert _marker(page) == MARKER, "the filter loaded a whole new page"
    expect(page.locator("h1")).to_have_count(1)
    expect(role).to_be_focused()  # the swap leaves the person where they were
    assert axe_violations(page) == []


@pytest.mark.browser
def test_role_filter_without_javascript_reloads_the_page(browse):
    found = _people(PEOPLE)
    page = browse(javascript=False)
    sign_in(page, found["admin_email"])
    page.goto("/admin/people")
    expect(_rows(page)).to_have_count(4)

    page.get_by_label("Role").select_option(label="Mentor")
    expect(_rows(page)).to_have_count(4)  # nothing happens until the form is sent
    with page.expect_navigation():
        page.get_by_role("button", name="Filter").click()

    expect(page).to_have_url(re.compile(r"/admin/people\?.*role=mentor"))
    expect(page.locator("#people-count")).to_have_text("2 people found")
    expect(_rows(page)).to_have_count(2)
    expect(page.get_by_label("Role")).to_have_value("mentor")


@pytest.mark.browser
def test_deactivate_swaps_the_account_status_in_place(browse):
    found = _people({"Nia Newly": Role.NQSW})
    page = browse()
    sign_in(page, found["admin_email"])
    page.goto(f"/admin/people/{found['Nia Newly']}")
    _set_marker(page)
    status = page.locator("#account-status")

    status.get_by_role("button", name="Deactivate").click()

    message = status.locator(".govuk-inset-text")
    expect(message).to_have_text("Account deactivated")
    # The pressed button has gone, so focus moves to the message that replaced it.
    expect(message).to_be_focused()
    page.keyboard.press("Tab")
    expect(status.get_by_role("button", name="Reactivate")).to_be_focused()
    expect(status.get_by_role("button", name="Deactivate")).to_have_count(0)
    assert _marker(page) == MARKER, "deactivating loaded a whole new page"
    expect(page.locator("h1")).to_have_count(1)
    assert axe_violations(page) == []
    assert _is_active(found["Nia Newly"]) is False

    status.get_by_role("button", name="Reactivate").click()
    expect(status).to_contain_text("Account reactivated")
    expect(status.get_by_role("button", name="Deactivate")).to_be_visible()
    assert _marker(page) == MARKER
    assert _is_active(found["Nia Newly"]) is True


@pytest.mark.browser
def test_deactivate_without_javascript_posts_and_redirects(browse):
    found = _people({"Nia Newly": Role.NQSW})
    person_path = f"/admin/people/{found['Nia Newly']}"
    page = browse(javascript=False)
    sign_in(page, found["admin_email"])
    page.goto(person_path)

    with page.expect_navigation():
        page.locator("#account-status").get_by_role("button", name="Deactivate").click()

    assert page.url.endswith(person_path)
    expect(success_banner(page)).to_contain_text("Account deactivated")
    expect(page.locator("#account-status")).to_contain_text("Deactivated")
    expect(page.get_by_role("button", name="Reactivate")).to_be_visible()
    assert _is_active(found["Nia Newly"]) is False
