"""On SQLite only changes take the write lock: page reads begin DEFERRED, writes IMMEDIATE.
On PostgreSQL page reads run in autocommit, with no BEGIN or ROLLBACK; writes in a transaction."""

import sqlite3
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import event, func, select

from nqsw_visits import create_app
from nqsw_visits.core import clock
from nqsw_visits.core.database import WriteInReadTransaction, writing
from nqsw_visits.core.extensions import db
from nqsw_visits.core.security import public
from nqsw_visits.people import audit, passwords
from nqsw_visits.people.models import AuditEvent
from tests.conftest import FreshContextClient
from tests.factories import DEFAULT_PASSWORD, make_user


@pytest.fixture
def probe_app(app, app_config):
    """An app with routes that read, write in writing(), and write without it."""
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

    @probe.route("/probe/autocommit", methods=["GET", "POST"])
    @public
    def autocommit():
        def state() -> str:
            db.session.scalar(select(func.count(AuditEvent.id)))
            return str(db.session.connection().connection.dbapi_connection.autocommit)

        before = state()
        with writing():
            audit.record("probe.written")
            within = state()
        after = state()
        db.session.commit()  # a POST's change is saved by its view, as every view does
        return f"{before} {within} {after}"

    @probe.get("/probe/half-written")
    @public
    def half_written():
        with writing():
            audit.record("probe.written")
            db.session.flush()
            raise RuntimeError("after the first write")

    probe.test_client_class = FreshContextClient
    db.session.commit()
    return probe


@pytest.fixture
def on_postgresql(app_config):
    if app_config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("autocommit page reads are PostgreSQL's; SQLite's begin DEFERRED")


@pytest.fixture
def begins(probe_app, app_config):
    """The BEGIN statements the app sends, in order."""
    if not app_config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("BEGIN DEFERRED and IMMEDIATE are SQLite's; PostgreSQL locks rows")
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


def test_a_page_read_on_postgresql_runs_in_autocommit(probe_app, on_postgresql):
    """A GET reads without BEGIN or ROLLBACK; its writing() and every POST run in a transaction."""
    client = probe_app.test_client()
    assert client.get("/probe/autocommit").get_data(as_text=True) == "True False True"
    assert client.post("/probe/autocommit").get_data(as_text=True) == "False False False"
    assert client.get("/probe/autocommit").get_data(as_text=True) == "True False True"
    assert db.session.scalar(select(func.count(AuditEvent.id))) == 3


def test_a_failed_write_in_a_page_read_on_postgresql_leaves_nothing(probe_app, on_postgresql):
    """writing() in a page read is still all or nothing, though the read is in autocommit."""
    with pytest.raises(RuntimeError):
        probe_app.test_client().get("/probe/half-written")
    assert db.session.scalar(select(func.count(AuditEvent.id))) == 0


def test_work_outside_a_request_begins_immediate(probe_app, begins):
    """CLI commands and background threads write safely without saying so."""
    with probe_app.app_context():
        with writing():
            audit.record("probe.written")
        db.session.commit()
        db.session.remove()
    assert begins == ["BEGIN IMMEDIATE"]


@pytest.fixture
def lock_checked(app, app_config, monkeypatch):
    """lock_checked(): from then on each argon2 call notes whether a write could begin beside it."""
    if not app_config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("the single write lock is SQLite's; PostgreSQL locks rows")
    path = db.engine.url.database
    seen: list[tuple[str, str]] = []

    def checking(name: str):
        original = getattr(passwords, name)

        def check_then_run(*args):
            other = sqlite3.connect(path, timeout=0, isolation_level=None)
            try:
                other.execute("BEGIN IMMEDIATE")
                other.execute("ROLLBACK")
                seen.append((name, "free"))
            except sqlite3.OperationalError:
                seen.append((name, "held"))
            finally:
                other.close()
            return original(*args)

        return check_then_run

    def start():
        db.session.commit()
        for name in ("verify", "burn_time", "hash_password"):
            monkeypatch.setattr(passwords, name, checking(name))
        return seen

    return start


@pytest.mark.parametrize(
    ("typed", "expected", "status"),
    [
        ("right", [("verify", "free")], 302),
        ("rehash", [("verify", "free"), ("hash_password", "free")], 302),
        ("wrong", [("verify", "free")], 422),
        # burn_time verifies against a decoy hash
        ("unknown", [("burn_time", "free"), ("verify", "free")], 422),
        ("locked", [("burn_time", "free"), ("verify", "free")], 422),
    ],
)
def test_sign_in_checks_the_password_without_the_write_lock(
    client, lock_checked, typed, expected, status
):
    """argon2 is slow by design: while it runs, other people's changes can still be saved."""
    user = make_user(email="grace@example.org")
    if typed == "rehash":
        user.password_hash = PasswordHasher(time_cost=1, memory_cost=16, parallelism=1).hash(
            DEFAULT_PASSWORD
        )
    if typed == "locked":
        user.locked_until = clock.now() + timedelta(minutes=5)
    seen = lock_checked()
    email = "nobody@example.org" if typed == "unknown" else "grace@example.org"
    password = "not the password" if typed == "wrong" else DEFAULT_PASSWORD
    response = client.post("/sign-in", data={"email": email, "password": password})
    assert response.status_code == status
    assert seen == expected
    assert db.session.scalar(select(func.count(AuditEvent.id))) == 1  # and it was recorded
