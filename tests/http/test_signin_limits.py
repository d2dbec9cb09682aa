"""Sign-in is throttled per client address: 429, Retry-After, a GOV.UK page, no pause for others."""

from datetime import timedelta

import pytest
import time_machine

from nqsw_visits import create_app
from nqsw_visits.core import clock
from nqsw_visits.core.extensions import db
from tests.conftest import FreshContextClient
from tests.factories import DEFAULT_PASSWORD, make_user

WRONG = "not the password!"


@pytest.fixture
def app_config(app_config):
    return {**app_config, "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://"}


@pytest.fixture
def client_from(app):
    """client_from("10.0.0.1"): a test client whose requests come from that address."""
    app.test_client_class = FreshContextClient

    def make(address: str):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = address
        return client

    return make


def post(client, email: str, password: str = WRONG, **kwargs):
    return client.post("/sign-in", data={"email": email, "password": password}, **kwargs)


def test_the_eleventh_failure_from_one_address_in_a_minute_gets_429(client_from):
    attacker = client_from("10.0.0.1")
    for number in range(10):
        assert post(attacker, f"nobody{number}@example.org").status_code == 422
    refused = post(attacker, "nobody@example.org")
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    page = refused.get_data(as_text=True)
    assert "Too many attempts to sign in" in page and "govuk-heading-l" in page
    assert "per 1 minute" not in page  # not the library's own text
    assert refused.headers["Content-Type"].startswith("text/html")

    assert client_from("10.0.0.2").get("/sign-in").status_code == 200
    assert attacker.get("/sign-in").status_code == 200  # only posting is limited


def test_the_limited_address_cannot_pause_the_account_for_anyone_else(client_from):
    user = make_user(email="grace@example.org")
    attacker = client_from("10.0.0.1")
    for _ in range(4):
        assert post(attacker, user.email).status_code == 422
    for number in range(6):
        post(attacker, f"nobody{number}@example.org")
    # Each of these would have been the fifth failure and paused the account.
    for _ in range(5):
        assert post(attacker, user.email).status_code == 429
    db.session.refresh(user)
    assert user.failed_logins == 4 and user.locked_until is None

    colleague = client_from("10.0.0.2")
    assert post(colleague, user.email, DEFAULT_PASSWORD).status_code == 302


def test_the_limit_lifts_after_the_window(client_from):
    attacker = client_from("10.0.0.1")
    for _ in range(10):
        post(attacker, "nobody@example.org")
    assert post(attacker, "nobody@example.org").status_code == 429
    with time_machine.travel(clock.now() + timedelta(seconds=61), tick=True):
        assert post(attacker, "nobody@example.org").status_code == 422


def test_fifty_failures_in_an_hour_are_the_most_an_address_gets(client_from):
    attacker = client_from("10.0.0.1")
    start = clock.now()
    for minute in range(5):
        with time_machine.travel(start + timedelta(minutes=2 * minute), tick=True):
            for _ in range(10):
                assert post(attacker, "nobody@example.org").status_code == 422
    with time_machine.travel(start + timedelta(minutes=12), tick=True):
        refused = post(attacker, "nobody@example.org")
    assert refused.status_code == 429
    assert 60 < int(refused.headers["Retry-After"]) <= 3600


def test_successful_sign_ins_do_not_count(client_from):
    """Many staff may sign in from one office address."""
    user = make_user()
    for _ in range(12):
        assert post(client_from("10.0.0.1"), user.email, DEFAULT_PASSWORD).status_code == 302


def test_behind_a_proxy_the_address_comes_from_x_forwarded_for(app, app_config):
    proxied = create_app({**app_config, "PROXY_FIX_HOPS": 1})
    proxied.test_client_class = FreshContextClient
    proxy = proxied.test_client()
    proxy.environ_base["REMOTE_ADDR"] = "192.168.0.9"  # every request comes from the proxy
    first = {"X-Forwarded-For": "10.0.0.1"}
    for _ in range(10):
        post(proxy, "nobody@example.org", headers=first)
    assert post(proxy, "nobody@example.org", headers=first).status_code == 429
    second = {"X-Forwarded-For": "10.0.0.2"}
    assert post(proxy, "nobody@example.org", headers=second).status_code == 422
    with proxied.app_context():
        db.engine.dispose()
