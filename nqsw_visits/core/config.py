"""Configuration: safe defaults, overridden from the environment."""

import os
import re
import secrets
from datetime import timedelta
from pathlib import Path


def _minutes(name: str, default: int) -> timedelta:
    return timedelta(minutes=int(os.environ.get(name, default)))


def _csv(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# 3 to 20 letters, digits, hyphens or slashes, starting with a letter or a digit.
CASE_REFERENCE_PATTERN = r"[A-Za-z0-9][A-Za-z0-9/-]{2,19}"


def check_case_reference(pattern: str, example: str) -> None:
    """Refuse to start with a case-reference pattern that is broken or misses its example."""
    try:
        compiled = re.compile(pattern, re.IGNORECASE)
    except re.error as error:
        raise RuntimeError(
            f"CASE_REFERENCE_PATTERN is not a valid regular expression ({error}). "
            "Set it to a pattern that a whole case reference matches, such as CR-[0-9]{4,6}."
        ) from None
    if not example or not compiled.fullmatch(example):
        raise RuntimeError(
            f"CASE_REFERENCE_EXAMPLE ({example!r}) does not match CASE_REFERENCE_PATTERN: "
            "set an example of a real reference in your council's format."
        )


def from_environment(instance_path: str) -> dict:
    """Settings read from environment variables, with defaults for a local run."""
    default_db = "sqlite:///" + str(Path(instance_path) / "alongside.sqlite3")
    idle = _minutes("SESSION_IDLE_MINUTES", 30)
    absolute = _minutes("SESSION_ABSOLUTE_MINUTES", 12 * 60)
    return {
        "SECRET_KEY": os.environ.get("SECRET_KEY"),
        "SQLALCHEMY_DATABASE_URI": os.environ.get("DATABASE_URL", default_db),
        "TIMEZONE": os.environ.get("TIMEZONE", "Europe/London"),
        "SESSION_IDLE_TIMEOUT": idle,
        "SESSION_ABSOLUTE_TIMEOUT": absolute,
        "PERMANENT_SESSION_LIFETIME": absolute,
        "TRUSTED_HOSTS": _csv("TRUSTED_HOSTS", "127.0.0.1,localhost"),
        "LOGIN_MAX_FAILURES": int(os.environ.get("LOGIN_MAX_FAILURES", 5)),
        "LOGIN_LOCKOUT": _minutes("LOGIN_LOCKOUT_MINUTES", 15),
        "PROXY_FIX_HOPS": int(os.environ.get("PROXY_FIX_HOPS", 0)),
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO"),
        "PUBLIC_URL": os.environ.get("PUBLIC_URL", "http://127.0.0.1:5000").rstrip("/"),
        "SMTP_HOST": os.environ.get("SMTP_HOST", ""),
        "SMTP_PORT": int(os.environ.get("SMTP_PORT", 25)),
        "SMTP_USERNAME": os.environ.get("SMTP_USERNAME", ""),
        "SMTP_PASSWORD": os.environ.get("SMTP_PASSWORD", ""),
        "SMTP_STARTTLS": os.environ.get("SMTP_STARTTLS", "") == "1",
        "MAIL_FROM": os.environ.get("MAIL_FROM", "alongside@localhost"),
        "MAIL_SEND_AFTER_REQUEST": os.environ.get("MAIL_SEND_AFTER_REQUEST", "1") == "1",
        "MAIL_CLAIM_TIMEOUT": _minutes("MAIL_CLAIM_MINUTES", 5),
        "SIGNIN_RATE_LIMIT": os.environ.get("SIGNIN_RATE_LIMIT", "10 per minute;50 per hour"),
        "RATELIMIT_ENABLED": os.environ.get("RATELIMIT_ENABLED", "1") == "1",
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "COMPLETE_PAST_EVERY_SECONDS": int(os.environ.get("COMPLETE_PAST_EVERY_SECONDS", 300)),
        # A pooled connection idle this long is checked before use (core.database.ping_when_idle).
        "DB_PING_AFTER_IDLE_SECONDS": float(os.environ.get("DB_PING_AFTER_IDLE_SECONDS", 5)),
        # PostgreSQL: how prepared statements are planned (core.database.plan_once).
        "DB_PLAN_CACHE_MODE": os.environ.get("DB_PLAN_CACHE_MODE", "force_generic_plan"),
        "CASE_REFERENCE_PATTERN": os.environ.get("CASE_REFERENCE_PATTERN", CASE_REFERENCE_PATTERN),
        "CASE_REFERENCE_EXAMPLE": os.environ.get("CASE_REFERENCE_EXAMPLE", "CR-4417"),
        # Keep periods for `flask purge`, in days (README, "Keeping and backing up data").
        "RETAIN_READ_NOTIFICATIONS_DAYS": int(os.environ.get("RETAIN_READ_NOTIFICATIONS_DAYS", 90)),
        "RETAIN_SENT_EMAILS_DAYS": int(os.environ.get("RETAIN_SENT_EMAILS_DAYS", 30)),
        "RETAIN_ENDED_SESSIONS_DAYS": int(os.environ.get("RETAIN_ENDED_SESSIONS_DAYS", 30)),
        # Six years (with leap days): the limitation period for most claims, and the time
        # staff records are commonly kept after employment ends.
        "RETAIN_AUDIT_DAYS": int(os.environ.get("RETAIN_AUDIT_DAYS", 2192)),
    }


FIXED = {
    "SQLALCHEMY_ENGINE_OPTIONS": {},
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_NAME": "alongside_session",
    # The CSRF token lives as long as the session, so htmx pages left open keep working.
    "WTF_CSRF_TIME_LIMIT": None,
    "WTF_CSRF_SSL_STRICT": True,
    "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
    # argon2-cffi defaults (argon2id, 64 MiB, t=3, p=4); tests pass cheaper ones.
    "PASSWORD_HASH_PARAMS": {},
}


def local_secret_key(instance_path: str) -> str:
    """Read, or create once, a random secret for local debug runs."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
