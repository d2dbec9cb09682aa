"""The sign-in cookie lasts as long as the browser; the session table ends sessions."""

from datetime import timedelta

from tests.conftest import sign_in
from tests.factories import make_user


def test_the_session_cookie_has_no_expiry_of_its_own(client):
    response = sign_in(client, make_user())
    cookie = next(
        header
        for header in response.headers.getlist("Set-Cookie")
        if header.startswith("alongside_session=")
    )
    assert "expires=" not in cookie.lower() and "max-age=" not in cookie.lower()
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_an_idle_session_still_ends_on_the_server(client, moment):
    sign_in(client, make_user())
    assert client.get("/account/password").status_code == 200
    moment.shift(timedelta(hours=13))
    assert client.get("/account/password").status_code == 302
