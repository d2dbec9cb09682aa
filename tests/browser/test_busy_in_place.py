"""In Chromium: a change made while the database stays busy tells the person so, in place
with JavaScript on and as the full 503 page without."""

import re
import sqlite3
from contextlib import contextmanager

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from nqsw_visits.core.extensions import db
from nqsw_visits.notifications.models import Notification
from nqsw_visits.people.models import Role
from tests.browser.journeys import MARKER, assert_clean, expect_heading, set_marker, sign_in
from tests.factories import make_user

BUSY = "Sorry, the service is busy"
WAIT_MS = 200


@pytest.fixture
def app_config(app_config):
    """Wait only briefly for a lock: SQLite's busy timeout, PostgreSQL's lock_timeout."""
    options = dict(app_config["SQLALCHEMY_ENGINE_OPTIONS"])
    if app_config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        options["connect_args"] = {"options": f"-c lock_timeout={WAIT_MS}"}
    return {**app_config, "SQLITE_BUSY_TIMEOUT_MS": WAIT_MS, "SQLALCHEMY_ENGINE_OPTIONS": options}


@contextmanager
def database_busy():
    """Another connection holds the write lock (SQLite) or the notifications' rows."""
    db.session.commit()
    if db.engine.dialect.name == "sqlite":
        other = sqlite3.connect(db.engine.url.database, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            other.execute("ROLLBACK")
            other.close()
        return
    with db.engine.connect() as other:
        other.execute(select(Notification.id).with_for_update())
        try:
            yield
        finally:
            other.rollback()


def _nqsw_with_a_notification() -> str:
    person = make_user(Role.NQSW, name="Nia Newly")
    db.session.add(Notification(user_id=person.id, message="Your mentor accepted"))
    email = person.email
    db.session.commit()  # SQLite: release the write lock before the browser goes on
    return email


@pytest.mark.browser
def test_with_javascript_the_busy_message_appears_in_place(browse, audit, problems):
    page = browse()
    sign_in(page, _nqsw_with_a_notification())
    page.goto("/notifications")
    new = page.locator("#notification-list .govuk-tag", has_text="New")
    expect(new).to_have_count(1)
    set_marker(page)
    mark = page.get_by_role("button", name="Mark all as read")

    with database_busy():
        with page.expect_response(re.compile(r"/notifications/read$")) as answer:
            mark.click()
        assert answer.value.status == 503
        alert = page.locator("#app-alerts [role=alert]")
        expect(alert).to_contain_text(BUSY)
        expect(alert).to_contain_text("Try again in a minute.")
        expect(alert).to_be_focused()

    assert page.evaluate("window.__marker") == MARKER, "the busy answer loaded a whole page"
    expect(page).to_have_url(re.compile(r"/notifications$"))
    expect_heading(page, "Notifications")
    expect(new).to_have_count(1)  # the list the person was reading is still there
    taken = problems.take()  # the 503 is the answer htmx is set to swap
    assert taken == [f"failed request: 503 POST {answer.value.url}"], taken
    failures = audit(page, "busy-in-place")

    mark.click()  # once the database is free, trying again works and the message goes
    expect(page.get_by_text("All notifications marked as read.")).to_be_visible()
    expect(page.locator("#app-alerts")).to_be_empty()
    expect(new).to_have_count(0)
    assert_clean(failures)


@pytest.mark.browser
def test_without_javascript_the_full_busy_page_shows(browse, audit):
    page = browse(page_scripts=False)  # what a browser without JavaScript shows
    sign_in(page, _nqsw_with_a_notification())
    page.goto("/notifications")

    with database_busy():
        with page.expect_navigation() as answer:
            page.get_by_role("button", name="Mark all as read").click()
        assert answer.value.status == 503
        assert answer.value.headers["retry-after"] == "60"
        expect_heading(page, BUSY)
        expect(page.get_by_text("Try again in a minute.")).to_be_visible()
        expect(page.locator("#app-alerts")).to_be_empty()
        failures = audit(page, "busy-full-page")
    assert_clean(failures)
