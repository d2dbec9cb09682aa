"""The app starts on a migrated database and each role reaches its home."""

from nqsw_visits.people.models import Role
from tests.conftest import sign_in
from tests.factories import make_user


def test_sign_in_page_renders(client):
    response = client.get("/sign-in")
    assert response.status_code == 200
    assert "Sign in to Alongside" in response.get_data(as_text=True)


def test_each_role_lands_on_its_home(client):
    for role, path, heading in [
        (Role.NQSW, "/my-support", "My support"),
        (Role.MENTOR, "/mentoring", "Mentoring"),
        (Role.PRACTICE_MANAGER, "/my-team", "My team"),
        (Role.ADMIN, "/admin/", "Administration"),
    ]:
        fresh = client.application.test_client()
        sign_in(fresh, make_user(role))
        response = fresh.get("/", follow_redirects=True)
        assert response.request.path == path
        assert f">{heading}</h1>" in response.get_data(as_text=True)
