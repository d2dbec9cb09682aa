"""Signing in and out: credentials, lockout, and server-side sessions."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from ..extensions import db
from ..models import User, UserSession, utcnow
from . import audit, passwords
from .tokens import hash_token, new_token

# How stale last_seen_at may get before a request writes it again.
_TOUCH_EVERY = timedelta(seconds=60)


def normalise_email(email: str) -> str:
    """Emails compare without case or surrounding spaces."""
    return email.strip().lower()


@dataclass(frozen=True)
class SignInResult:
    """The outcome of a sign-in attempt; `user` is set only on success."""

    user: User | None
    outcome: str


def authenticate(
    email: str, password: str, *, max_failures: int, lockout: timedelta
) -> SignInResult:
    """Check credentials, counting failures and locking the account after too many."""
    now = utcnow()
    email = normalise_email(email)
    # PostgreSQL refuses NUL in text, so such an email cannot match and is not looked up.
    user = None if "\x00" in email else db.session.scalar(select(User).where(User.email == email))
    if user is None:
        passwords.burn_time(password)
        audit.record(
            "signin.failed", reason="unknown account", email=email[:254].replace("\x00", "")
        )
        db.session.commit()
        return SignInResult(None, "failed")
    if user.locked_until is not None and user.locked_until > now:
        passwords.burn_time(password)
        audit.record("signin.refused", actor=user, reason="locked")
        db.session.commit()
        return SignInResult(None, "locked")
    if not passwords.verify(user.password_hash, password):
        return _count_failure(user, now, max_failures, lockout)
    if not user.active:
        audit.record("signin.refused", actor=user, reason="deactivated")
        db.session.commit()
        return SignInResult(None, "failed")
    user.failed_logins = 0
    user.locked_until = None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    audit.record("signin.succeeded", actor=user)
    db.session.commit()
    return SignInResult(user, "ok")


def _count_failure(
    user: User, now: datetime, max_failures: int, lockout: timedelta
) -> SignInResult:
    # An atomic increment, so concurrent guesses on several workers all count.
    db.session.execute(
        update(User).where(User.id == user.id).values(failed_logins=User.failed_logins + 1)
    )
    db.session.refresh(user, ["failed_logins"])
    audit.record("signin.failed", actor=user, reason="wrong password")
    outcome = "failed"
    if user.failed_logins >= max_failures:
        user.locked_until = now + lockout
        user.failed_logins = 0
        audit.record("signin.locked", actor=user, minutes=int(lockout.total_seconds() // 60))
        outcome = "locked"
    db.session.commit()
    return SignInResult(None, outcome)


def start_session(user: User) -> str:
    """Open a new server-side session and return its token for the cookie."""
    token = new_token()
    db.session.add(UserSession(user_id=user.id, token_hash=hash_token(token)))
    db.session.commit()
    user.session_token = token
    return token


def load_session(token: str, *, idle: timedelta, absolute: timedelta) -> User | None:
    """The signed-in user for a token, or None when it has ended, expired or been revoked."""
    row = db.session.execute(
        select(UserSession, User)
        .join(User, UserSession.user_id == User.id)
        .where(UserSession.token_hash == hash_token(token), UserSession.ended_at.is_(None))
    ).first()
    if row is None:
        return None
    user_session, user = row
    now = utcnow()
    expired = None
    if now - user_session.last_seen_at > idle:
        expired = "idle timeout"
    elif now - user_session.created_at > absolute:
        expired = "absolute timeout"
    elif not user.active:
        expired = "deactivated"
    if expired:
        user_session.ended_at, user_session.end_reason = now, expired
        audit.record("session.expired", actor=user, reason=expired)
        db.session.commit()
        return None
    if now - user_session.last_seen_at > _TOUCH_EVERY:
        user_session.last_seen_at = now
        db.session.commit()
    user.session_token = token
    return user


def end_session(token: str | None, user: User, reason: str = "signed out") -> None:
    """End one session (sign out)."""
    if token:
        db.session.execute(
            update(UserSession)
            .where(UserSession.token_hash == hash_token(token), UserSession.ended_at.is_(None))
            .values(ended_at=utcnow(), end_reason=reason)
        )
    audit.record("signout", actor=user)
    db.session.commit()


def end_all_sessions(user: User, reason: str, *, keep_token: str | None = None) -> None:
    """End every open session of a user, except optionally the current one; caller commits."""
    query = update(UserSession).where(
        UserSession.user_id == user.id, UserSession.ended_at.is_(None)
    )
    if keep_token:
        query = query.where(UserSession.token_hash != hash_token(keep_token))
    db.session.execute(query.values(ended_at=utcnow(), end_reason=reason))


def change_password(user: User, current: str, new: str) -> str | None:
    """Change a user's own password, ending their other sessions; returns a new token."""
    if not passwords.verify(user.password_hash, current):
        audit.record("password.change_refused", actor=user, obj=user)
        db.session.commit()
        return None
    user.password_hash = passwords.hash_password(new)
    user.password_changed_at = utcnow()
    end_all_sessions(user, "password changed")
    audit.record("password.changed", actor=user, obj=user)
    db.session.commit()
    return start_session(user)
