"""Password rules and argon2id hashing."""

import re
from functools import cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 12
MAX_LENGTH = 128

_hasher = PasswordHasher()


def configure(params: dict) -> None:
    """Set the argon2id cost (tests use a cheap one; production the library defaults)."""
    global _hasher, _DUMMY_HASH
    _hasher = PasswordHasher(**params)
    _DUMMY_HASH = None


def hash_password(password: str) -> str:
    """Hash a password with argon2id."""
    return _hasher.hash(password)


def verify(password_hash: str, password: str) -> bool:
    """True when the password matches the hash."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with weaker settings than today's."""
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


# A timing decoy, so an unknown email costs as much as a wrong password.
_DUMMY_HASH: str | None = None


def burn_time(password: str) -> None:
    """Verify against a throwaway hash so unknown accounts take as long to refuse."""
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = _hasher.hash("not a real password, only a decoy")
    verify(_DUMMY_HASH, password)


@cache
def _common_passwords() -> frozenset[str]:
    text = resources.files("nqsw_visits.data").joinpath("common_passwords.txt").read_text()
    return frozenset(line for line in text.splitlines() if line and not line.startswith("#"))


_EDGE_JUNK = re.compile(r"^[\d\W_]+|[\d\W_]+$")


def is_common(password: str) -> bool:
    """True for a well-known password, also with digits or symbols padded on."""
    lowered = password.lower()
    core = _EDGE_JUNK.sub("", lowered)
    common = _common_passwords()
    return lowered in common or (len(core) >= 4 and core in common) or len(set(lowered)) < 4


def problems(password: str, email: str = "") -> list[str]:
    """What is wrong with a new password, in words a person can act on."""
    if len(password) < MIN_LENGTH:
        return [f"Password must be {MIN_LENGTH} characters or more"]
    if len(password) > MAX_LENGTH:
        return [f"Password must be {MAX_LENGTH} characters or fewer"]
    local_part = email.split("@")[0].lower()
    if is_common(password) or (len(local_part) >= 4 and local_part in password.lower()):
        return ["Password is too easy to guess. Try 3 or more random words"]
    return []
