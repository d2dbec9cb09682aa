"""A database error while saving notes leaves neither the notes nor the case reference in logs."""

import logging

import pytest
from sqlalchemy import text

from nqsw_visits.core.extensions import db
from nqsw_visits.people.models import Role
from tests.factories import assign_mentor, make_completed_request, make_user
from tests.http.test_observations import NOTES

REFUSE_SQLITE = (
    "CREATE TRIGGER refuse_{op} BEFORE {op} ON observations "
    "BEGIN SELECT RAISE(ABORT, 'refused for this test'); END"
)
REFUSE_POSTGRES = [
    "CREATE FUNCTION refuse_observations() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'refused for this test'; END $$ LANGUAGE plpgsql",
    "CREATE TRIGGER refuse_observations BEFORE UPDATE ON observations "
    "FOR EACH ROW EXECUTE FUNCTION refuse_observations()",
]
UNDO_POSTGRES = [
    "DROP TRIGGER IF EXISTS refuse_observations ON observations",
    "DROP FUNCTION IF EXISTS refuse_observations()",
]


@pytest.fixture
def refusing_database(app):
    """Every change to a saved observation fails inside the database (starting one works)."""
    postgres = db.engine.dialect.name == "postgresql"
    statements = (
        REFUSE_POSTGRES if postgres else [REFUSE_SQLITE.format(op=op) for op in ("UPDATE",)]
    )
    with db.engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))
    yield
    if postgres:
        with db.engine.begin() as conn:
            for statement in UNDO_POSTGRES:
                conn.execute(text(statement))


def logged_text(records) -> str:
    """Every log line as it would be written, tracebacks included."""
    formatter = logging.Formatter("%(message)s")
    return "\n".join(formatter.format(record) for record in records)


def test_saving_notes_that_fail_in_the_database_logs_no_notes(
    app, client_for, caplog, refusing_database
):
    mentor, nqsw = make_user(Role.MENTOR), make_user(Role.NQSW)
    assign_mentor(nqsw, mentor)
    request = make_completed_request(nqsw, mentor, case_reference="CR-80417")
    app.config["PROPAGATE_EXCEPTIONS"] = False
    caplog.set_level(logging.DEBUG)
    answer = client_for(mentor).post(
        f"/requests/{request.id}/observation", data={**NOTES, "share": "1"}
    )
    assert answer.status_code == 500
    logged = logged_text(caplog.records)
    assert "refused for this test" in logged  # the failure itself is in the log
    for secret in (NOTES["observed"], NOTES["strengths"], NOTES["to_develop"], "CR-80417"):
        assert secret not in logged
