"""The schema comes from the migrations, and they match the models."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from nqsw_visits import create_app
from nqsw_visits.extensions import db
from tests.conftest import base_config


def test_models_and_migrations_do_not_drift(app):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []


def test_flask_db_check_passes(runner):
    assert runner.invoke(args=["db", "check"]).exit_code == 0


def test_migrations_go_down_and_up_again_keeping_rows(tmp_path):
    app = create_app(base_config(f"sqlite:///{tmp_path / 'roundtrip.sqlite3'}", tmp_path))
    with app.app_context():
        upgrade()
        db.session.execute(
            db.text("INSERT INTO teams (name, created_at) VALUES ('East', '2026-01-01')")
        )
        db.session.commit()
        tables = set(inspect(db.engine).get_table_names())
        assert {"users", "teams", "audit_events", "user_sessions"} <= tables
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert set(inspect(db.engine).get_table_names()) == tables
        db.engine.dispose()
