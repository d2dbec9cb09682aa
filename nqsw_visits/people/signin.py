"""Signing in and out: credentials, lockout, and server-side sessions."""

import hashlib
import hmac
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import joinedload

from nqsw_visits.core import clock
from nqsw_visits.core.database import reading, writing
from nqsw_visits.core.extensions import db
from nqsw_visits.core.tokens import hash_token, new_token
from nqsw_visits.people import audit, passwords
from nqsw_visits.people.models import User, UserSession

# How stale last_seen_at may get before a request writes it again.
_TOUCH_EVERY = timedelta(seconds=60)
# Other areas' figures about the person, read in the session's own statement, by name.
_FIGURES: dict[str, Callable] = {}


def normalise_email(email: str) -> str:
    """Emails compare without case, surrounding spaces or differences of Unicode form."""
    return unicodedata.normalize("NFC", email.strip()).lower()


@dataclass(frozen=True)
class SignInResult:
    """The outcome of a sign-in attempt; `user` is set only on success."""

    user: User | None
    outcome: str


def typed_email_hash(email: str, key: str) -> str:
    """A keyed hash of what was typed as an email, so repeats can be matched unread."""
    message = b"signin-email:" + normalise_email(email).encode("utf-8", "replace")
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def authenticate(
    email: str,
    password: str,
    now: datetime,
    *,
    max_failures: int,
    lockout: timedelta,
    audit_key: str,
) -> SignInResult:
    """Check credentials, counting failures and locking the account after too many."""
    email = normalise_email(email)
    db.session.commit()  # on SQLite a POST's first read took the write lock: let it go
    # argon2 takes a while: look up and verify in a read, so other changes go on meanwhile.
    with reading():
        # PostgreSQL refuses NUL in text, so such an email cannot match and is not looked up.
        found = select(User).where(User.email == email)
        user = None if "\x00" in email else db.session.scalar(found)
        verdict, new_hash = _verify(user, password, now)
        checked_hash = user.password_hash if user is not None else None
        db.session.commit()
    if user is None:
        # Never the typed text: people type their password into the email field.
        audit.record(
            "signin.failed", reason="unknown account", email_hmac=typed_email_hash(email, audit_key)
        )
        db.session.commit()
        return SignInResult(None, "failed")
    # The outcome is written in one short transaction that reads the account afresh,
    # so a lock or a new password set meanwhile still counts.
    if verdict == "locked" or (user.locked_until is not None and user.locked_until > now):
        audit.record("signin.refused", actor=user, reason="locked")
        db.session.commit()
        return SignInResult(None, "locked")
    if verdict == "wrong":
        return _count_failure(user, now, max_failures, lockout)
    if user.password_hash != checked_hash:
        audit.record("signin.failed", actor=user, obj=user, reason="password changed meanwhile")
        db.session.commit()
        return SignInResult(None, "failed")
    if not user.active:
        audit.record("signin.refused", actor=user, reason="deactivated")
        db.session.commit()
        return SignInResult(None, "failed")
    user.failed_logins = 0
    user.locked_until = None
    if new_hash is not None:
        user.password_hash = new_hash
    audit.record("signin.succeeded", actor=user)
    db.session.commit()
    return SignInResult(user, "ok")


def _verify(user: User | None, password: str, now: datetime) -> tuple[str, str | None]:
    """The verdict (ok, wrong, locked, unknown) and a stronger hash if the stored one is weak."""
    if user is None or (user.locked_until is not None and user.locked_until > now):
        passwords.burn_time(password)  # refused as slowly as a wrong password
        return ("unknown" if user is None else "locked"), None
    if not passwords.verify(user.password_hash, password):
        return "wrong", None
    if passwords.needs_rehash(user.password_hash):
        return "ok", passwords.hash_password(password)
    return "ok", None


def _count_failure(
    user: User, now: datetime, max_failures: int, lockout: timedelta
) -> SignInResult:
    # An atomic increment, so concurrent guesses on several workers all count.
    db.session.execute(
        update(User).where(User.id == user.id).values(failed_logins=User.failed_logins + 1)
    )
    db.session.refresh(user, ["failed_logins"])
    audit.record("signin.failed", actor=user, obj=user, reason="wrong password")
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


def read_with_session(name: str, figure: Callable) -> None:
    """Read `figure()`, a scalar select on `User.id`, with each request's session, into
    `user.session_figures[name]`: a figure every page shows then costs no statement of its own."""
    _FIGURES[name] = figure
    _session_and_user.cache_clear()


@cache
def _session_and_user():
    # Built once: every request runs it. Roles and team come in the same statement, not
    # statements of their own. The session's own row is read as plain values.
    figures = [figure().label(name) for name, figure in _FIGURES.items()]
    return (
        select(UserSession.id, UserSession.created_at, UserSession.last_seen_at, User, *figures)
        .join(User, UserSession.user_id == User.id)
        .where(UserSession.token_hash == bindparam("token_hash"), UserSession.ended_at.is_(None))
        .options(joinedload(User.role_rows), joinedload(User.team))
    )


def load_session(token: str, *, idle: timedelta, absolute: timedelta) -> User | None:
    """The signed-in user for a token, or None when it has ended, expired or been revoked."""
    found = db.session.execute(_session_and_user(), {"token_hash": hash_token(token)})
    row = found.unique().first()
    if row is None:
        return None
    session_id, created_at, last_seen_at, user = row[:4]
    now = clock.now()
    expired = None
    if now - last_seen_at > idle:
        expired = "idle timeout"
    elif now - created_at > absolute:
        expired = "absolute timeout"
    elif not user.active:
        expired = "deactivated"
    # Each write is short and of its own, so a page read never holds the write lock.
    if expired:
        with writing():
            ended = db.session.execute(
                update(UserSession)
                .where(UserSession.id == session_id, UserSession.ended_at.is_(None))
                .values(ended_at=now, end_reason=expired)
            )
            if ended.rowcount:  # another request may have ended it first
                audit.record("session.expired", actor=user, reason=expired)
        db.session.commit()
        return None
    if now - last_seen_at > _TOUCH_EVERY:
        with writing():
            db.session.execute(
                update(UserSession)
                .where(UserSession.id == session_id, UserSession.last_seen_at < now)
                .values(last_seen_at=now)
            )
        db.session.commit()
    user.session_token = token
    user.session_figures = {name: row._mapping[name] for name in _FIGURES}
    return user


def end_session(token: str | None, user: User, reason: str = "signed out") -> None:
    """End one session (sign out)."""
    if token:
        db.session.execute(
            update(UserSession)
            .where(UserSession.token_hash == hash_token(token), UserSession.ended_at.is_(None))
            .values(ended_at=clock.now(), end_reason=reason)
        )
    audit.record("signout", actor=user)
    db.session.commit()


def end_everywhere(user: User) -> int:
    """End every session of a user, this one included (sign out everywhere); how many."""
    ended = end_all_sessions(user, "signed out everywhere")
    audit.record("signout", actor=user, everywhere=True, sessions=ended)
    db.session.commit()
    return ended


def live_sessions(user: User, *, idle: timedelta, absolute: timedelta, except_token=None) -> int:
    """How many sessions of a user are open and not yet past a timeout."""
    now = clock.now()
    query = (
        select(func.count())
        .select_from(UserSession)
        .where(
            UserSession.user_id == user.id,
            UserSession.ended_at.is_(None),
            UserSession.last_seen_at >= now - idle,
            UserSession.created_at >= now - absolute,
        )
    )
    if except_token:
        query = query.where(UserSession.token_hash != hash_token(except_token))
    return db.session.scalar(query)


def end_all_sessions(user: User, reason: str, *, keep_token: str | None = None) -> int:
    """End every open session of a user, except optionally the current one; caller commits."""
    query = update(UserSession).where(
        UserSession.user_id == user.id, UserSession.ended_at.is_(None)
    )
    if keep_token:
        query = query.where(UserSession.token_hash != hash_token(keep_token))
    return db.session.execute(query.values(ended_at=clock.now(), end_reason=reason)).rowcount


def change_password(user: User, current: str, new: str) -> str | None:
    """Change a user's own password, ending their other sessions; returns a new token."""
    if not passwords.verify(user.password_hash, current):
        audit.record("password.change_refused", actor=user, obj=user)
        db.session.commit()
        return None
    user.password_hash = passwords.hash_password(new)
    user.password_changed_at = clock.now()
    end_all_sessions(user, "password changed")
    audit.record("password.changed", actor=user, obj=user)
    db.session.commit()
    return start_session(user)
