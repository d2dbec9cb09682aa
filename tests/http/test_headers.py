"""Security headers on every kind of response, trusted hosts, and no inline script or style."""

import re

import pytest

from nqsw_visits import create_app
from nqsw_visits.core.security import CSP
from nqsw_visits.people.models import Role
from tests.conftest import FreshContextClient, sign_in
from tests.factories import make_user
from tests.http.test_access import EXPECTED, ROLES, route_path, world

TAG = re.compile(r"<[a-zA-Z][^>]*>")
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.IGNORECASE)
HANDLER_ATTRIBUTE = re.compile(r"\son\w+\s*=", re.IGNORECASE)


def assert_common_headers(response, where: str) -> None:
    headers = response.headers
    assert headers["Content-Security-Policy"] == CSP, where
    assert headers["X-Content-Type-Options"] == "nosniff", where
    assert headers["Referrer-Policy"] == "same-origin", where
    assert "max-age=" in headers.get("Strict-Transport-Security", ""), where


def assert_no_inline_code(response, where: str) -> None:
    """Under the CSP, inline script, style attributes and on* handlers would be blocked."""
    page = response.get_data(as_text=True)
    assert not INLINE_SCRIPT.search(page), where
    assert "<style" not in page.lower(), where
    for tag in TAG.findall(page):
        assert not STYLE_ATTRIBUTE.search(tag), (where, tag)
        assert not HANDLER_ATTRIBUTE.search(tag), (where, tag)
        assert "javascript:" not in tag.lower(), (where, tag)


def test_csp_is_strict():
    """Guards the policy itself: nothing inline, no plugins, no <base>, no framing."""
    directives = {part.strip() for part in CSP.split(";")}
    assert {
        "default-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    } <= directives
    assert "unsafe-inline" not in CSP and "unsafe-eval" not in CSP


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/sign-in", 200),
        ("/accessibility", 200),
        ("/no-such-page", 404),
        ("/static/app.js", 200),
        ("/static/govuk/alongside-6.3.0.min.css", 200),
        ("/healthz", 200),
    ],
)
def test_headers_on_anonymous_responses(client, path, status):
    """Guards the headers on pages, errors, static files and the health check."""
    response = client.get(path)
    assert response.status_code == status
    assert_common_headers(response, path)
    if path.startswith("/static/"):
        assert response.headers.get("Cache-Control") != "no-store"
    else:
        assert response.headers["Cache-Control"] == "no-store"
        assert_no_inline_code(response, path)


def test_headers_on_a_redirect_and_a_failed_sign_in(client):
    make_user(email="someone@example.org")
    for response in (
        client.get("/admin/"),
        client.post("/sign-in", data={"email": "someone@example.org", "password": "wrong"}),
    ):
        assert_common_headers(response, response.request.path)
        assert response.headers["Cache-Control"] == "no-store"
        assert_no_inline_code(response, response.request.path)


@pytest.mark.parametrize("role", ROLES)
def test_every_signed_in_page_has_headers_and_no_inline_code(client, role):
    """Guards no-store and the CSP on every page each role can open, and CSP-safe HTML."""
    data = world()
    sign_in(client, data["people"][role])
    rules = {r.endpoint: r for r in client.application.url_map.iter_rules()}
    pages = 0
    for endpoint, statuses in EXPECTED.items():
        if statuses[role] not in (200, 403):
            continue
        path = route_path(rules[endpoint], data["ids"])
        response = client.get(path)
        assert response.status_code == statuses[role], path
        assert_common_headers(response, path)
        assert response.headers["Cache-Control"] == "no-store", path
        if response.mimetype == "text/html":
            assert_no_inline_code(response, path)
            pages += 1
    assert pages >= 5


def test_fragments_and_form_errors_have_no_inline_code(client):
    """htmx fragments and pages with errors are checked too."""
    data = world()
    admin, nqsw, mentor = data["people"]["admin"], data["people"]["nqsw"], data["people"]["mentor"]
    sign_in(client, admin)
    htmx = {"HX-Request": "true"}
    responses = [
        client.get("/admin/people?status=active", headers=htmx),
        client.post(f"/admin/people/{nqsw.id}/active", data={"active": "0"}, headers=htmx),
        client.get("/no-such-page", headers=htmx),
        client.get(f"/mentors/{mentor.id}/slots", headers=htmx),
        client.get(f"/mentors/{mentor.id}/free?date=2030-01-07&start=10:00&end=11:00"),
        client.post("/admin/people/new", data={"email": "not an email"}),
        client.post("/admin/teams", data={"name": ""}),
        client.post(
            "/account/password",
            data={"current_password": "x", "new_password": "y", "confirm_password": "z"},
        ),
    ]
    for response in responses:
        where = response.request.path
        assert response.status_code in (200, 404, 422), where
        assert_common_headers(response, where)
        assert response.headers["Cache-Control"] == "no-store", where
        assert_no_inline_code(response, where)


def test_no_hsts_in_local_debug(app, app_config):
    """HSTS only outside debug, so a local http://127.0.0.1 trial is not pinned to HTTPS."""
    debug = create_app({**app_config, "DEBUG": True})
    debug.test_client_class = FreshContextClient
    response = debug.test_client().get("/sign-in")
    assert "Strict-Transport-Security" not in response.headers
    assert response.headers["Content-Security-Policy"] == CSP


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("path", ["/sign-in", "/healthz", "/static/app.js", "/admin/"])
def test_bad_host_header_is_refused(client, method, path):
    """Guards TRUSTED_HOSTS: a forged Host (cache poisoning, link spoofing) gets 400."""
    response = client.open(path, method=method, headers={"Host": "evil.example"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "evil.example" not in page and "Traceback" not in page
    assert response.headers["Content-Security-Policy"] == CSP


def test_trusted_hosts_default_to_loopback(app, app_config):
    """Without TRUSTED_HOSTS set, the built-in default still refuses other hosts."""
    config = {k: v for k, v in app_config.items() if k != "TRUSTED_HOSTS"}
    default = create_app(config)
    assert default.config["TRUSTED_HOSTS"] == ["127.0.0.1", "localhost"]
    default.test_client_class = FreshContextClient
    other = default.test_client()
    assert other.get("/healthz", headers={"Host": "evil.example"}).status_code == 400
    assert other.get("/healthz", headers={"Host": "127.0.0.1:5000"}).status_code == 200


def test_signed_in_admin_bad_host_is_refused(client):
    """A signed-in session does not bypass the host check."""
    sign_in(client, make_user(Role.ADMIN))
    assert client.get("/admin/", headers={"Host": "evil.example"}).status_code == 400
