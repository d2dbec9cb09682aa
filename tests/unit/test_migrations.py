"""The schema comes from the migrations, and they match the models."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from nqsw_visits.core.extensions import db
from tests.unit.test_migrations_with_data import (  # noqa: F401 (fresh_app: a fixture)
    GROUP_SESSION_HOLDS,
    ONE_TO_ONE_HOLDS,
    STAGES,
    broken_foreign_keys,
    fresh_app,
    row_counts,
)


def test_models_and_migrations_do_not_drift(app):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []


def test_flask_db_check_passes(runner):
    assert runner.invoke(args=["db", "check"]).exit_code == 0


def test_migrations_go_down_and_up_again_keeping_rows(fresh_app):  # noqa: F811
    """Each downgrade keeps the rows of the tables it leaves; the way back up keeps them too."""
    with fresh_app.app_context():
        for revision, seed in STAGES:
            upgrade(revision=revision)
            seed()
        upgrade()
        at_head = row_counts()
        for revision in ("0014", "0011", "0009", "0007", "0006", "0004", "0003", "0002", "0001"):
            downgrade(revision=revision)
            kept = row_counts()
            expected = {table: at_head[table] for table in kept}
            if "mentor_holds" in kept:  # below 0015 a group session's hold goes
                expected["mentor_holds"] -= GROUP_SESSION_HOLDS
            if "mentor_holds" in kept and revision < "0012":  # and a one-to-one's below 0012
                expected["mentor_holds"] -= ONE_TO_ONE_HOLDS
            assert kept == expected, f"down to {revision}"
            assert broken_foreign_keys() == [], f"down to {revision}"
        assert kept["users"] == 4 and kept["user_sessions"] == 8
        upgrade()
        again = row_counts()
        assert again.keys() == at_head.keys()
        assert {table: again[table] for table in kept} == kept
        assert broken_foreign_keys() == []
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert row_counts().keys() == at_head.keys()
        db.session.remove()
        db.engine.dispose()
