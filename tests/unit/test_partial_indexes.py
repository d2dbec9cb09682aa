"""The lists that partial indexes serve still say what lets the engine use them."""

import pytest

from nqsw_visits.core.extensions import db
from nqsw_visits.core.paging import _paged
from nqsw_visits.observations import portfolio, waiting


def _plan(query, params: dict) -> str:
    """SQLite's plan for the first page of a list, as one line."""
    compiled = _paged(query, 0, 10).compile(dialect=db.engine.dialect)
    values = compiled.construct_params(params)
    args = tuple(values[name] for name in compiled.positiontup)
    rows = db.session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", args)
    return " | ".join(row[-1] for row in rows)


@pytest.fixture
def sqlite(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the plans read here are SQLite's; PostgreSQL's depend on its statistics")


def test_the_waiting_list_reads_only_open_observations(sqlite):
    plan = _plan(waiting.waiting_for_query(), {"person_id": 1})
    assert "ix_observations_open_nqsw" in plan
    assert "ix_observations_open_mentor" in plan


def test_the_open_actions_read_only_actions_not_done(sqlite):
    plan = _plan(portfolio.open_actions_query(), {"nqsw_id": 1})
    assert "ix_agreed_actions_open" in plan
