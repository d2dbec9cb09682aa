"""What the hostile-input test found answering 5xx, each kept as its own regression test."""

import pytest

from nqsw_visits.people.models import Role
from tests.conftest import sign_in
from tests.factories import make_completed_request, make_shared_observation, make_user

HTMX = {"HX-Request": "true"}


@pytest.mark.parametrize("odd", [2**31, 2**63, 10**30])
@pytest.mark.parametrize(
    "path",
    [
        "/admin/people/{}",
        "/admin/teams/{}",
        "/requests/{}",
        "/observations/{}",
        "/mentors/{}/diary",
    ],
)
def test_an_id_too_large_for_the_database_is_page_not_found(client, path, odd):
    """It reached the database, which refused it (OverflowError on SQLite, DataError on PG)."""
    sign_in(client, make_user(Role.ADMIN))
    response = client.get(path.format(odd))
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)
    assert client.post(path.format(odd), headers=HTMX).status_code in (404, 405)


def test_a_reflection_saved_in_place_answers_its_section(client):
    """The htmx answer named a fragment after the section's anchor, which has no template."""
    nqsw, mentor = make_user(Role.NQSW), make_user(Role.MENTOR)
    observation = make_shared_observation(make_completed_request(nqsw, mentor))
    sign_in(client, nqsw)
    response = client.post(
        f"/observations/{observation.id}/reflection",
        data={"reflection": "I will slow down the opening", "do_differently": "Ask first"},
        headers=HTMX,
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<section id="reflection-section"' in html and "<html" not in html
    assert "I will slow down the opening" in html
