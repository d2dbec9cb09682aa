"""Signing in, lockout and server-side sessions, tested without HTTP."""

from datetime import timedelta

from sqlalchemy import select

from nqsw_visits import clock
from nqsw_visits.extensions import db
from nqsw_visits.models import AuditEvent, UserSession
from nqsw_visits.services import signin
from tests.factories import DEFAULT_PASSWORD, make_user

LIMITS = {"max_failures": 5, "lockout": timedelta(minutes=15), "audit_key": "k"}
TIMEOUTS = {"idle": timedelta(minutes=30), "absolute": timedelta(hours=12)}


def actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_right_password_signs_in_and_is_audited(app):
    user = make_user(email="grace@example.org")
    result = signin.authenticate("  Grace@Example.org ", DEFAULT_PASSWORD, **LIMITS)
    assert result.user == user and result.outcome == "ok"
    assert actions() == ["signin.succeeded"]


def test_unknown_email_and_wrong_password_fail_alike(app):
    make_user(email="grace@example.org")
    unknown = signin.authenticate("nobody@example.org", DEFAULT_PASSWORD, **LIMITS)
    wrong = signin.authenticate("grace@example.org", "not the password", **LIMITS)
    assert (unknown.user, unknown.outcome) == (wrong.user, wrong.outcome) == (None, "failed")
    assert actions() == ["signin.failed", "signin.failed"]


def test_fifth_failure_locks_for_fifteen_minutes_even_with_the_right_password(app):
    user = make_user()
    outcomes = [signin.authenticate(user.email, "wrong one", **LIMITS).outcome for _ in range(5)]
    assert outcomes == ["failed"] * 4 + ["locked"]
    db.session.refresh(user)
    assert timedelta(minutes=14) < user.locked_until - clock.now() <= timedelta(minutes=15)
    assert signin.authenticate(user.email, DEFAULT_PASSWORD, **LIMITS).user is None
    assert "signin.locked" in actions()
    user.locked_until = clock.now() - timedelta(seconds=1)
    db.session.commit()
    assert signin.authenticate(user.email, DEFAULT_PASSWORD, **LIMITS).user == user


def test_success_resets_the_failure_count(app):
    user = make_user()
    for _ in range(4):
        signin.authenticate(user.email, "wrong one", **LIMITS)
    signin.authenticate(user.email, DEFAULT_PASSWORD, **LIMITS)
    assert user.failed_logins == 0
    for _ in range(4):
        signin.authenticate(user.email, "wrong one", **LIMITS)
    assert user.locked_until is None


def test_deactivated_account_is_refused_with_the_right_password(app):
    user = make_user(active=False)
    assert signin.authenticate(user.email, DEFAULT_PASSWORD, **LIMITS).user is None
    assert actions() == ["signin.refused"]


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
