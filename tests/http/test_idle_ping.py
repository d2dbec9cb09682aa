"""A pooled connection is checked before use only once it has sat idle; one the server
closed while idle is replaced, and the page is served."""

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from nqsw_visits.core.extensions import db
from tests.factories import make_user


@pytest.fixture
def app_config(request, app_config):
    """The test's config, with any settings the test names."""
    return {**app_config, **getattr(request, "param", {})}


@pytest.fixture
def pings(app, monkeypatch):
    """How many times the app has checked a pooled connection with the server."""
    seen = []
    dialect = db.engine.dialect
    check = dialect.do_ping

    def counted(dbapi_connection):
        seen.append(1)
        return check(dbapi_connection)

    monkeypatch.setattr(dialect, "do_ping", counted)
    return seen


def _reader(client_for):
    person = make_user()
    db.session.commit()
    return client_for(person)


def test_a_connection_used_moments_ago_is_not_checked(app, client_for, pings):
    """Pages in quick succession send no check: it was one round trip a page."""
    reader = _reader(client_for)
    pings.clear()
    for _ in range(5):
        assert reader.get("/notifications").status_code == 200
    assert pings == []


@pytest.mark.parametrize("app_config", [{"DB_PING_AFTER_IDLE_SECONDS": 0}], indirect=True)
def test_a_connection_idle_past_the_setting_is_checked(app, client_for, pings):
    """Every checkout after the idle time sends a check first."""
    reader = _reader(client_for)
    pings.clear()
    for _ in range(3):
        assert reader.get("/notifications").status_code == 200
    assert len(pings) >= 3


def _close_the_pool_from_the_server() -> None:
    """End every other connection to this database, as a server restart or a proxy would."""
    url = db.engine.url
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(
            sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"
            ),
            {"name": url.database},
        )
    admin.dispose()


@pytest.fixture
def on_postgresql(app_config):
    if app_config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("an SQLite connection is a file in this process: no server closes it")


def _status_after_the_server_closed_the_pool(client_for) -> int:
    """A page read, the pool's connections closed by the server, and the next page's status."""
    reader = _reader(client_for)
    assert reader.get("/notifications").status_code == 200
    db.session.remove()
    _close_the_pool_from_the_server()
    try:
        return reader.get("/notifications").status_code
    except OperationalError:  # as the testing app raises it, where a server answers 500
        return 500


@pytest.mark.parametrize("app_config", [{"DB_PING_AFTER_IDLE_SECONDS": 0}], indirect=True)
def test_a_connection_the_server_closed_while_idle_is_replaced(app, client_for, on_postgresql):
    """The check finds the closed connection and the pool opens a new one: no error page."""
    assert _status_after_the_server_closed_the_pool(client_for) == 200


@pytest.mark.parametrize("app_config", [{"DB_PING_AFTER_IDLE_SECONDS": 3600}], indirect=True)
def test_without_the_check_a_closed_connection_fails_the_page(app, client_for, on_postgresql):
    """What the check is for: handed out unchecked, the closed connection fails the request."""
    assert _status_after_the_server_closed_the_pool(client_for) >= 500
