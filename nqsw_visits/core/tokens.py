"""Random secrets for cookies and feed addresses; only their hashes are stored."""

import hashlib
import secrets


def new_token() -> str:
    """A random secret, safe to put in a cookie or an address."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """The stored form of a secret: its SHA-256, so a database leak reveals no secret."""
    return hashlib.sha256(token.encode()).hexdigest()
