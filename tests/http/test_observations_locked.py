"""A change to a signed and locked observation gets the same clear refusal, mentor or NQSW."""

import pytest
from sqlalchemy import select

from nqsw_visits.core.extensions import db
from nqsw_visits.observations.models import Observation
from nqsw_visits.people.models import AuditEvent, Role
from tests.factories import (
    assign_mentor,
    make_completed_request,
    make_shared_observation,
    make_user,
)

REFUSAL = "This observation is signed and locked. Add an addendum instead."
NOTES = {
    "classification": "formative",
    "observed": "Rewritten after the lock",
    "for_case_record": "no",
    "save": "1",
}


@pytest.fixture
def people(app):
    mentor = make_user(Role.MENTOR, name="Maya Okafor")
    nqsw = make_user(Role.NQSW, name="Ella Nowak")
    assign_mentor(nqsw, mentor)
    request = make_completed_request(nqsw, mentor)
    observation = make_shared_observation(request, observed="What I saw")
    return {"mentor": mentor, "nqsw": nqsw, "request": request, "observation": observation}


def lock(people, client_for) -> None:
    """Both sign from the record page; the record locks."""
    url = f"/observations/{people['observation'].id}"
    nqsw = client_for(people["nqsw"])
    assert nqsw.post(f"{url}/reflection", data={"reflection": "I rushed."}).status_code == 302
    assert nqsw.post(f"{url}/sign").status_code == 302
    assert client_for(people["mentor"]).post(f"{url}/sign").status_code == 302
    db.session.expire_all()
    assert db.session.get(Observation, people["observation"].id).locked_at


def saved_rows() -> int:
    return len(
        db.session.scalars(select(AuditEvent).where(AuditEvent.action == "observation.saved")).all()
    )


def test_the_mentor_sending_changes_after_the_lock_is_told_why(people, client_for):
    mentor = client_for(people["mentor"])
    url = f"/requests/{people['request'].id}/observation"
    assert mentor.get(url).status_code == 200  # the form is open while the record locks
    lock(people, client_for)
    before = saved_rows()

    page = mentor.post(url, data=NOTES)
    body = page.get_data(as_text=True)
    assert page.status_code == 409
    assert "<html" in body and "There is a problem" in body and REFUSAL in body
    assert f'href="/observations/{people["observation"].id}#addenda"' in body
    assert 'name="observed"' not in body  # no form that could only be refused again

    fragment = mentor.post(url, data=NOTES, headers={"HX-Request": "true"})
    html = fragment.get_data(as_text=True)
    assert fragment.status_code == 409 and "HX-Request" in fragment.headers["Vary"]
    assert "<html" not in html and 'id="observation-form"' in html and REFUSAL in html

    db.session.expire_all()
    assert db.session.get(Observation, people["observation"].id).observed == "What I saw"
    assert saved_rows() == before


def test_opening_the_form_of_a_locked_record_is_refused_not_redirected(people, client_for):
    lock(people, client_for)
    page = client_for(people["mentor"]).get(f"/requests/{people['request'].id}/observation")
    assert page.status_code == 409 and "Location" not in page.headers
    assert REFUSAL in page.get_data(as_text=True)


def test_the_nqsw_gets_the_same_refusal(people, client_for):
    lock(people, client_for)
    url = f"/observations/{people['observation'].id}/reflection"
    page = client_for(people["nqsw"]).post(url, data={"reflection": "Changed"})
    assert page.status_code == 409
    assert "There is a problem" in page.get_data(as_text=True)
    assert REFUSAL in page.get_data(as_text=True)


def test_the_write_form_answers_htmx_in_place(people, client_for):
    """Before the lock, htmx gets errors in place and a whole-page redirect once saved."""
    mentor = client_for(people["mentor"])
    url = f"/requests/{people['request'].id}/observation"
    empty = mentor.post(url, data={**NOTES, "observed": "Seen\x00"}, headers={"HX-Request": "true"})
    html = empty.get_data(as_text=True)
    assert empty.status_code == 422 and "<html" not in html and "There is a problem" in html
    saved = mentor.post(url, data=NOTES, headers={"HX-Request": "true"})
    assert saved.status_code == 200
    assert saved.headers["HX-Redirect"] == f"/observations/{people['observation'].id}"
