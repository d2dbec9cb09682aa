"""A database busy past its timeout answers 503 with Retry-After and a GOV.UK page, never 500.

Another connection holds the lock a request needs (SQLite: BEGIN IMMEDIATE on the whole
file; PostgreSQL: FOR UPDATE on the rows) and the app waits only briefly for it.
"""

import logging
import sqlite3
from contextlib import contextmanager
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from nqsw_visits import create_app
from nqsw_visits.core import clock
from nqsw_visits.core.extensions import db
from nqsw_visits.core.security import public
from nqsw_visits.notifications.models import Notification
from nqsw_visits.people.models import Role, UserSession
from tests.conftest import FreshContextClient, sign_in
from tests.factories import make_user
from tests.http.test_htmx_config import served_config

BUSY = "Sorry, the service is busy"
HTMX = {"HX-Request": "true"}
WAIT_MS = 200


@pytest.fixture
def app_config(app_config):
    """Wait only briefly for a lock: SQLite's busy timeout, PostgreSQL's lock_timeout."""
    options = dict(app_config["SQLALCHEMY_ENGINE_OPTIONS"])
    if app_config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        options["connect_args"] = {"options": f"-c lock_timeout={WAIT_MS}"}
    return {**app_config, "SQLITE_BUSY_TIMEOUT_MS": WAIT_MS, "SQLALCHEMY_ENGINE_OPTIONS": options}


@pytest.fixture
def hold_lock(app):
    """hold_lock(Model): another connection holds the write lock (SQLite) or the model's rows."""

    @contextmanager
    def holding(model):
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
            other.execute(select(model.id).with_for_update())
            try:
                yield
            finally:
                other.rollback()

    return holding


@pytest.fixture
def nqsw(app):
    person = make_user(Role.NQSW)
    db.session.add(Notification(user_id=person.id, message="Your mentor accepted"))
    db.session.commit()
    return person


def assert_busy_page(response) -> None:
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "60"
    assert 'class="govuk-template"' in page
    assert f'<h1 class="govuk-heading-l">{BUSY}</h1>' in page
    assert "Try again in a minute." in page
    assert "Traceback" not in page and "locked" not in page and "SELECT" not in page


def test_a_change_while_the_database_stays_busy_answers_503(client, nqsw, hold_lock, caplog):
    """Guards the busy answer: 503, Retry-After, the GOV.UK page; logged without the SQL."""
    sign_in(client, nqsw)
    with hold_lock(Notification), caplog.at_level(logging.WARNING):
        response = client.post("/notifications/read", data={})
    assert_busy_page(response)
    assert "database busy past its timeout" in caplog.text
    assert "[parameters" not in caplog.text and "UPDATE" not in caplog.text
    db.session.rollback()
    assert db.session.get(Notification, 1).read_at is None
    response = client.post("/notifications/read", data={})
    assert response.status_code == 302  # once the lock is gone the same change goes through


def test_htmx_gets_the_busy_message_as_a_fragment(client, nqsw, hold_lock):
    """The htmx answer is the short error fragment, like every other error, with Retry-After."""
    sign_in(client, nqsw)
    with hold_lock(Notification):
        response = client.post("/notifications/read", data={}, headers=HTMX)
    page = response.get_data(as_text=True)
    assert response.status_code == 503 and response.headers["Retry-After"] == "60"
    assert "<html" not in page and "govuk-error-summary" in page and 'role="alert"' in page
    assert BUSY in page and "Try again in a minute." in page
    # htmx puts it in the layout's alert region and keeps the address bar as it was.
    assert response.headers["HX-Retarget"] == "#app-alerts"
    assert response.headers["HX-Reswap"] == "innerHTML"
    assert response.headers["HX-Push-Url"] == "false"


def test_the_full_busy_page_carries_no_htmx_headers(client, nqsw, hold_lock):
    """Without JavaScript the browser shows the whole 503 page; htmx headers mean nothing there."""
    sign_in(client, nqsw)
    with hold_lock(Notification):
        response = client.post("/notifications/read", data={})
    assert_busy_page(response)
    assert not [name for name, _ in response.headers if name.startswith("HX-")]


def test_every_page_lets_htmx_swap_a_503_into_its_alert_region(client, nqsw):
    """htmx drops 4xx/5xx answers unless told: a 503 is swapped, into a region every page has."""
    sign_in(client, nqsw)
    page = client.get("/notifications").get_data(as_text=True)
    assert '<div id="app-alerts"></div>' in page
    config = served_config(page)
    codes = [rule["code"] for rule in config["responseHandling"]]
    busy = config["responseHandling"][codes.index("503")]
    assert busy["swap"] is True and codes.index("503") < codes.index("[45]..")


def test_page_reads_do_not_wait_for_a_writer(client, nqsw, hold_lock):
    """A page read never takes the write lock, so another writer does not hold it up."""
    sign_in(client, nqsw)
    with hold_lock(Notification):
        home = client.get("/", follow_redirects=True)
        notes = client.get("/notifications")
    assert home.status_code == 200
    assert notes.status_code == 200 and "Your mentor accepted" in notes.get_data(as_text=True)


def test_a_page_read_whose_session_touch_is_busy_answers_503(client, nqsw, hold_lock):
    """The one write a page read makes (last seen) waits like any write, then answers 503."""
    sign_in(client, nqsw)
    with time_machine.travel(clock.now() + timedelta(minutes=5)), hold_lock(UserSession):
        response = client.get("/notifications")
    assert_busy_page(response)


@pytest.fixture
def failing_app(app, app_config):
    """An app whose routes raise database errors as a driver would."""
    failing = create_app({**app_config, "PROPAGATE_EXCEPTIONS": False})

    class PgLockTimeout(Exception):
        sqlstate = "55P03"

    @failing.get("/pg-lock-timeout")
    @public
    def pg_lock_timeout():
        raise OperationalError("UPDATE users SET x=%(x)s", {"x": "secret"}, PgLockTimeout())

    @failing.get("/no-such-table")
    @public
    def no_such_table():
        raise OperationalError("SELECT 1", {}, sqlite3.OperationalError("no such table: x"))

    failing.test_client_class = FreshContextClient
    db.session.commit()
    return failing


def test_a_postgresql_lock_timeout_also_answers_503(failing_app):
    response = failing_app.test_client().get("/pg-lock-timeout")
    assert_busy_page(response)


def test_other_database_failures_stay_500(failing_app):
    """Only a busy database is a 503: anything else is still reported as the fault it is."""
    response = failing_app.test_client().get("/no-such-table")
    assert response.status_code == 500
    assert "Retry-After" not in response.headers


@pytest.fixture
def one_connection_app(app, app_config):
    """An app with a single pooled connection that it waits for only briefly."""
    options = {**app_config["SQLALCHEMY_ENGINE_OPTIONS"], "pool_size": 1, "max_overflow": 0}
    options["pool_timeout"] = 0.2
    narrow = create_app({**app_config, "SQLALCHEMY_ENGINE_OPTIONS": options})
    narrow.test_client_class = FreshContextClient
    db.session.commit()
    return narrow


def test_no_free_pooled_connection_answers_503(one_connection_app, nqsw, caplog):
    """Every connection in use past the pool's timeout is busy too, never a 500."""
    client = one_connection_app.test_client()
    sign_in(client, nqsw)
    with one_connection_app.app_context():
        engine = db.engine
    with engine.connect(), caplog.at_level(logging.WARNING):
        response = client.get("/notifications")
    engine.dispose()
    assert_busy_page(response)
    assert "no pooled connection free" in caplog.text
