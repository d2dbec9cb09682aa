"""Inviting more people to a group session over HTTP: by team, cohort or address, with the
GOV.UK error summary, only by the organiser or an admin, and only before it starts."""

import pytest

from nqsw_visits.core.extensions import db
from nqsw_visits.group_sessions.models import GroupInvite
from nqsw_visits.notifications.models import Notification
from tests.conftest import FreshContextClient
from tests.http.test_group_sessions import build, count, during


@pytest.fixture
def world(app):
    app.test_client_class = FreshContextClient
    return build(invited=1)


def path(world, suffix: str = "") -> str:
    return f"/group-sessions/{world['session'].id}{suffix}"


def is_invited(world, who: str) -> bool:
    db.session.expire_all()
    person = world["people"][who]
    return db.session.get(GroupInvite, (world["session"].id, person.id)) is not None


def test_the_organiser_invites_a_team_and_a_named_person_without_javascript(world, client_for):
    organiser = client_for(world["people"]["organiser"])
    page = organiser.get(path(world)).get_data(as_text=True)
    assert 'id="invite"' in page and f'action="{path(world, "/invitations")}"' in page
    assert 'name="scope"' not in page  # one session, not a series
    email = world["people"]["uninvited"].email
    response = organiser.post(
        path(world, "/invitations"), data={"teams": [str(world["team"].id)], "people": email}
    )
    assert response.status_code == 303 and response.headers["Location"].endswith("#invite")
    for who in ("second", "third", "uninvited"):
        assert is_invited(world, who), who
    shown = organiser.get(response.headers["Location"]).get_data(as_text=True)
    assert "more invited" in shown
    told = count(Notification, Notification.user_id == world["people"]["uninvited"].id)
    assert told == 1
    # The newly invited person now sees the session and may reply.
    newcomer = client_for(world["people"]["uninvited"])
    assert "You have not replied yet" in newcomer.get(path(world)).get_data(as_text=True)


def test_an_unknown_address_is_an_error_on_its_field_and_invites_no_one(world, client_for):
    organiser = client_for(world["people"]["organiser"])
    response = organiser.post(path(world, "/invitations"), data={"people": "nobody@example.org"})
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "govuk-error-summary" in text and "nobody@example.org" in text
    assert 'href="#people"' in text
    assert not is_invited(world, "second")


def test_choosing_no_one_is_an_error(world, client_for):
    organiser = client_for(world["people"]["organiser"])
    response = organiser.post(path(world, "/invitations"), data={})
    assert response.status_code == 422
    assert "govuk-error-summary" in response.get_data(as_text=True)


@pytest.mark.parametrize(("who", "status"), [("invited", 403), ("uninvited", 404), ("mentor", 404)])
def test_only_the_organiser_or_an_admin_invites(world, client_for, who, status):
    email = world["people"]["third"].email
    response = client_for(world["people"][who]).post(
        path(world, "/invitations"), data={"people": email}
    )
    assert response.status_code == status
    assert not is_invited(world, "third")
    admin = client_for(world["people"]["admin"])
    assert admin.post(path(world, "/invitations"), data={"people": email}).status_code == 303
    assert is_invited(world, "third")


def test_no_one_is_invited_once_the_session_has_started(app, world):
    with during(app, world["session"]) as client_as:
        organiser = client_as(world["people"]["organiser"])
        page = organiser.get(path(world)).get_data(as_text=True)
        assert 'id="invite"' not in page
        email = world["people"]["third"].email
        response = organiser.post(path(world, "/invitations"), data={"people": email})
        assert response.status_code == 409
    assert not is_invited(world, "third")
