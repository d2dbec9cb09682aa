"""Sign-in over HTTP: password rules, argon2id, generic failures, lockout, audit."""

from datetime import timedelta

import pytest
from argon2 import PasswordHasher, extract_parameters
from sqlalchemy import select

from nqsw_visits import create_app
from nqsw_visits.core import clock
from nqsw_visits.core.extensions import db
from nqsw_visits.people.models import AuditEvent, User, UserSession
from tests.conftest import FAST_HASH, FreshContextClient, sign_in
from tests.factories import DEFAULT_PASSWORD, make_user

GENERIC_FAILURE = "Enter a correct email address and password"
NEW_PASSWORD = "copper kettle marmalade"


def actions_of(user: User) -> list[str]:
    """The audit actions a user performed, oldest first."""
    query = select(AuditEvent.action).where(AuditEvent.actor_id == user.id)
    return list(db.session.scalars(query.order_by(AuditEvent.id)))


def post_sign_in(client, email: str, password: str):
    return client.post("/sign-in", data={"email": email, "password": password})


def is_signed_in(client) -> bool:
    return client.get("/account/password").status_code == 200


# --- Password rules on /account/password -------------------------------------------------


@pytest.mark.parametrize(
    ("current", "new", "confirm", "message"),
    [
        pytest.param(
            DEFAULT_PASSWORD, "short pass", "short pass", "12 characters or more", id="too-short"
        ),
        pytest.param(
            DEFAULT_PASSWORD,
            "x" * 60 + "y" * 69,
            "x" * 60 + "y" * 69,
            "128 characters or fewer",
            id="too-long",
        ),
        pytest.param(
            DEFAULT_PASSWORD, "password1234", "password1234", "too easy to guess", id="common"
        ),
        pytest.param(
            DEFAULT_PASSWORD,
            "Password123456!",
            "Password123456!",
            "too easy to guess",
            id="common-padded",
        ),
        pytest.param(
            DEFAULT_PASSWORD,
            NEW_PASSWORD,
            NEW_PASSWORD + "x",
            "The passwords do not match",
            id="mismatch",
        ),
        pytest.param(
            "not my password at all",
            NEW_PASSWORD,
            NEW_PASSWORD,
            "Your current password is not correct",
            id="wrong-current",
        ),
    ],
)
def test_bad_new_password_is_refused_with_an_error_summary(client, current, new, confirm, message):
    """Guards the password rules (12-128, not common, typed twice, current one known)."""
    user = make_user()
    sign_in(client, user)
    before = user.password_hash
    response = client.post(
        "/account/password",
        data={"current_password": current, "new_password": new, "confirm_password": confirm},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "There is a problem" in html and "govuk-error-summary" in html
    assert message in html
    db.session.refresh(user)
    assert user.password_hash == before


def test_128_characters_is_allowed(client):
    """The upper limit is inclusive, so long passphrases work."""
    user = make_user()
    sign_in(client, user)
    long_one = "correct horse battery staple " * 4 + "x" * 12
    assert len(long_one) == 128
    response = client.post(
        "/account/password",
        data={
            "current_password": DEFAULT_PASSWORD,
            "new_password": long_one,
            "confirm_password": long_one,
        },
    )
    assert response.status_code == 302


def test_changed_password_is_stored_as_argon2id_and_works(client, app):
    """Guards argon2id hashing: the stored hash carries the $argon2id$ prefix."""
    user = make_user()
    sign_in(client, user)
    response = client.post(
        "/account/password",
        data={
            "current_password": DEFAULT_PASSWORD,
            "new_password": NEW_PASSWORD,
            "confirm_password": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.password_hash.startswith("$argon2id$")
    assert NEW_PASSWORD not in user.password_hash
    assert "password.changed" in actions_of(user)
    fresh = app.test_client()
    assert post_sign_in(fresh, user.email, DEFAULT_PASSWORD).status_code == 422
    assert post_sign_in(fresh, user.email, NEW_PASSWORD).status_code == 302


class TestRehashOnSignIn:
    """The app hashes with stronger settings than the hash a user already has."""

    STRONGER = {"time_cost": 2, "memory_cost": 16, "parallelism": 1}

    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "PASSWORD_HASH_PARAMS": self.STRONGER}

    def test_weaker_hash_is_replaced_at_sign_in(self, client):
        """Guards rehash-on-login: old, cheaper hashes are upgraded when the password is known."""
        user = make_user()
        user.password_hash = PasswordHasher(**FAST_HASH).hash(DEFAULT_PASSWORD)
        db.session.commit()
        weak = user.password_hash
        sign_in(client, user)
        db.session.refresh(user)
        assert user.password_hash != weak
        assert user.password_hash.startswith("$argon2id$")
        params = extract_parameters(user.password_hash)
        assert (params.time_cost, params.memory_cost) == (2, 16)

    def test_failed_sign_in_leaves_the_hash_alone(self, client):
        """Only a verified password may be rehashed."""
        user = make_user()
        user.password_hash = PasswordHasher(**FAST_HASH).hash(DEFAULT_PASSWORD)
        db.session.commit()
        weak = user.password_hash
        assert post_sign_in(client, user.email, "not the password!").status_code == 422
        db.session.refresh(user)
        assert user.password_hash == weak


# --- Generic failure message ---------------------------------------------------------------


def test_unknown_email_and_wrong_password_look_the_same(client):
    """Guards account enumeration: both failures give one message, status and page."""
    make_user(email="known@example.org")
    unknown = post_sign_in(client, "nobody@example.org", DEFAULT_PASSWORD)
    wrong = post_sign_in(client, "known@example.org", "not the password!")
    assert unknown.status_code == wrong.status_code == 422
    unknown_html = unknown.get_data(as_text=True)
    wrong_html = wrong.get_data(as_text=True)
    assert GENERIC_FAILURE in unknown_html and GENERIC_FAILURE in wrong_html
    assert "There is a problem" in unknown_html
    assert unknown_html.replace("nobody@example.org", "EMAIL") == wrong_html.replace(
        "known@example.org", "EMAIL"
    )
    assert not is_signed_in(client)


def test_sign_in_audits_success_failure_and_sign_out(client):
    """Guards the audit trail of sign-in, failure and sign-out."""
    user = make_user()
    post_sign_in(client, user.email, "not the password!")
    post_sign_in(client, "nobody@example.org", "not the password!")
    sign_in(client, user)
    client.post("/sign-out")
    assert actions_of(user) == ["signin.failed", "signin.succeeded", "signout"]
    unknown = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.actor_id.is_(None), AuditEvent.action == "signin.failed"
        )
    ).all()
    assert len(unknown) == 1
    assert "nobody@example.org" not in unknown[0].detail  # a keyed hash instead
    assert "not the password" not in unknown[0].detail


# --- Lockout -------------------------------------------------------------------------------


def test_five_failures_lock_the_account_in_the_database(client, app, app_config):
    """Guards the lockout: 5 failures refuse even the right password for 15 minutes,
    on this and on any other app instance (worker) sharing the database."""
    user = make_user()
    for _ in range(5):
        assert post_sign_in(client, user.email, "not the password!").status_code == 422
    db.session.refresh(user)
    assert user.locked_until is not None
    assert timedelta(minutes=14) < user.locked_until - clock.now() <= timedelta(minutes=15)

    refused = post_sign_in(client, user.email, DEFAULT_PASSWORD)
    assert refused.status_code == 422
    assert GENERIC_FAILURE in refused.get_data(as_text=True)
    assert not is_signed_in(client)

    other_worker = create_app(app_config)
    other_worker.test_client_class = FreshContextClient
    second = other_worker.test_client()
    assert post_sign_in(second, user.email, DEFAULT_PASSWORD).status_code == 422
    assert not is_signed_in(second)
    assert db.session.scalar(select(UserSession).where(UserSession.user_id == user.id)) is None
    assert actions_of(user) == ["signin.failed"] * 5 + ["signin.locked"] + ["signin.refused"] * 2


def test_four_failures_do_not_lock(client):
    """The limit is 5: a fourth failure still lets the right password in."""
    user = make_user()
    for _ in range(4):
        post_sign_in(client, user.email, "not the password!")
    sign_in(client, user)
    assert is_signed_in(client)


def test_sign_in_works_again_once_the_lockout_has_passed(client):
    """Guards that a lockout ends: after locked_until the right password signs in."""
    user = make_user()
    for _ in range(5):
        post_sign_in(client, user.email, "not the password!")
    user.locked_until = clock.now() - timedelta(seconds=1)
    db.session.commit()
    sign_in(client, user)
    assert is_signed_in(client)
    db.session.refresh(user)
    assert user.failed_logins == 0 and user.locked_until is None


def test_deactivated_user_cannot_sign_in(client):
    """Guards deactivation: the right password of a deactivated account is refused."""
    user = make_user(active=False)
    response = post_sign_in(client, user.email, DEFAULT_PASSWORD)
    assert response.status_code == 422
    assert GENERIC_FAILURE in response.get_data(as_text=True)
    assert not is_signed_in(client)
    assert db.session.scalar(select(UserSession).where(UserSession.user_id == user.id)) is None
    assert actions_of(user) == ["signin.refused"]


def test_email_is_matched_without_case(client):
    """People type their email in any case."""
    user = make_user(email="casey@example.org")
    assert post_sign_in(client, "  Casey@Example.ORG ", DEFAULT_PASSWORD).status_code == 302
    assert actions_of(user) == ["signin.succeeded"]
