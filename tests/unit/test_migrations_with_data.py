"""Upgrades keep the rows: people, sessions, requests and observations seeded at early revisions."""

import os
from datetime import date, datetime, time, timedelta

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from sqlalchemy import inspect, text

from nqsw_visits import create_app
from nqsw_visits.extensions import db
from tests.conftest import PG_URL, base_config

AT = datetime(2026, 6, 1, 9, 0)  # stored as naive UTC, as the app stores it
TEAMS = [(1, "East"), (2, "West")]
# id, email, team, roles
PEOPLE = [
    (1, "nadia@example.org", 1, ["nqsw"]),
    (2, "mo@example.org", 1, ["mentor", "practice_manager"]),
    (3, "amir@example.org", 2, ["admin"]),
    (4, "nell@example.org", 2, ["nqsw"]),
]


@pytest.fixture
def fresh_app(tmp_path):
    """An app on an empty database of the test's own: nothing migrated yet."""
    if not PG_URL:
        app = create_app(base_config(f"sqlite:///{tmp_path / 'migrate.sqlite3'}", tmp_path))
        yield app
        return
    server = sa.make_url(PG_URL)
    name = f"{server.database}_migrate_{os.getpid()}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = server.set(database=name).render_as_string(hide_password=False)
    try:
        yield create_app(base_config(url, tmp_path))
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


TYPES = {datetime: sa.DateTime, date: sa.Date, time: sa.Time, bool: sa.Boolean}


def run(statement: str, rows: list[dict]) -> None:
    """Plain SQL; dates, times and booleans bound as each engine stores them."""
    for row in rows:
        typed = [sa.bindparam(k, type_=TYPES[type(v)]) for k, v in row.items() if type(v) in TYPES]
        db.session.execute(text(statement).bindparams(*typed), row)
    db.session.commit()


def row_counts() -> dict[str, int]:
    """Rows in every table of the database as it is now."""
    db.session.commit()
    tables = [t for t in inspect(db.engine).get_table_names() if t != "alembic_version"]
    count = sa.select(sa.func.count())
    counts = {t: db.session.execute(count.select_from(sa.table(t))).scalar() for t in tables}
    db.session.commit()
    return counts


def broken_foreign_keys() -> list:
    """SQLite's own check; PostgreSQL enforces foreign keys on every change."""
    if db.engine.dialect.name != "sqlite":
        return []
    with db.engine.connect() as conn:
        return conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()


def seed_people() -> None:
    """Revision 0001: teams, people with roles and sessions, managers, mentors, audit."""
    run("INSERT INTO teams (id, name, created_at) VALUES (:id, :name, :at)",
        [{"id": i, "name": name, "at": AT} for i, name in TEAMS])  # fmt: skip
    run(
        "INSERT INTO users (id, email, display_name, password_hash, active, team_id,"
        " failed_logins, created_at, password_changed_at)"
        " VALUES (:id, :email, :name, 'x', :active, :team, 0, :at, :at)",
        [
            {"id": i, "email": e, "name": e.split("@")[0], "active": True, "team": t, "at": AT}
            for i, e, t, _ in PEOPLE
        ],
    )
    run(
        "INSERT INTO user_roles (user_id, role) VALUES (:id, :role)",
        [{"id": i, "role": role} for i, _, _, roles in PEOPLE for role in roles],
    )
    run(
        "INSERT INTO user_sessions (token_hash, user_id, created_at, last_seen_at, ended_at)"
        " VALUES (:hash, :id, :at, :at, :ended)",
        [
            {"hash": f"{i}-{n}".rjust(64, "0"), "id": i, "at": AT, "ended": AT if n else None}
            for i, *_ in PEOPLE
            for n in range(2)
        ],
    )
    run("INSERT INTO team_managers (team_id, user_id) VALUES (1, 2)", [{}])
    run(
        "INSERT INTO mentor_assignments (nqsw_id, mentor_id, created_at) VALUES (:n, 2, :at)",
        [{"n": 1, "at": AT}, {"n": 4, "at": AT}],
    )
    run(
        "INSERT INTO audit_events (at, actor_id, action, object_type, object_id, detail)"
        " VALUES (:at, :id, 'signin.succeeded', 'user', :id, '{}')",
        [{"at": AT, "id": i} for i, *_ in PEOPLE],
    )


def seed_availability() -> None:
    """Revision 0002: the mentor's weekly pattern, limits and an exception."""
    run(
        "INSERT INTO availability_patterns (id, mentor_id, effective_from, created_at)"
        " VALUES (1, 2, :day, :at)",
        [{"day": date(2026, 1, 1), "at": AT}],
    )
    run(
        "INSERT INTO availability_windows (pattern_id, weekday, starts, ends)"
        " VALUES (1, :weekday, :starts, :ends)",
        [{"weekday": d, "starts": time(9), "ends": time(17)} for d in range(5)],
    )
    run(
        "INSERT INTO mentor_limits (mentor_id, max_per_day, max_per_week, travel_minutes,"
        " notice_working_days, works_bank_holidays) VALUES (2, 2, 6, 30, 1, :no)",
        [{"no": False}],
    )
    run(
        "INSERT INTO availability_exceptions (mentor_id, kind, starts_at, ends_at, note,"
        " created_at) VALUES (2, 'leave', :at, :later, '', :at)",
        [{"at": AT, "later": AT + timedelta(days=1)}],
    )


def seed_requests() -> None:
    """Revision 0003: requests with their holds, events and notifications."""
    requests = [(1, 1, "completed"), (2, 4, "accepted"), (3, 1, "requested")]
    run(
        "INSERT INTO support_requests (id, uid, nqsw_id, mentor_id, kind, fixed_time,"
        " starts_at, ends_at, case_reference, focus_case, venue_type, area, purpose,"
        " feedback_on, feedback_on_second, consent, urgent, status, sequence, created_at,"
        " updated_at) VALUES (:id, :uid, :nqsw, 2, 'home_visit', :yes, :starts, :ends,"
        " 'CR-4417', :no, 'family_home', '', 'Joint visit', '', '', 'yes', :no, :status, 0,"
        " :at, :at)",
        [
            {
                "id": i,
                "uid": f"request-{i}",
                "nqsw": nqsw,
                "status": status,
                "starts": AT + timedelta(days=i),
                "ends": AT + timedelta(days=i, hours=1),
                "yes": True,
                "no": False,
                "at": AT,
            }
            for i, nqsw, status in requests
        ],
    )
    run(
        "INSERT INTO mentor_holds (request_id, mentor_id, starts_at, ends_at, kind)"
        " VALUES (:id, 2, :starts, :ends, 'home_visit')",
        [
            {"id": i, "starts": AT + timedelta(days=i), "ends": AT + timedelta(days=i, hours=1)}
            for i in (2, 3)
        ],
    )
    run(
        "INSERT INTO request_events (request_id, actor_id, action, to_status, reason, at)"
        " VALUES (:id, :actor, 'asked', 'requested', '', :at)",
        [{"id": i, "actor": nqsw, "at": AT} for i, nqsw, _ in requests],
    )
    run(
        "INSERT INTO notifications (user_id, request_id, message, created_at)"
        " VALUES (2, :id, 'A new request', :at)",
        [{"id": i, "at": AT} for i, _, _ in requests],
    )
    run(
        "INSERT INTO outbox_emails (to_address, subject, body, created_at, next_attempt_at,"
        " attempts, last_error) VALUES ('mo@example.org', 'New request', 'Open Alongside',"
        " :at, :at, 0, '')",
        [{"at": AT}],
    )


def seed_observations() -> None:
    """Revision 0004: an observation with its actions, addendum and standards."""
    run(
        "INSERT INTO observations (id, request_id, mentor_id, nqsw_id, classification,"
        " observed, strengths, to_develop, look_out_for, for_case_record, reflection,"
        " do_differently, shared_with_manager, created_at, updated_at) VALUES (1, 1, 2, 1,"
        " 'formative', 'Calm', 'Listening', 'Pace', 'Siblings', :no, '', '', :no, :at, :at)",
        [{"no": False, "at": AT}],
    )
    run(
        "INSERT INTO agreed_actions (observation_id, what, owner, due_on, added_by_id,"
        " created_at) VALUES (1, 'Read the plan', 'nqsw', :due, 2, :at)",
        [{"due": date(2026, 7, 1), "at": AT}],
    )
    run(
        "INSERT INTO observation_addenda (observation_id, author_id, text, created_at)"
        " VALUES (1, 2, 'Later note', :at)",
        [{"at": AT}],
    )
    run(
        "INSERT INTO observation_standards (observation_id, standard_id)"
        " SELECT 1, id FROM standards ORDER BY id LIMIT 2",
        [{}],
    )
    run("INSERT INTO team_frameworks (team_id, framework_id) SELECT 1, min(id) FROM frameworks",
        [{}])  # fmt: skip


STAGES = [
    ("0001", seed_people),
    ("0002", seed_availability),
    ("0003", seed_requests),
    ("0004", seed_observations),
]
SEEDED = {
    "teams", "users", "user_roles", "user_sessions", "team_managers", "mentor_assignments",
    "audit_events", "availability_patterns", "availability_windows", "mentor_limits",
    "availability_exceptions", "support_requests", "mentor_holds", "request_events",
    "notifications", "outbox_emails", "observations", "agreed_actions", "observation_addenda",
    "observation_standards", "team_frameworks",
}  # fmt: skip


def upgrade_keeping_rows(revision: str) -> dict[str, int]:
    """Upgrade to a revision; every table there before keeps its row count. The counts after."""
    before = row_counts()
    upgrade(revision=revision)
    after = row_counts()
    assert {table: after.get(table) for table in before} == before, f"upgrade to {revision}"
    assert broken_foreign_keys() == [], f"upgrade to {revision}"
    return after


def test_rows_seeded_at_each_early_revision_survive_every_upgrade_to_head(fresh_app):
    """Guards SECURITY.md trap 9: a table copy in a batch migration must not cascade-delete."""
    with fresh_app.app_context():
        for revision, seed in STAGES:
            upgrade_keeping_rows(revision)
            seed()
        counts = upgrade_keeping_rows("head")
        assert all(counts[table] > 0 for table in SEEDED), counts
        assert counts["user_roles"] == 5 and counts["user_sessions"] == 8
        # 0003 copies `users` and 0007 copies `teams` on SQLite: links kept, keys filled.
        teams = db.session.execute(text("SELECT id, team_id FROM users ORDER BY id")).all()
        assert teams == [(i, team) for i, _, team, _ in PEOPLE]
        keys = db.session.execute(text("SELECT name_key FROM teams ORDER BY id")).scalars()
        assert list(keys) == ["east", "west"]
        db.session.remove()
        db.engine.dispose()
