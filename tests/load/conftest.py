"""Fixtures for load tests: the app served for real on a free port of 127.0.0.1."""

import pytest

from nqsw_visits.core.extensions import db
from tests.load.live import SLOWER, Server


@pytest.fixture
def app_config(app_config):
    """More pooled connections than clients, and a long SQLite wait, so the database decides a race.

    Werkzeug's threaded server holds one connection per request in flight; a client that
    waits past the pool's timeout would get a 503 that says nothing about the rule tested.
    Twenty writers queue for SQLite's one write lock; on a slow two-core machine (or under
    libfaketime, which intercepts every clock call) the last can wait past the 10 s default,
    and its 503 would say as little. tests/http/test_busy.py covers the 503 itself.
    """
    options = {**app_config["SQLALCHEMY_ENGINE_OPTIONS"], "pool_size": 24, "max_overflow": 8}
    return {
        **app_config,
        "SQLALCHEMY_ENGINE_OPTIONS": options,
        "SQLITE_BUSY_TIMEOUT_MS": 60_000 * SLOWER,
    }


@pytest.fixture
def server(app):
    """A real threaded server on a free port of 127.0.0.1, stopped after the test."""
    db.session.commit()
    running = Server(app)
    running.thread.start()
    yield running
    running.http.shutdown()
    running.thread.join(timeout=10)
    running.http.server_close()
