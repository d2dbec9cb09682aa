"""Fixtures: an app on a database built by the migrations, clients, runner, factories."""

import os
import shutil
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
import time_machine
from flask.testing import FlaskClient
from flask_migrate import upgrade

from nqsw_visits import create_app
from nqsw_visits.core.extensions import db
from tests.factories import DEFAULT_PASSWORD, FROZEN_AT

pytest_plugins = ["tests.crash_rerun"]

# Cheap argon2id settings: the algorithm is the same, only the cost is lower.
FAST_HASH = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}
PG_URL = os.environ.get("TEST_DATABASE_URL")
SEEDED_TABLES = {"bank_holidays", "frameworks", "standards"}
SHIPPED = ("pcf", "kss-child-family")


def _sleep_on_an_event(seconds: float) -> None:
    """time.sleep by a timed wait on an event, which works under libfaketime."""
    threading.Event().wait(seconds)


if "FAKETIME" in os.environ and "FAKETIME_DONT_FAKE_MONOTONIC" in os.environ:
    # libfaketime with the real monotonic clock (as .ci/run sets it) fails every
    # clock_nanosleep with EINVAL, so time.sleep, and with it subprocess waits with a
    # timeout, raise OSError; timed waits on locks and events keep working.
    time.sleep = _sleep_on_an_event


@pytest.fixture(autouse=True)
def moment():
    """Every test runs at FROZEN_AT, with the clock ticking on from there.

    The whole process moves, live server threads included; a test goes elsewhere with
    its own `time_machine.travel(...)` or the `time_machine` fixture.
    """
    with time_machine.travel(FROZEN_AT, tick=True) as traveller:
        yield traveller


def skip_or_fail(reason: str) -> None:
    """Skip where a tool is missing on a laptop; under CI a missing tool is a failure."""
    if os.environ.get("CI"):
        pytest.fail(f"required under CI: {reason}")
    pytest.skip(reason)


def base_config(database_url: str, instance: Path) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "PASSWORD_HASH_PARAMS": FAST_HASH,
        "WTF_CSRF_ENABLED": False,
        "TRUSTED_HOSTS": ["localhost", "127.0.0.1"],
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        # Emails stay queued unless a test sends them itself.
        "MAIL_SEND_AFTER_REQUEST": False,
        "COMPLETE_PAST_EVERY_SECONDS": 0,
        "RATELIMIT_ENABLED": False,  # sign-in limits are tested on their own
    }


def _build_schema(database_url: str, instance: Path) -> None:
    app = create_app(base_config(database_url, instance))
    with app.app_context():
        upgrade()
        db.engine.dispose()


@contextmanager
def _private_postgres_database(url: str):
    """A database of this run's own on the server named by TEST_DATABASE_URL, dropped after."""
    server = sa.make_url(url)
    name = f"{server.database}_run_{os.getpid()}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(scope="session")
def schema(tmp_path_factory):
    """Build the schema once with `flask db upgrade`: a template file, or a PG database."""
    folder = tmp_path_factory.mktemp("schema")
    if PG_URL:
        with _private_postgres_database(PG_URL) as url:
            _build_schema(url, folder)
            yield {"url": url}
        return
    template = folder / "template.sqlite3"
    _build_schema(f"sqlite:///{template}", folder)
    yield {"template": template}


def _empty_postgres(app) -> None:
    with app.app_context():
        # Bank holidays and the shipped frameworks are reference data the migrations seed;
        # every test keeps them, and frameworks a test loaded itself are dropped.
        tables = [t.name for t in db.metadata.sorted_tables if t.name not in SEEDED_TABLES]
        with db.engine.begin() as conn:
            conn.exec_driver_sql(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
            conn.execute(
                sa.text("DELETE FROM frameworks WHERE code NOT IN :shipped").bindparams(
                    sa.bindparam("shipped", expanding=True)
                ),
                {"shipped": list(SHIPPED)},
            )


@pytest.fixture
def database_url(schema, tmp_path):
    """A clean database for one test, with the migrated schema."""
    if "url" in schema:
        return schema["url"]
    path = tmp_path / "test.sqlite3"
    shutil.copyfile(schema["template"], path)
    return f"sqlite:///{path}"


@pytest.fixture
def app_config(database_url, tmp_path):
    """The config a test's app is built with; override to change it."""
    return base_config(database_url, tmp_path)


@pytest.fixture
def app(app_config):
    """The application, inside an app context, on a clean migrated database."""
    app = create_app(app_config)
    if app_config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        _empty_postgres(app)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


class FreshContextClient(FlaskClient):
    """Runs each request in its own app context, as a real server would.

    Without this, requests would share the test's app context: its `g` (and so
    Flask-Login's cached user) and its database session.
    """

    def open(self, *args, **kwargs):
        # End the test's own transaction first, so the request never waits on it
        # and the test sees fresh data afterwards.
        db.session.commit()
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def client(app):
    app.test_client_class = FreshContextClient
    return app.test_client()


@pytest.fixture
def client_for(app):
    """client_for(user): that person's own test client, signed in (the same one each time)."""
    app.test_client_class = FreshContextClient
    clients = {}

    def make(user):
        if user.id not in clients:
            clients[user.id] = app.test_client()
            sign_in(clients[user.id], user)
        return clients[user.id]

    return make


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def sign_in(client, user, password: str = DEFAULT_PASSWORD):
    """Sign a test client in as a user; returns the response."""
    response = client.post("/sign-in", data={"email": user.email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


@pytest.fixture
def signed_in(client):
    """Sign the client in as the given user: signed_in(user)."""

    def _sign_in(user):
        sign_in(client, user)
        return client

    return _sign_in


class QueryCounter:
    """Counts SQL statements sent to the database."""

    def __init__(self):
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app):
    """A context manager counting the queries run inside it."""

    @contextmanager
    def counting():
        counter = QueryCounter()

        def before(conn, cursor, statement, *args):
            if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
                counter.statements.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", before)
        try:
            yield counter
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", before)

    return counting
