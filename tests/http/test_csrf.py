"""CSRF over HTTP: every POST needs a token (form field or X-CSRFToken header)."""

import html
import json
import re

import itsdangerous.timed
import pytest
from sqlalchemy import func, select

from nqsw_visits.core import clock
from nqsw_visits.core.extensions import db
from nqsw_visits.people.models import AuditEvent, Role, User
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.http.test_access import route_path, rules, world


@pytest.fixture
def app_config(app_config):
    return {**app_config, "WTF_CSRF_ENABLED": True}


def form_token(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def header_token(page: str) -> str:
    """The token htmx sends, from the body's hx-headers attribute."""
    attribute = re.search(r'<body[^>]*\shx-headers="([^"]+)"', page).group(1)
    return json.loads(html.unescape(attribute))["X-CSRFToken"]


def sign_in_with_token(client, user) -> None:
    token = form_token(client.get("/sign-in").get_data(as_text=True))
    response = client.post(
        "/sign-in", data={"email": user.email, "password": DEFAULT_PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302


def audit_count() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent))


def test_csrf_is_on_and_not_time_limited(app):
    """Guards SECURITY.md trap 11: the token lives as long as the session."""
    assert app.config["WTF_CSRF_ENABLED"] is True
    assert app.config["WTF_CSRF_TIME_LIMIT"] is None


def test_sign_in_without_a_token_is_refused(client):
    """Guards login CSRF: a cross-site form cannot sign a victim in to another account."""
    user = make_user()
    response = client.post("/sign-in", data={"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 400
    assert "Your form has expired" in response.get_data(as_text=True)
    assert client.get("/account/password").status_code == 302


def test_every_post_route_refuses_a_post_without_a_token(app, client):
    """Guards CSRF on every POST: walks app.url_map so new routes are covered."""
    ids = world()["ids"]
    sign_in_with_token(client, make_user(Role.ADMIN))
    before = audit_count()
    posts = rules(app, "POST")
    assert len(posts) >= 10
    for rule in posts:
        path = route_path(rule, ids)
        data = {"active": "0", "name": "Forged team", "display_name": "Forged"}
        plain = client.post(path, data=data)
        assert plain.status_code == 400, path
        assert "Your form has expired" in plain.get_data(as_text=True), path
        htmx = client.post(path, data=data, headers={"HX-Request": "true"})
        assert htmx.status_code == 400, path
        wrong = client.post(path, data=data, headers={"X-CSRFToken": "forged"})
        assert wrong.status_code == 400, path
    assert audit_count() == before  # nothing changed, not even a sign-out
    assert client.get("/admin/").status_code == 200


def test_htmx_post_with_the_header_token_is_accepted(client):
    """The X-CSRFToken from hx-headers lets htmx posts through (and only with it)."""
    target = make_user()
    sign_in_with_token(client, make_user(Role.ADMIN))
    page = client.get(f"/admin/people/{target.id}").get_data(as_text=True)
    token = header_token(page)
    response = client.post(
        f"/admin/people/{target.id}/active",
        data={"active": "0"},
        headers={"HX-Request": "true", "X-CSRFToken": token},
    )
    assert response.status_code == 200
    assert "Account deactivated" in response.get_data(as_text=True)
    assert db.session.get(User, target.id).active is False


def test_form_token_signs_out(client):
    """The sign-out button's hidden token works."""
    user = make_user()
    sign_in_with_token(client, user)
    page = client.get("/account/password").get_data(as_text=True)
    assert client.post("/sign-out", data={"csrf_token": form_token(page)}).status_code == 302
    assert client.get("/account/password").status_code == 302


def test_token_still_works_hours_later(client, monkeypatch):
    """Guards trap 11 by behaviour: a page left open for 3 hours can still post."""
    target = make_user()
    sign_in_with_token(client, make_user(Role.ADMIN))
    token = header_token(client.get("/admin/").get_data(as_text=True))
    later = clock.now().timestamp() + 3 * 3600
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: later)
    response = client.post(
        f"/admin/people/{target.id}/active",
        data={"active": "0"},
        headers={"HX-Request": "true", "X-CSRFToken": token},
    )
    assert response.status_code == 200
    assert db.session.get(User, target.id).active is False
