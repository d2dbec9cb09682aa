"""A failed sign-in's audit row names the account, or holds a keyed hash: never what was typed."""

import pytest
from sqlalchemy import select, text

from nqsw_visits.core.extensions import db
from nqsw_visits.people.models import AuditEvent
from nqsw_visits.people.signin import typed_email_hash
from tests.factories import make_user

PASSWORD_IN_EMAIL_FIELD = "Correct-Horse-Battery-Staple-42"


def post(client, email: str, password: str):
    return client.post("/sign-in", data={"email": email, "password": password})


def failures() -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "signin.failed")))


def everything_in_the_audit_table() -> str:
    rows = db.session.execute(text("SELECT * FROM audit_events")).all()
    return " ".join(str(value) for row in rows for value in row)


def test_a_wrong_password_for_an_account_records_the_account_and_no_typed_text(client):
    user = make_user(email="grace@example.org")
    assert post(client, "  Grace@Example.org ", "Tr0ub4dor&3-typed").status_code == 422
    (row,) = failures()
    assert row.actor_id == user.id
    assert (row.object_type, row.object_id) == ("user", user.id)
    stored = everything_in_the_audit_table()
    assert "Grace@Example.org" not in stored and "Tr0ub4dor" not in stored


def test_an_unknown_email_records_a_keyed_hash_only(app, client):
    assert post(client, " Nobody@Example.org", "whatever it was").status_code == 422
    (row,) = failures()
    assert row.actor_id is None and row.object_id is None
    expected = typed_email_hash("nobody@example.org", app.config["SECRET_KEY"])
    assert expected in row.detail
    assert expected != typed_email_hash("nobody@example.org", "another key")
    stored = everything_in_the_audit_table().lower()
    assert "nobody" not in stored and "example.org" not in stored


@pytest.mark.parametrize(
    "typed", [PASSWORD_IN_EMAIL_FIELD, f"grace@example.org{PASSWORD_IN_EMAIL_FIELD}"]
)
def test_a_password_typed_into_the_email_field_is_stored_nowhere_in_the_audit(client, typed):
    make_user(email="grace@example.org")
    assert post(client, typed, "something").status_code == 422
    assert len(failures()) == 1
    assert PASSWORD_IN_EMAIL_FIELD.lower() not in everything_in_the_audit_table().lower()
