"""On PostgreSQL each connection plans a prepared statement once, unless told otherwise."""

import pytest
import sqlalchemy as sa

from nqsw_visits.core.database import PREPARED_MAX
from nqsw_visits.core.extensions import db


@pytest.fixture
def app_config(request, app_config):
    """The test's config, with any settings the test names."""
    return {**app_config, **getattr(request, "param", {})}


@pytest.fixture
def on_postgresql(app_config):
    if app_config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("plan_cache_mode is PostgreSQL's")


def _mode() -> str:
    with db.engine.connect() as connection:
        return connection.execute(sa.text("SHOW plan_cache_mode")).scalar_one()


def test_each_connection_plans_a_prepared_statement_once(app, on_postgresql):
    """A statement run with an NQSW's id was planned again on every run under "auto"."""
    db.engine.dispose()  # a connection made from here on
    assert _mode() == "force_generic_plan"


def test_each_connection_keeps_more_statements_prepared_than_psycopgs_default(app, on_postgresql):
    """The bench's pages alone prepare 106 statements; psycopg keeps 100 unless told."""
    with db.engine.connect() as connection:
        assert connection.connection.dbapi_connection.prepared_max == PREPARED_MAX >= 200


@pytest.mark.parametrize("app_config", [{"DB_PLAN_CACHE_MODE": ""}], indirect=True)
def test_an_empty_setting_leaves_the_servers_own(app, on_postgresql):
    db.engine.dispose()
    with db.engine.connect() as connection:
        default = connection.execute(
            sa.text("SELECT reset_val FROM pg_settings WHERE name = 'plan_cache_mode'")
        ).scalar_one()
    assert _mode() == default
