"""Password rules and argon2id hashing."""

import pytest
from argon2 import PasswordHasher

from nqsw_visits import create_app
from nqsw_visits.people import passwords
from tests.conftest import FAST_HASH, base_config


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short", "12 characters or more"),
        ("x" * 11, "12 characters or more"),
        ("a b c d e f g h " * 9, "128 characters or fewer"),
        ("password1234", "too easy to guess"),
        ("Password123456!", "too easy to guess"),
        ("!!qwertyuiop!!", "too easy to guess"),
        ("aaaaaaaaaaaaaaa", "too easy to guess"),
        ("121212121212", "too easy to guess"),
    ],
)
def test_weak_passwords_are_refused_with_a_reason(password, problem):
    found = passwords.problems(password)
    assert found and problem in found[0]


def test_password_containing_the_email_name_is_refused():
    assert passwords.problems("grace.mensah-2026!", "grace.mensah@example.org")


@pytest.mark.parametrize(
    "password",
    ["purple kettle harbour", "harbourkite9", "Mentor walks alongside 4 me", "é" * 6 + "kettle"],
)
def test_good_passwords_pass(password):
    assert passwords.problems(password) == []


def test_length_limits_are_inclusive():
    assert passwords.problems("harbourkite9") == []  # 12
    assert passwords.problems(("plum cart " * 13)[:128]) == []  # 128
    assert passwords.problems(("plum cart " * 13)[:129])  # 129


def test_hash_is_argon2id_and_verifies():
    hashed = passwords.hash_password("purple kettle harbour")
    assert hashed.startswith("$argon2id$")
    assert passwords.verify(hashed, "purple kettle harbour")
    assert not passwords.verify(hashed, "purple kettle harbouR")
    assert not passwords.verify("not a hash", "anything")


def test_weaker_hash_needs_rehash():
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash("purple kettle")
    passwords.configure({})
    try:
        assert passwords.needs_rehash(weak)
        assert not passwords.needs_rehash(passwords.hash_password("purple kettle"))
    finally:
        passwords.configure({"time_cost": 1, "memory_cost": 8, "parallelism": 1})


def test_default_cost_meets_owasp_minimum():
    default = PasswordHasher()
    # OWASP: argon2id with m >= 19 MiB and t >= 2, or m >= 46 MiB and t >= 1.
    assert default.memory_cost >= 46 * 1024 or (
        default.memory_cost >= 19 * 1024 and default.time_cost >= 2
    )


def test_the_apps_production_hash_settings_meet_the_owasp_minimum(tmp_path):
    """Guards the cost the app itself hashes with when no test overrides it."""
    config = base_config(f"sqlite:///{tmp_path / 'unused.sqlite3'}", tmp_path)
    del config["PASSWORD_HASH_PARAMS"]
    try:
        create_app(config)
        hashed = passwords.hash_password("purple kettle harbour")
    finally:
        passwords.configure(FAST_HASH)
    # $argon2id$v=19$m=...,t=...,p=...$salt$hash: what is stored is what counts.
    _, variant, version, params, _, _ = hashed.split("$")
    cost = dict(pair.split("=") for pair in params.split(","))
    memory_kib, time_cost, lanes = int(cost["m"]), int(cost["t"]), int(cost["p"])
    assert (variant, version) == ("argon2id", "v=19")
    # OWASP Password Storage Cheat Sheet: argon2id, m >= 19 MiB with t >= 2 (or m >= 46 MiB
    # with t >= 1), at least one lane; extra lanes share the same memory, not lower it.
    assert lanes >= 1
    assert (memory_kib >= 19 * 1024 and time_cost >= 2) or (
        memory_kib >= 46 * 1024 and time_cost >= 1
    ), cost
