"""On SQLite only changes take the write lock: page reads begin DEFERRED, writes IMMEDIATE."""

import pytest
from sqlalchemy import event, func, select

from nqsw_visits import create_app
from nqsw_visits.database import WriteInReadTransaction, writing
from nqsw_visits.extensions import db
from nqsw_visits.models import AuditEvent
from nqsw_visits.security import public
from nqsw_visits.services import audit
from tests.conftest import FreshContextClient


@pytest.fixture
def probe_app(app, app_config):
    """An app with routes that read, write in writing(), and write without it."""
    if not app_config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("BEGIN DEFERRED and IMMEDIATE are SQLite's; PostgreSQL locks rows")
    probe = create_app(app_config)

    @probe.route("/probe/read", methods=["GET", "POST"])
    @public
    def read():
        return str(db.session.scalar(select(func.count(AuditEvent.id))))

    @probe.get("/probe/write-in-writing")
    @public
    def write_in_writing():
        db.session.scalar(select(func.count(AuditEvent.id)))
        with writing():
            audit.record("probe.written")
        return str(db.session.scalar(select(func.count(AuditEvent.id))))

    @probe.get("/probe/write-without")
    @public
    def write_without():
        audit.record("probe.written")
        db.session.commit()
        return "saved"

    probe.test_client_class = FreshContextClient
    db.session.commit()
    return probe


@pytest.fixture
def begins(probe_app):
    """The BEGIN statements the app sends, in order."""
    seen: list[str] = []

    def note(conn, cursor, statement, *args):
        if statement.startswith("BEGIN"):
            seen.append(statement)

    with probe_app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", note)
    yield seen
    event.remove(engine, "before_cursor_execute", note)


def test_a_page_read_begins_deferred_and_a_post_immediate(probe_app, begins):
    """Guards the issue's fix: a GET never takes the write lock; a change always does."""
    client = probe_app.test_client()
    assert client.get("/probe/read").status_code == 200
    assert begins == ["BEGIN DEFERRED"]
    begins.clear()
    assert client.post("/probe/read").status_code == 200
    assert begins == ["BEGIN IMMEDIATE"]


def test_a_write_in_a_page_read_runs_in_a_short_write_transaction(probe_app, begins):
    """The read ends, the write commits in its own IMMEDIATE transaction, reading goes on."""
    response = probe_app.test_client().get("/probe/write-in-writing")
    assert response.status_code == 200 and response.get_data(as_text=True) == "1"
    assert begins == ["BEGIN DEFERRED", "BEGIN IMMEDIATE", "BEGIN DEFERRED"]
    assert db.session.scalar(select(func.count(AuditEvent.id))) == 1


def test_a_write_in_a_page_read_outside_writing_is_refused(probe_app):
    """A forgotten writing() fails every time in tests, not now and then under load."""
    with pytest.raises(WriteInReadTransaction):
        probe_app.test_client().get("/probe/write-without")
    assert db.session.scalar(select(func.count(AuditEvent.id))) == 0


def test_work_outside_a_request_begins_immediate(probe_app, begins):
    """CLI commands and background threads write safely without saying so."""
    with probe_app.app_context():
        with writing():
            audit.record("probe.written")
        db.session.commit()
        db.session.remove()
    assert begins == ["BEGIN IMMEDIATE"]
