"""Upgrades keep the rows: every table is seeded at the revision that makes it, then upgraded."""

import os
from datetime import date, datetime, time, timedelta

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from sqlalchemy import inspect, text

from nqsw_visits import create_app
from nqsw_visits.core.extensions import db
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


def seed_agreements() -> None:
    """Revision 0008: an agreement, its version confirmed by two, a focus case and a goal."""
    run(
        "INSERT INTO mentoring_agreements (id, nqsw_id, started_by_id, created_at)"
        " VALUES (1, 1, 2, :at)",
        [{"at": AT}],
    )
    run(
        "INSERT INTO agreement_versions (id, agreement_id, number, mentor_id, manager_id,"
        " starts_on, one_to_one_every_weeks, nine_month_review, what_changed, created_by_id,"
        " created_at) VALUES (1, 1, 1, 2, 2, :day, 2, :no, '', 2, :at)",
        [{"day": date(2026, 3, 2), "no": False, "at": AT}],
    )
    run(
        "INSERT INTO agreement_confirmations (version_id, person_id, confirmed_at)"
        " VALUES (1, :id, :at)",
        [{"id": i, "at": AT} for i in (1, 2)],
    )
    run(
        "INSERT INTO focus_cases (id, agreement_id, case_reference, learning_aim, support_level,"
        " added_in) VALUES (1, 1, 'CR-4417', 'Plan a first visit', 'accompany', 1)",
        [{}],
    )
    run(
        "INSERT INTO agreement_goals (id, agreement_id, description, standard_id, added_in)"
        " SELECT 1, 1, 'Write clearly', min(id), 1 FROM standards",
        [{}],
    )


def seed_focus_requests() -> None:
    """Revision 0009: the completed request is about the agreement's focus case."""
    run("UPDATE support_requests SET focus_case_id = 1 WHERE id = 1", [{}])


def seed_reviews() -> None:
    """Revision 0010: the 3-month review with the NQSW's view, and ratings at two points."""
    run(
        "INSERT INTO agreement_reviews (agreement_id, months, progress, what_next,"
        " written_by_id, written_at, nqsw_view, nqsw_added_at) VALUES (1, 3, 'Steady',"
        " 'Court work', 2, :at, 'Fair', :at)",
        [{"at": AT}],
    )
    run(
        "INSERT INTO goal_ratings (goal_id, point, rating, rated_at) VALUES (1, :p, :r, :at)",
        [{"p": 0, "r": 2, "at": AT}, {"p": 3, "r": 3, "at": AT}],
    )


def seed_reminders() -> None:
    """Revision 0011: the reminder sent before the 6-month review."""
    run(
        "INSERT INTO review_reminders (agreement_id, months, sent_at) VALUES (1, 6, :at)",
        [{"at": AT}],
    )


ONE_TO_ONE_HOLDS = 1
GROUP_SESSION_HOLDS = 1


def seed_one_to_ones() -> None:
    """Revision 0012: a held one-to-one with an action, and a booked one holding its time."""
    run(
        "INSERT INTO one_to_ones (id, agreement_id, mentor_id, nqsw_id, starts_at, ends_at,"
        " status, series, booked_by_id, created_at, reason, talked_about, shared_onward)"
        " VALUES (:id, 1, 2, 1, :starts, :ends, :status, 'series-1', 2, :at, '', :talked, :no)",
        [
            {
                "id": i,
                "status": status,
                "talked": talked,
                "starts": AT + timedelta(days=14 * i),
                "ends": AT + timedelta(days=14 * i, hours=1),
                "no": False,
                "at": AT,
            }
            for i, status, talked in ((1, "held", "Court statements"), (2, "booked", ""))
        ],
    )
    run(
        "INSERT INTO one_to_one_actions (session_id, agreement_id, description, owner_id,"
        " created_by_id, created_at) VALUES (1, 1, 'Draft a statement', 1, 2, :at)",
        [{"at": AT}],
    )
    run(
        "INSERT INTO mentor_holds (one_to_one_id, mentor_id, starts_at, ends_at, kind)"
        " VALUES (2, 2, :starts, :ends, 'one_to_one')",
        [{"starts": AT + timedelta(days=28), "ends": AT + timedelta(days=28, hours=1)}],
    )


def seed_review_progress() -> None:
    """Revision 0014: the mentor's line on the goal and on the focus case in the review."""
    run(
        "INSERT INTO review_progress (review_id, goal_id, focus_case_id, text)"
        " VALUES (1, :goal, :case, :text)",
        [
            {"goal": 1, "case": None, "text": "Clearer records"},
            {"goal": None, "case": 1, "text": "Led the visit"},
        ],
    )


def seed_group_sessions() -> None:
    """Revision 0015: a monthly series with a session that holds the mentor's time, an invited
    NQSW who went and rated it, a guest speaker, and a guest's email with its invitation."""
    run(
        "INSERT INTO group_series (id, organiser_id, topic, week_of_month, weekday, starts,"
        " ends, created_by_id, created_at) VALUES (1, 2, 'Court skills', 2, 3, :starts, :ends,"
        " 2, :at)",
        [{"starts": time(14), "ends": time(16), "at": AT}],
    )
    run(
        "INSERT INTO group_sessions (id, uid, series_id, organiser_id, topic, starts_at, ends_at,"
        " place, capacity, state, sequence, cancel_reason, created_by_id, created_at, notes,"
        " resources) VALUES (1, 'gs-1', 1, 2, 'Court skills', :starts, :ends, 'Room 2', 10,"
        " 'scheduled', 0, '', 2, :at, 'Preparing a statement', '')",
        [{"starts": AT + timedelta(days=40), "ends": AT + timedelta(days=40, hours=2), "at": AT}],
    )
    run(
        "INSERT INTO group_invites (session_id, user_id, reply, replied_at, attended)"
        " VALUES (1, 1, 'going', :at, :yes)",
        [{"at": AT, "yes": True}],
    )
    run(
        "INSERT INTO group_guests (session_id, name, role, organisation, email)"
        " VALUES (1, 'Sam Guest', 'Solicitor', 'Legal services', 'sam@example.net')",
        [{}],
    )
    run(
        "INSERT INTO group_feedback (session_id, user_id, rating, comment, created_at)"
        " VALUES (1, 1, 5, 'Useful', :at)",
        [{"at": AT}],
    )
    run(
        "INSERT INTO mentor_holds (group_session_id, mentor_id, starts_at, ends_at, kind)"
        " VALUES (1, 2, :starts, :ends, 'group_session')",
        [{"starts": AT + timedelta(days=40), "ends": AT + timedelta(days=40, hours=2)}],
    )
    run(
        "INSERT INTO outbox_emails (to_address, subject, body, calendar, created_at,"
        " next_attempt_at, attempts, last_error) VALUES ('sam@example.net', 'Invitation',"
        " 'Details', 'BEGIN:VCALENDAR', :at, :at, 0, '')",
        [{"at": AT}],
    )


STAGES = [
    ("0001", seed_people),
    ("0002", seed_availability),
    ("0003", seed_requests),
    ("0004", seed_observations),
    ("0008", seed_agreements),
    ("0009", seed_focus_requests),
    ("0010", seed_reviews),
    ("0011", seed_reminders),
    ("0012", seed_one_to_ones),
    ("0014", seed_review_progress),
    ("0015", seed_group_sessions),
]
SEEDED = {
    "teams", "users", "user_roles", "user_sessions", "team_managers", "mentor_assignments",
    "audit_events", "availability_patterns", "availability_windows", "mentor_limits",
    "availability_exceptions", "support_requests", "mentor_holds", "request_events",
    "notifications", "outbox_emails", "observations", "agreed_actions", "observation_addenda",
    "observation_standards", "team_frameworks", "mentoring_agreements", "agreement_versions",
    "agreement_confirmations", "focus_cases", "agreement_goals", "agreement_reviews",
    "goal_ratings", "review_reminders", "one_to_ones", "one_to_one_actions", "review_progress",
    "group_series", "group_sessions", "group_invites", "group_guests", "group_feedback",
}  # fmt: skip
# Tables the test puts no rows in, each for a reason; every other table at head is seeded.
NOT_SEEDED = {
    "bank_holidays": "reference data the migrations load themselves",
    "frameworks": "reference data the migrations load themselves (the shipped frameworks)",
    "standards": "reference data the migrations load themselves, with their frameworks",
    "audit_purge_windows": "empty by design: a row exists only while a purge runs",
}


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
        # A table added later fails here until a stage seeds it (or it is listed as not).
        assert set(counts) == SEEDED | set(NOT_SEEDED), set(counts) ^ (SEEDED | set(NOT_SEEDED))
        assert all(counts[table] > 0 for table in SEEDED), counts
        assert counts["user_roles"] == 5 and counts["user_sessions"] == 8
        assert counts["one_to_ones"] == 2 and counts["one_to_one_actions"] == 1
        assert counts["mentor_holds"] == 4 and counts["goal_ratings"] == 2
        assert counts["agreement_confirmations"] == 2 and counts["agreement_reviews"] == 1
        assert counts["review_progress"] == 2
        focus = db.session.execute(text("SELECT focus_case_id FROM support_requests ORDER BY id"))
        assert list(focus.scalars()) == [1, None, None]  # 0009's link kept by later copies
        # 0003 copies `users` and 0007 copies `teams` on SQLite: links kept, keys filled.
        teams = db.session.execute(text("SELECT id, team_id FROM users ORDER BY id")).all()
        assert teams == [(i, team) for i, _, team, _ in PEOPLE]
        keys = db.session.execute(text("SELECT name_key FROM teams ORDER BY id")).scalars()
        assert list(keys) == ["east", "west"]
        db.session.remove()
        db.engine.dispose()
