"""The council's case-reference format: the ask form's hint, its error, and a check at start."""

import re

import pytest
from sqlalchemy import select

from nqsw_visits import create_app
from nqsw_visits.core import config
from nqsw_visits.core.extensions import db
from nqsw_visits.support_requests.models import SupportRequest
from tests.conftest import base_config
from tests.http.test_requests import ask_form, count, page_text, people  # noqa: F401

SIX_DIGITS = {"CASE_REFERENCE_PATTERN": r"\d{6}", "CASE_REFERENCE_EXAMPLE": "123456"}


def hint(html: str) -> str:
    found = re.search(r'id="case_reference-hint"[^>]*>\s*([^<]*)<', html)
    return found.group(1).strip()


def test_the_hint_gives_the_example(people, client_for, app):  # noqa: F811
    nqsw = client_for(people["nqsw"])
    assert "for example CR-4417" in hint(nqsw.get("/requests/new").get_data(as_text=True))
    app.config.update(SIX_DIGITS)
    assert "for example 123456" in hint(nqsw.get("/requests/new").get_data(as_text=True))


@pytest.mark.parametrize("typed", ["CR 4417", "CR-4417!", "A" * 21, "X", "<b>CR-1</b>"])
def test_a_reference_in_another_format_is_refused_naming_the_example(
    people,  # noqa: F811
    client_for,
    typed,
):
    form = ask_form(people["mentor"], case_reference=typed)
    answer = client_for(people["nqsw"]).post("/requests/new", data=form)
    shown = page_text(answer)
    assert answer.status_code == 422 and "There is a problem" in shown
    assert shown.count("Enter a case reference in the same format as CR-4417") == 2  # summary
    assert count(SupportRequest) == 0


def test_the_councils_own_format_applies(people, client_for, app):  # noqa: F811
    app.config.update(SIX_DIGITS)
    nqsw = client_for(people["nqsw"])
    refused = nqsw.post("/requests/new", data=ask_form(people["mentor"], case_reference="CR-4417"))
    assert refused.status_code == 422
    assert "Enter a case reference in the same format as 123456" in page_text(refused)
    sent = nqsw.post("/requests/new", data=ask_form(people["mentor"], case_reference=" 654321 "))
    assert sent.status_code == 302
    assert db.session.scalar(select(SupportRequest.case_reference)) == "654321"


def test_a_reference_is_matched_ignoring_case_and_stored_in_capitals(people, client_for):  # noqa: F811
    form = ask_form(people["mentor"], case_reference="cr-4417")
    assert client_for(people["nqsw"]).post("/requests/new", data=form).status_code == 302
    assert db.session.scalar(select(SupportRequest.case_reference)) == "CR-4417"


def test_the_settings_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("CASE_REFERENCE_PATTERN", r"\d{6}")
    monkeypatch.setenv("CASE_REFERENCE_EXAMPLE", "123456")
    settings = config.from_environment(str(tmp_path))
    assert settings["CASE_REFERENCE_PATTERN"] == r"\d{6}"
    assert settings["CASE_REFERENCE_EXAMPLE"] == "123456"


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"CASE_REFERENCE_PATTERN": "CR-[0-9"}, "is not a valid regular expression"),
        ({"CASE_REFERENCE_EXAMPLE": "CR 4417"}, "does not match CASE_REFERENCE_PATTERN"),
    ],
)
def test_a_bad_format_refuses_to_start(database_url, tmp_path, settings, message):
    with pytest.raises(RuntimeError, match=message):
        create_app({**base_config(database_url, tmp_path), **settings})


def test_a_council_format_wider_than_the_default_is_stored(people, client_for, app):  # noqa: F811
    """The rule leaves the format to the council's setting: a space, a dot, 25 characters."""
    app.config.update(
        {"CASE_REFERENCE_PATTERN": r"LA\d{2} [\d.]{4,22}", "CASE_REFERENCE_EXAMPLE": "LA12 3456"}
    )
    typed = "LA07 1234.5678.9012.3456"
    form = ask_form(people["mentor"], case_reference=typed)
    answer = client_for(people["nqsw"]).post("/requests/new", data=form)
    assert answer.status_code == 302, page_text(answer)[:300]
    stored = db.session.scalars(select(SupportRequest.case_reference)).all()
    assert stored == [typed]
