"""Rules the database itself enforces, on SQLite and PostgreSQL alike."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from nqsw_visits import create_app
from nqsw_visits.core.extensions import db
from nqsw_visits.people import audit
from nqsw_visits.people.models import Role, UserRole
from tests.factories import make_user


def test_audit_rows_cannot_be_changed_or_deleted(app):
    user = make_user()
    audit.record("user.created", actor=user, obj=user, roles=["nqsw"])
    db.session.commit()
    for statement in ("UPDATE audit_events SET action = 'tampered'", "DELETE FROM audit_events"):
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text(statement))
        db.session.rollback()
    assert db.session.execute(text("SELECT action FROM audit_events")).scalars().all() == [
        "user.created"
    ]


def test_audit_detail_is_json_and_names_the_object(app):
    user = make_user()
    event = audit.record("user.updated", actor=user, obj=user, changed=["email"])
    db.session.commit()
    assert (event.object_type, event.object_id) == ("user", user.id)
    assert event.detail == '{"changed": ["email"]}'


def test_email_must_be_stored_lowercase(app):
    user = make_user()
    with pytest.raises(IntegrityError):
        db.session.execute(
            text("UPDATE users SET email = 'Upper@Example.org' WHERE id = :id"), {"id": user.id}
        )
        db.session.flush()
    db.session.rollback()


def test_unknown_roles_are_refused(app):
    user = make_user()
    db.session.add(UserRole(user_id=user.id, role="superuser"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    db.session.add(UserRole(user_id=user.id, role=Role.MENTOR.value))
    db.session.commit()


def test_foreign_keys_are_enforced(app):
    db.session.add(UserRole(user_id=999_999, role=Role.NQSW.value))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_sqlite_connections_use_wal_and_the_busy_timeout(app_config, monkeypatch):
    """Guards the settings every SQLite connection needs to read beside a writer and queue."""
    if not app_config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite settings; PostgreSQL has neither")
    monkeypatch.delenv("SQLITE_BUSY_TIMEOUT_MS", raising=False)
    defaults = create_app(app_config)  # nothing configured: what a new install gets
    with defaults.app_context():
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            # Seconds, not none: else a change fails as "busy" whenever two people save at once.
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        db.engine.dispose()


def test_sqlite_busy_timeout_follows_the_configuration(app_config):
    """Guards that SQLITE_BUSY_TIMEOUT_MS reaches each new connection."""
    if not app_config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite settings; PostgreSQL has neither")
    configured = create_app({**app_config, "SQLITE_BUSY_TIMEOUT_MS": 2500})
    with configured.app_context():
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 2500
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        db.engine.dispose()
