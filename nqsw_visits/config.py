"""Configuration: safe defaults, overridden from the environment."""

import os
import secrets
from datetime import timedelta
from pathlib import Path


def _minutes(name: str, default: int) -> timedelta:
    return timedelta(minutes=int(os.environ.get(name, default)))


def _csv(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


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
        "COMPLETE_PAST_EVERY_SECONDS": int(os.environ.get("COMPLETE_PAST_EVERY_SECONDS", 300)),
    }


FIXED = {
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
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
