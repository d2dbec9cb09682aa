"""On PostgreSQL a change's transaction that only read is ended with COMMIT, so psycopg
keeps the connection's prepared statements; one that wrote and was left open rolls back."""

import psycopg
import pytest
from sqlalchemy import event, func, select

from nqsw_visits import create_app
from nqsw_visits.core.extensions import db
from nqsw_visits.core.security import public
from nqsw_visits.people import audit
from nqsw_visits.people.models import AuditEvent
from tests.conftest import FreshContextClient
from tests.factories import DEFAULT_PASSWORD, make_user

IDLE = psycopg.pq.TransactionStatus.IDLE


@pytest.fixture
def on_postgresql(app_config):
    if app_config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("psycopg's prepared statements are PostgreSQL's")


@pytest.fixture
def probe_app(app, app_config, on_postgresql):
    """An app with changes that read after committing, only read, or leave a write open."""
    probe = create_app(app_config)

    def count() -> str:
        return str(db.session.scalar(select(func.count(AuditEvent.id))))

    @probe.post("/probe/read-after-commit")
    @public
    def read_after_commit():
        audit.record("probe.written")
        db.session.commit()
        return count()

    @probe.post("/probe/only-read")
    @public
    def only_read():
        return count()

    @probe.post("/probe/write-left-open")
    @public
    def write_left_open():
        audit.record("probe.written")
        db.session.flush()
        return count()

    probe.test_client_class = FreshContextClient
    db.session.commit()
    return probe


def _watch(engine) -> list:
    """Each rollback that reaches psycopg with a transaction open, as it happens."""
    seen = []

    def at_rollback(connection):
        status = connection.connection.dbapi_connection.info.transaction_status
        if status != IDLE:
            seen.append(status)

    event.listen(engine, "rollback", at_rollback)
    return seen


def _post(probe_app, path: str) -> tuple[str, list]:
    with probe_app.app_context():
        rollbacks = _watch(db.engine)
    return probe_app.test_client().post(path).get_data(as_text=True), rollbacks


def test_reading_after_a_commit_ends_in_commit(probe_app):
    """A ROLLBACK here made psycopg forget every statement it had prepared."""
    assert _post(probe_app, "/probe/read-after-commit") == ("1", [])


def test_a_change_that_only_read_ends_in_commit(probe_app):
    assert _post(probe_app, "/probe/only-read") == ("0", [])


def test_a_write_left_open_is_rolled_back(probe_app):
    answer, rollbacks = _post(probe_app, "/probe/write-left-open")
    assert answer == "1"
    assert rollbacks
    assert db.session.scalar(select(func.count(AuditEvent.id))) == 0


def test_signing_in_keeps_the_prepared_statements(app, client, on_postgresql):
    """Signing in reads the person again once the new session is saved."""
    person = make_user()
    db.session.commit()
    rollbacks = _watch(db.engine)
    response = client.post("/sign-in", data={"email": person.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    assert rollbacks == []
