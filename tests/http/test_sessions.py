"""Sessions over HTTP: cookie flags, renewal, revocation, timeouts and `next`."""

import json
import re
from datetime import timedelta
from urllib.parse import quote

import pytest
from sqlalchemy import func, select

from nqsw_visits import create_app
from nqsw_visits.core import clock
from nqsw_visits.core.extensions import db
from nqsw_visits.people.models import AuditEvent, Role, UserSession
from tests.conftest import FreshContextClient, sign_in
from tests.factories import DEFAULT_PASSWORD, make_user

COOKIE = "alongside_session"
NEW_PASSWORD = "copper kettle marmalade"


def is_signed_in(client) -> bool:
    """True when a signed-in page answers; False when it sends the client to sign in."""
    response = client.get("/account/password")
    if response.status_code == 302:
        assert response.headers["Location"].startswith("/sign-in")
        return False
    assert response.status_code == 200
    return True


def copy_cookie(source, target) -> None:
    target.set_cookie(COOKIE, source.get_cookie(COOKIE).value)


def session_rows(user) -> list[UserSession]:
    query = select(UserSession).where(UserSession.user_id == user.id)
    return list(db.session.scalars(query.order_by(UserSession.id)))


def session_cookie_header(response) -> str:
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith(COOKIE + "=")]
    assert len(cookies) == 1, response.headers
    return cookies[0]


def cookie_attributes(header: str) -> set[str]:
    return {part.strip().split("=")[0].lower() for part in header.split(";")[1:]}


def csrf_from(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


# --- Cookie flags --------------------------------------------------------------------------


def test_session_cookie_is_httponly_and_samesite_lax(client):
    """Guards the cookie flags: no script access, not sent on cross-site POSTs."""
    header = session_cookie_header(sign_in(client, make_user()))
    assert "httponly" in cookie_attributes(header)
    assert "SameSite=Lax" in header


def test_session_cookie_is_secure_outside_debug_and_testing(app, app_config):
    """Guards the Secure flag in production: the cookie never travels over plain HTTP."""
    user = make_user()
    db.session.commit()
    config = {k: v for k, v in app_config.items() if k != "TESTING"}
    production = create_app({**config, "TESTING": False, "SECRET_KEY": "s" * 40})
    assert not production.debug and not production.testing
    production.test_client_class = FreshContextClient
    response = production.test_client().post(
        "/sign-in", data={"email": user.email, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302
    header = session_cookie_header(response)
    assert {"secure", "httponly"} <= cookie_attributes(header)
    assert "SameSite=Lax" in header


# --- Renewal at sign-in --------------------------------------------------------------------


class TestRenewalWithCsrf:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "WTF_CSRF_ENABLED": True}

    def test_csrf_token_from_before_sign_in_is_dead_after(self, client):
        """Guards session renewal at sign-in: nothing from the anonymous session survives."""
        user = make_user()
        before = csrf_from(client.get("/sign-in").get_data(as_text=True))
        response = client.post(
            "/sign-in",
            data={"email": user.email, "password": DEFAULT_PASSWORD, "csrf_token": before},
        )
        assert response.status_code == 302
        page = client.get("/account/password").get_data(as_text=True)
        after = csrf_from(page)
        assert after != before
        stale = client.post("/sign-out", data={"csrf_token": before})
        assert stale.status_code == 400
        assert is_signed_in(client)
        assert client.post("/sign-out", data={"csrf_token": after}).status_code == 302
        assert not is_signed_in(client)


def test_each_sign_in_opens_a_new_server_side_session(client, app):
    """Guards per-sign-in tokens: the cookie holds a fresh random token every time."""
    user = make_user()
    serializer = app.session_interface.get_signing_serializer(app)
    tokens = []
    for _ in range(2):
        sign_in(client, user)
        tokens.append(serializer.loads(client.get_cookie(COOKIE).value)["_user_id"])
        client.post("/sign-out")
    rows = session_rows(user)
    assert len(rows) == 2 and rows[0].token_hash != rows[1].token_hash
    assert tokens[0] != tokens[1]
    assert str(user.id) not in tokens and all(len(t) >= 40 for t in tokens)
    assert all(row.token_hash not in tokens for row in rows)  # only the hash is stored


# --- Ending sessions -----------------------------------------------------------------------


def test_sign_out_kills_a_copied_cookie(client, app):
    """Guards SECURITY.md trap 3: sign-out ends the session on the server, not only the cookie."""
    user = make_user()
    sign_in(client, user)
    thief = app.test_client()
    copy_cookie(client, thief)
    assert is_signed_in(thief)
    response = client.post("/sign-out")
    assert response.status_code == 302 and response.headers["Location"] == "/sign-in"
    assert not is_signed_in(client)
    assert not is_signed_in(thief)
    assert [row.end_reason for row in session_rows(user)] == ["signed out"]


def test_password_change_ends_other_sessions_but_not_this_one(client, app):
    """Guards revocation at password change: every other device is signed out."""
    user = make_user()
    sign_in(client, user)
    laptop = app.test_client()
    sign_in(laptop, user)
    copied = app.test_client()
    copy_cookie(client, copied)
    response = client.post(
        "/account/password",
        data={
            "current_password": DEFAULT_PASSWORD,
            "new_password": NEW_PASSWORD,
            "confirm_password": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert is_signed_in(client)
    assert not is_signed_in(laptop)
    assert not is_signed_in(copied)  # the old token of this browser is dead too
    open_rows = [row for row in session_rows(user) if row.ended_at is None]
    assert len(open_rows) == 1


def _admin_client(app):
    admin = app.test_client()
    sign_in(admin, make_user(Role.ADMIN))
    return admin


def test_admin_password_reset_ends_the_users_sessions(client, app):
    """Guards revocation at an admin reset: whoever holds the old session is signed out."""
    user = make_user()
    sign_in(client, user)
    admin = _admin_client(app)
    response = admin.post(
        f"/admin/people/{user.id}/password",
        data={"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert not is_signed_in(client)
    assert {row.end_reason for row in session_rows(user)} == {"password reset"}
    assert is_signed_in(admin)


def test_deactivation_ends_the_users_sessions(client, app):
    """Guards revocation at deactivation."""
    user = make_user()
    sign_in(client, user)
    admin = _admin_client(app)
    response = admin.post(f"/admin/people/{user.id}/active", data={"active": "0"})
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.active is False
    # Ended at once by the deactivation, not only when the session is next used.
    assert {row.end_reason for row in session_rows(user)} == {"deactivated"}
    assert not is_signed_in(client)


def test_deactivated_user_is_refused_even_if_a_session_was_left_open(client):
    """A second line of defence: a session of a deactivated account is not honoured."""
    user = make_user()
    sign_in(client, user)
    user.active = False
    db.session.commit()
    assert not is_signed_in(client)


# --- Timeouts ------------------------------------------------------------------------------


def _age_session(user, column: str, age: timedelta) -> None:
    row = session_rows(user)[-1]
    setattr(row, column, clock.now() - age)
    db.session.commit()


@pytest.mark.parametrize(
    ("column", "reason"),
    [("last_seen_at", "idle timeout"), ("created_at", "absolute timeout")],
)
def test_default_timeouts_end_the_session(client, app, column, reason):
    """Guards the idle (30 min) and absolute (12 h) timeouts."""
    user = make_user()
    sign_in(client, user)
    limit = app.config[
        "SESSION_IDLE_TIMEOUT" if column == "last_seen_at" else "SESSION_ABSOLUTE_TIMEOUT"
    ]
    assert limit == (timedelta(minutes=30) if column == "last_seen_at" else timedelta(hours=12))
    _age_session(user, column, limit - timedelta(minutes=1))
    assert is_signed_in(client)
    if column == "created_at":
        _age_session(user, "last_seen_at", timedelta(0))
    _age_session(user, column, limit + timedelta(minutes=1))
    assert not is_signed_in(client)
    assert session_rows(user)[-1].end_reason == reason
    expired = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.actor_id == user.id, AuditEvent.action == "session.expired"
        )
    ).all()
    assert len(expired) == 1 and reason in expired[0].detail


class TestConfiguredTimeouts:
    @pytest.fixture
    def app_config(self, app_config):
        return {
            **app_config,
            "SESSION_IDLE_TIMEOUT": timedelta(minutes=5),
            "SESSION_ABSOLUTE_TIMEOUT": timedelta(hours=1),
        }

    @pytest.mark.parametrize(
        ("column", "age", "stays"),
        [
            ("last_seen_at", timedelta(minutes=4), True),
            ("last_seen_at", timedelta(minutes=6), False),
            ("created_at", timedelta(minutes=59), True),
            ("created_at", timedelta(minutes=61), False),
        ],
    )
    def test_timeouts_follow_the_configuration(self, client, column, age, stays):
        """Guards that both timeouts are read from configuration, not fixed in code."""
        user = make_user()
        sign_in(client, user)
        _age_session(user, column, age)
        assert is_signed_in(client) is stays


# --- `next` --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw_next", "expected"),
    [
        ("/admin/people", "/admin/people"),
        ("/admin/people?status=active", "/admin/people?status=active"),
        ("//evil.example", "/"),
        ("https://evil.example", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("http:/x", "/"),
        ("/%2F%2Fevil", "/"),
        ("/%5Cevil.example", "/"),
        ("%2F%2Fevil.example", "/"),
        ("/\tevil", "/"),
    ],
)
def test_next_only_goes_to_local_paths(client, raw_next, expected):
    """Guards against open redirects through ?next= after sign-in."""
    user = make_user(Role.ADMIN)
    # Once exactly as given, and once as typed into a URL (so `%2F` arrives decoded).
    queries = [quote(raw_next, safe="")]
    if not any(c.isspace() for c in raw_next):
        queries.append(raw_next.replace("?", "%3F"))
    for query in queries:
        fresh = client.application.test_client()
        response = fresh.post(
            f"/sign-in?next={query}", data={"email": user.email, "password": DEFAULT_PASSWORD}
        )
        assert response.status_code == 302
        assert response.headers["Location"] == expected, query


def test_sign_in_redirect_remembers_the_page_asked_for(client):
    """An anonymous visit to a page comes back there after sign-in."""
    user = make_user(Role.ADMIN)
    response = client.get("/admin/teams")
    assert response.headers["Location"] == "/sign-in?next=/admin/teams"
    response = client.post(
        response.headers["Location"], data={"email": user.email, "password": DEFAULT_PASSWORD}
    )
    assert response.headers["Location"] == "/admin/teams"


# --- Signing out here, or everywhere ---------------------------------------------------------


def banner_after(response, client) -> str:
    """The success banner on the page a sign-out sends the browser to."""
    assert response.status_code == 302 and response.headers["Location"] == "/sign-in"
    page = client.get("/sign-in").get_data(as_text=True)
    banner = re.search(r"govuk-notification-banner--success.*?</div>\s*</div>", page, re.S)
    assert banner, page
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", banner.group(0)))


def test_signed_out_page_says_no_other_device_is_signed_in(client):
    """Sign-out says where the person stays signed in: here, nowhere."""
    user = make_user()
    sign_in(client, user)
    banner = banner_after(client.post("/sign-out"), client)
    assert "You have signed out on this device" in banner
    assert "You are not signed in on any other device" in banner


def test_signed_out_page_says_other_devices_stay_signed_in(client, app):
    """Sign-out ends only this session, and says the others stay signed in."""
    user = make_user()
    sign_in(client, user)
    laptop, phone = app.test_client(), app.test_client()
    sign_in(laptop, user)
    sign_in(phone, user)
    banner = banner_after(client.post("/sign-out"), client)
    assert "You are still signed in on 2 other devices" in banner
    assert "Sign out everywhere" in banner
    assert not is_signed_in(client)
    assert is_signed_in(laptop) and is_signed_in(phone)
    assert [row.end_reason for row in session_rows(user)] == ["signed out", None, None]


def test_a_timed_out_session_is_not_counted_as_signed_in(client, app):
    """The count leaves out sessions past the idle timeout, which no one can use."""
    user = make_user()
    old = app.test_client()
    sign_in(old, user)
    _age_session(user, "last_seen_at", timedelta(minutes=31))
    sign_in(client, user)
    banner = banner_after(client.post("/sign-out"), client)
    assert "You are not signed in on any other device" in banner


def test_sign_out_everywhere_ends_every_session_of_the_person(client, app):
    """Guards "Sign out everywhere": this device, other devices and copied cookies all end."""
    user = make_user()
    someone_else = make_user(name="Other Person")
    sign_in(client, user)
    laptop, copied, other = app.test_client(), app.test_client(), app.test_client()
    sign_in(laptop, user)
    copy_cookie(client, copied)
    sign_in(other, someone_else)
    start = db.session.scalar(select(func.max(AuditEvent.id)))

    response = client.post("/sign-out", data={"everywhere": "1"})

    assert "You have signed out everywhere" in banner_after(response, client)
    assert not any(is_signed_in(c) for c in (client, laptop, copied))
    assert is_signed_in(other)
    assert {row.end_reason for row in session_rows(user)} == {"signed out everywhere"}
    audited = db.session.scalars(select(AuditEvent).where(AuditEvent.id > start)).all()
    assert [(e.action, e.actor_id) for e in audited] == [("signout", user.id)]
    assert json.loads(audited[0].detail) == {"everywhere": True, "sessions": 2}


def test_change_password_page_offers_sign_out_everywhere(client, app):
    """The account area says how many other devices are signed in and offers the button."""
    user = make_user()
    sign_in(client, user)
    page = client.get("/account/password").get_data(as_text=True)
    assert "You are not signed in on any other device" in page
    sign_in(app.test_client(), user)
    page = client.get("/account/password").get_data(as_text=True)
    assert "You are also signed in on 1 other device" in page
    form = re.search(r'<form method="post" action="/sign-out">(.*?)</form>', page, re.S).group(1)
    assert 'name="everywhere" value="1"' in form and 'name="csrf_token"' in form
    assert ">Sign out everywhere</button>" in form


def test_sign_out_everywhere_does_not_answer_get(client):
    """GET never changes state: the page of the same path is refused, the session stays."""
    user = make_user()
    sign_in(client, user)
    assert client.get("/sign-out?everywhere=1").status_code == 405
    assert is_signed_in(client)


class TestSignOutEverywhereWithCsrf:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "WTF_CSRF_ENABLED": True}

    def test_sign_out_everywhere_needs_the_csrf_token(self, client, app):
        """Guards CSRF on sign-out everywhere: a forged post signs no one out."""
        user = make_user()
        laptop = app.test_client()
        for browser in (client, laptop):
            token = csrf_from(browser.get("/sign-in").get_data(as_text=True))
            form = {"email": user.email, "password": DEFAULT_PASSWORD, "csrf_token": token}
            assert browser.post("/sign-in", data=form).status_code == 302
        forged = client.post("/sign-out", data={"everywhere": "1"})
        assert forged.status_code == 400
        assert is_signed_in(client) and is_signed_in(laptop)
        token = csrf_from(client.get("/account/password").get_data(as_text=True))
        done = client.post("/sign-out", data={"everywhere": "1", "csrf_token": token})
        assert done.status_code == 302
        assert not is_signed_in(client) and not is_signed_in(laptop)
