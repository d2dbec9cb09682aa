"""`flask purge`: what is kept, what goes, a second run changes nothing, writers go on."""

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine
from sqlalchemy import func, select

from nqsw_visits.core import clock
from nqsw_visits.core.extensions import db
from nqsw_visits.lifecycle.retention import KeepPeriods, purge
from nqsw_visits.notifications.models import Notification, OutboxEmail
from nqsw_visits.people import audit
from nqsw_visits.people.audit_window import AuditPurgeWindow
from nqsw_visits.people.models import AuditEvent, Role, UserSession
from tests.factories import make_user

DAY = timedelta(days=1)
MINUTE = timedelta(minutes=1)
_tokens = iter(range(10**6))


@pytest.fixture
def frozen():
    """The clock stands still, so a rerun sees exactly the same boundaries."""
    with time_machine.travel(clock.now(), tick=False):
        yield clock.now()


def notification(user, *, read_at=None, created_at=None):
    row = Notification(user_id=user.id, message="A request changed", read_at=read_at)
    row.created_at = created_at or read_at or clock.now()
    db.session.add(row)
    return row


def email(*, sent_at=None, created_at=None, attempts=0):
    row = OutboxEmail(to_address="a@example.org", subject="S", body="B", sent_at=sent_at)
    row.created_at = created_at or sent_at or clock.now()
    row.attempts = attempts
    db.session.add(row)
    return row


def session(user, *, created_at, last_seen_at=None, ended_at=None):
    row = UserSession(
        user_id=user.id,
        token_hash=f"{next(_tokens):064d}",
        created_at=created_at,
        last_seen_at=last_seen_at or created_at,
        ended_at=ended_at,
        end_reason="signed out" if ended_at else None,
    )
    db.session.add(row)
    return row


def audit_row(at, action="test.event"):
    row = AuditEvent(action=action, at=at)
    db.session.add(row)
    return row


def survivors(model) -> set[int]:
    db.session.expire_all()
    return set(db.session.scalars(select(model.id)))


def counts() -> dict[str, int]:
    return {
        model.__tablename__: db.session.scalar(select(func.count(model.id)))
        for model in (Notification, OutboxEmail, UserSession, AuditEvent)
    }


def test_purge_deletes_exactly_what_is_past_its_keep_period(app, runner, frozen):
    now = frozen
    person = make_user(Role.NQSW)
    periods = KeepPeriods.from_config(app.config)
    idle, absolute = periods.session_idle, periods.session_absolute
    gone, kept = {}, {}
    read_cut = now - periods.read_notifications
    gone[Notification] = [notification(person, read_at=read_cut - MINUTE)]
    kept[Notification] = [
        notification(person, read_at=read_cut + MINUTE),
        notification(person, created_at=now - 3000 * DAY),  # unread, however old
    ]
    sent_cut = now - periods.sent_emails
    gone[OutboxEmail] = [email(sent_at=sent_cut - MINUTE)]
    kept[OutboxEmail] = [
        email(sent_at=sent_cut + MINUTE),
        email(created_at=now - 3000 * DAY),  # never sent
        email(created_at=now - 3000 * DAY, attempts=99),  # given up on, still unsent
    ]
    ended_cut = now - periods.ended_sessions
    gone[UserSession] = [
        session(person, created_at=ended_cut - DAY, ended_at=ended_cut - MINUTE),
        # Never marked ended: over when its idle or absolute timeout passed.
        session(person, created_at=ended_cut - idle - MINUTE),
        session(person, created_at=ended_cut - absolute - MINUTE, last_seen_at=now),
    ]
    kept[UserSession] = [
        session(person, created_at=ended_cut - DAY, ended_at=ended_cut + MINUTE),
        session(person, created_at=ended_cut - idle, last_seen_at=ended_cut - idle + MINUTE),
        session(person, created_at=now - MINUTE),  # open
    ]
    audit_cut = now - periods.audit
    gone[AuditEvent] = [audit_row(audit_cut - MINUTE), audit_row(audit_cut - 400 * DAY)]
    kept[AuditEvent] = [audit_row(audit_cut + MINUTE), audit_row(now - DAY)]
    db.session.commit()
    gone_ids = {model: {row.id for row in rows} for model, rows in gone.items()}
    kept_ids = {model: {row.id for row in rows} for model, rows in kept.items()}

    result = runner.invoke(args=["purge"])

    assert result.exit_code == 0, result.output
    for model in gone:
        remaining = survivors(model)
        assert not remaining & gone_ids[model], model.__tablename__
        assert kept_ids[model] <= remaining, model.__tablename__
    assert "1 read notifications (read more than 90 days ago)" in result.output
    assert "1 sent emails (sent more than 30 days ago)" in result.output
    assert "3 ended sessions (ended more than 30 days ago)" in result.output
    assert "2 audit rows (older than 2192 days)" in result.output
    purged = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "retention.purged"))
    assert [row.detail for row in purged] == [
        '{"audit_rows": 2, "ended_sessions": 3, "read_notifications": 1, "sent_emails": 1}'
    ]


def test_a_second_run_changes_nothing(app, runner, frozen):
    person = make_user(Role.MENTOR)
    for days in (1, 100, 200):
        notification(person, read_at=frozen - days * DAY)
        email(sent_at=frozen - days * DAY)
        audit_row(frozen - days * 30 * DAY)
    db.session.commit()
    first = runner.invoke(args=["purge"])
    assert first.exit_code == 0, first.output
    after_first = counts()

    second = runner.invoke(args=["purge"])

    assert second.exit_code == 0, second.output
    assert counts() == after_first
    assert after_first["notifications"] == 1 and after_first["outbox_emails"] == 1
    assert second.output.count("      0 ") == 4


def test_each_batch_is_a_short_transaction_of_its_own(app, frozen):
    person = make_user(Role.NQSW)
    for _ in range(25):
        notification(person, read_at=frozen - 400 * DAY)
    db.session.commit()
    commits = []

    def count(_connection):
        commits.append(1)

    sa.event.listen(db.engine, "commit", count)
    try:
        deleted = purge(frozen, KeepPeriods.from_config(app.config), batch_size=10)
    finally:
        sa.event.remove(db.engine, "commit", count)
    assert deleted["read notifications"] == 25
    # Three batches of notifications (10, 10, 5), the empty look at each other kind,
    # and the audit row of the purge.
    assert len(commits) >= 3 + 3 + 1


def test_an_audit_keep_period_under_a_year_is_refused(app, runner):
    app.config["RETAIN_AUDIT_DAYS"] = 30
    audit_row(clock.now() - 400 * DAY)
    db.session.commit()
    result = runner.invoke(args=["purge"])
    assert result.exit_code == 1
    assert "RETAIN_AUDIT_DAYS must be at least 365" in result.output
    assert db.session.scalar(select(func.count(AuditEvent.id))) == 1


@pytest.mark.parametrize(
    "statement",
    [
        "DELETE FROM audit_events WHERE id = :id",
        "UPDATE audit_events SET action = 'changed' WHERE id = :id",
    ],
)
@pytest.mark.parametrize("age_days", [1, 4000])
def test_the_audit_trail_still_refuses_ordinary_deletes_and_updates(app, statement, age_days):
    row = audit_row(clock.now() - age_days * DAY)
    db.session.commit()
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        db.session.execute(sa.text(statement), {"id": row.id})
    db.session.rollback()
    assert survivors(AuditEvent) == {row.id}


def test_a_purge_window_lets_only_rows_older_than_it_go(app):
    old, recent = audit_row(clock.now() - 4000 * DAY), audit_row(clock.now() - DAY)
    db.session.commit()
    db.session.add(AuditPurgeWindow(purge_before=clock.now() - 10 * DAY))
    db.session.flush()
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        db.session.execute(sa.text("DELETE FROM audit_events WHERE id = :id"), {"id": recent.id})
    db.session.rollback()
    db.session.add(AuditPurgeWindow(purge_before=clock.now() - 10 * DAY))
    db.session.flush()
    db.session.execute(sa.text("DELETE FROM audit_events WHERE id = :id"), {"id": old.id})
    db.session.execute(sa.text("DELETE FROM audit_purge_windows"))
    db.session.commit()
    assert survivors(AuditEvent) == {recent.id}


def _writer(app, person_id: int, stop: threading.Event, done: list, errors: list) -> None:
    """A person working: notifications arrive and are read, audit rows are written."""
    with app.app_context():
        try:
            while not stop.is_set() and len(done) < 2000:
                row = Notification(user_id=person_id, message="New", read_at=clock.now())
                db.session.add(row)
                audit.record("test.work", object_id=len(done))
                db.session.flush()
                row_id = row.id
                db.session.commit()
                done.append(row_id)
        except Exception as error:  # noqa: BLE001 - reported to the test
            errors.append(repr(error))
        finally:
            db.session.remove()


def test_purge_runs_beside_writers_without_error(app):
    person = make_user(Role.NQSW)
    old = clock.now() - 4000 * DAY
    stale = [
        {"user_id": person.id, "message": "Old", "created_at": old, "read_at": old}
        for _ in range(3000)
    ]
    db.session.execute(sa.insert(Notification), stale)
    db.session.execute(
        sa.insert(AuditEvent), [{"action": "test.old", "at": old} for _ in range(1500)]
    )
    db.session.commit()
    stop, errors = threading.Event(), []
    done = [[], []]
    writers = [
        threading.Thread(target=_writer, args=(app, person.id, stop, done[n], errors))
        for n in range(2)
    ]
    for thread in writers:
        thread.start()
    try:
        deleted = purge(clock.now(), KeepPeriods.from_config(app.config), batch_size=250)
    finally:
        stop.set()
        for thread in writers:
            thread.join(timeout=60)
    print(f"writes beside the purge: {[len(rows) for rows in done]}")
    assert errors == []
    assert all(done), "the writers wrote while the purge ran"
    assert deleted["read notifications"] == 3000
    assert deleted["audit rows"] == 1500
    assert {row_id for rows in done for row_id in rows} <= survivors(Notification)
