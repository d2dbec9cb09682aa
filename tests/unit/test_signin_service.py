"""Signing in, lockout and server-side sessions, tested without HTTP."""

import threading
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select, update

from nqsw_visits.core import clock
from nqsw_visits.core.extensions import db
from nqsw_visits.people import passwords, signin
from nqsw_visits.people.models import AuditEvent, User, UserSession
from tests.factories import DEFAULT_PASSWORD, make_user

LIMITS = {"max_failures": 5, "lockout": timedelta(minutes=15), "audit_key": "k"}
TIMEOUTS = {"idle": timedelta(minutes=30), "absolute": timedelta(hours=12)}


def actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_right_password_signs_in_and_is_audited(app):
    user = make_user(email="grace@example.org")
    result = signin.authenticate("  Grace@Example.org ", DEFAULT_PASSWORD, clock.now(), **LIMITS)
    assert result.user == user and result.outcome == "ok"
    assert actions() == ["signin.succeeded"]


def test_unknown_email_and_wrong_password_fail_alike(app):
    make_user(email="grace@example.org")
    unknown = signin.authenticate("nobody@example.org", DEFAULT_PASSWORD, clock.now(), **LIMITS)
    wrong = signin.authenticate("grace@example.org", "not the password", clock.now(), **LIMITS)
    assert (unknown.user, unknown.outcome) == (wrong.user, wrong.outcome) == (None, "failed")
    assert actions() == ["signin.failed", "signin.failed"]


def test_fifth_failure_locks_for_fifteen_minutes_even_with_the_right_password(app):
    user = make_user()
    outcomes = [
        signin.authenticate(user.email, "wrong one", clock.now(), **LIMITS).outcome
        for _ in range(5)
    ]
    assert outcomes == ["failed"] * 4 + ["locked"]
    db.session.refresh(user)
    assert timedelta(minutes=14) < user.locked_until - clock.now() <= timedelta(minutes=15)
    assert signin.authenticate(user.email, DEFAULT_PASSWORD, clock.now(), **LIMITS).user is None
    assert "signin.locked" in actions()
    user.locked_until = clock.now() - timedelta(seconds=1)
    db.session.commit()
    assert signin.authenticate(user.email, DEFAULT_PASSWORD, clock.now(), **LIMITS).user == user


def test_success_resets_the_failure_count(app):
    user = make_user()
    for _ in range(4):
        signin.authenticate(user.email, "wrong one", clock.now(), **LIMITS)
    signin.authenticate(user.email, DEFAULT_PASSWORD, clock.now(), **LIMITS)
    assert user.failed_logins == 0
    for _ in range(4):
        signin.authenticate(user.email, "wrong one", clock.now(), **LIMITS)
    assert user.locked_until is None


def test_deactivated_account_is_refused_with_the_right_password(app):
    user = make_user(active=False)
    assert signin.authenticate(user.email, DEFAULT_PASSWORD, clock.now(), **LIMITS).user is None
    assert actions() == ["signin.refused"]


def test_a_lock_is_judged_at_the_moment_given(app):
    user = make_user()
    user.locked_until = clock.now() + timedelta(minutes=10)
    db.session.commit()
    later = clock.now() + timedelta(minutes=11)
    assert signin.authenticate(user.email, DEFAULT_PASSWORD, clock.now(), **LIMITS).user is None
    assert signin.authenticate(user.email, DEFAULT_PASSWORD, later, **LIMITS).user == user


def test_a_weak_hash_is_replaced_at_sign_in(app):
    user = make_user()
    weak = PasswordHasher(time_cost=1, memory_cost=16, parallelism=1).hash(DEFAULT_PASSWORD)
    user.password_hash = weak
    db.session.commit()
    assert signin.authenticate(user.email, DEFAULT_PASSWORD, clock.now(), **LIMITS).user == user
    assert user.password_hash != weak and not passwords.needs_rehash(user.password_hash)
    assert passwords.verify(user.password_hash, DEFAULT_PASSWORD)


@pytest.fixture
def meanwhile(monkeypatch):
    """meanwhile(values): while the password is checked, another connection changes the user."""

    def change_during_verify(user_id: int, **values):
        original, engine = passwords.verify, db.engine

        def change():
            with engine.begin() as other:
                other.execute(update(User).where(User.id == user_id).values(**values))

        def verify_then_change(*args):
            # A thread of its own, as another request would be: it begins a write transaction.
            other = threading.Thread(target=change)
            other.start()
            other.join()
            return original(*args)

        monkeypatch.setattr(passwords, "verify", verify_then_change)

    return change_during_verify


def test_a_lock_set_while_the_password_is_checked_still_refuses(app, meanwhile):
    user = make_user()
    meanwhile(user.id, locked_until=clock.now() + timedelta(minutes=15))
    result = signin.authenticate(user.email, DEFAULT_PASSWORD, clock.now(), **LIMITS)
    assert (result.user, result.outcome) == (None, "locked")
    assert actions() == ["signin.refused"]


def test_a_password_changed_while_the_old_one_is_checked_refuses(app, meanwhile):
    user = make_user()
    meanwhile(user.id, password_hash=passwords.hash_password("a brand new kettle song"))
    result = signin.authenticate(user.email, DEFAULT_PASSWORD, clock.now(), **LIMITS)
    assert (result.user, result.outcome) == (None, "failed")
    assert actions() == ["signin.failed"]
    assert user.failed_logins == 0  # the password was right when typed: not a failure


def test_session_token_is_stored_only_as_a_hash(app):
    user = make_user()
    token = signin.start_session(user)
    stored = db.session.scalar(select(UserSession))
    assert token not in stored.token_hash and len(stored.token_hash) == 64
    assert signin.load_session(token, **TIMEOUTS) == user
    assert signin.load_session(token + "x", **TIMEOUTS) is None


def test_idle_and_absolute_timeouts_end_the_session(app):
    user = make_user()
    idle_token, old_token = signin.start_session(user), signin.start_session(user)
    idle, old = db.session.scalars(select(UserSession).order_by(UserSession.id)).all()
    idle.last_seen_at = clock.now() - timedelta(minutes=31)
    old.created_at = clock.now() - timedelta(hours=12, minutes=1)
    db.session.commit()
    assert signin.load_session(idle_token, **TIMEOUTS) is None
    assert signin.load_session(old_token, **TIMEOUTS) is None
    reasons = db.session.scalars(select(UserSession.end_reason).order_by(UserSession.id)).all()
    assert reasons == ["idle timeout", "absolute timeout"]


def test_sign_out_ends_only_that_session(app):
    user = make_user()
    first, second = signin.start_session(user), signin.start_session(user)
    signin.end_session(first, user)
    assert signin.load_session(first, **TIMEOUTS) is None
    assert signin.load_session(second, **TIMEOUTS) == user


def test_password_change_ends_every_session_and_starts_a_new_one(app):
    user = make_user()
    here, elsewhere = signin.start_session(user), signin.start_session(user)
    new_token = signin.change_password(user, DEFAULT_PASSWORD, "brand new kettle song")
    assert new_token not in (None, here, elsewhere)
    assert signin.load_session(here, **TIMEOUTS) is None
    assert signin.load_session(elsewhere, **TIMEOUTS) is None
    assert signin.load_session(new_token, **TIMEOUTS) == user
    assert signin.change_password(user, "wrong current one", "another new kettle") is None
