"""The day-before reminder: once per session, to those going or who said maybe, for the
next local calendar day (late at night, just after midnight, and across a clock change)."""

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import func, select

from nqsw_visits.core import housekeeping
from nqsw_visits.core.extensions import db
from nqsw_visits.group_sessions.commands import remind_group_sessions
from nqsw_visits.group_sessions.models import GroupSession, Reply, SessionState
from nqsw_visits.group_sessions.reminders import remind_due
from nqsw_visits.notifications.models import Notification, OutboxEmail
from nqsw_visits.people.models import AuditEvent, Role
from tests.factories import make_user
from tests.http.group_session_rows import stored_session

LONDON = ZoneInfo("Europe/London")


def at(*parts) -> datetime:
    return datetime(*parts, tzinfo=LONDON)


@pytest.fixture
def people(app):
    return {"mentor": make_user(Role.MENTOR, name="Grace Mentor")} | {
        reply: make_user(Role.NQSW, email=f"{reply.value}@example.org") for reply in Reply
    }


def session_at(people, starts_at: datetime, **fields) -> GroupSession:
    replies = {people[reply]: reply for reply in Reply}
    return stored_session(
        people["mentor"], starts_at, starts_at + timedelta(hours=2), replies, **fields
    )


def told(session: GroupSession | None = None) -> list[tuple[int, str]]:
    """Each reminder notice: (person, message), for one session or all."""
    query = select(Notification.user_id, Notification.message).order_by(Notification.id)
    rows = db.session.execute(query).all()
    if session is None:
        return [tuple(row) for row in rows]
    return [tuple(row) for row in rows if session.topic in row.message]


def remind(now: datetime) -> int:
    count = remind_due(now.astimezone(LONDON), LONDON)
    db.session.commit()
    return count


def test_twice_is_once_and_only_those_going_or_maybe_hear(people):
    session = session_at(people, at(2027, 1, 14, 14))
    assert remind(at(2027, 1, 13, 10)) == 1
    assert remind(at(2027, 1, 13, 10, 5)) == 0
    going, maybe = people[Reply.GOING], people[Reply.MAYBE]
    message = "Tomorrow at 2:00pm: group session Court skills"
    assert sorted(told()) == sorted([(going.id, message), (maybe.id, message)])
    emails = db.session.scalars(select(OutboxEmail.to_address).order_by(OutboxEmail.id)).all()
    assert sorted(emails) == sorted([going.email, maybe.email])
    db.session.refresh(session)
    assert session.reminded_at == at(2027, 1, 13, 10)
    assert (
        db.session.scalar(
            select(func.count(AuditEvent.id)).where(
                AuditEvent.action == "group_session.reminded", AuditEvent.object_id == session.id
            )
        )
        == 1
    )


def test_a_cancelled_session_and_one_not_tomorrow_get_no_reminder(people):
    cancelled = session_at(people, at(2027, 1, 14, 14), topic="Called off")
    cancelled.state = SessionState.CANCELLED.value
    today = session_at(people, at(2027, 1, 13, 15), topic="Later today")
    later = session_at(people, at(2027, 1, 15, 9), topic="In two days")
    db.session.commit()
    assert remind(at(2027, 1, 13, 10)) == 0
    assert told() == []
    for session in (cancelled, today, later):
        db.session.refresh(session)
        assert session.reminded_at is None


# Summer time, so a rule reading the date in UTC would pick the wrong day after midnight.
NIGHT = {
    "just before": at(2027, 6, 8, 0, 15),  # Tuesday, first thing
    "tomorrow early": at(2027, 6, 9, 0, 15),
    "tomorrow late": at(2027, 6, 9, 23, 15),
    "the day after": at(2027, 6, 10, 0, 15),
}


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (at(2027, 6, 8, 23, 30), {"tomorrow early", "tomorrow late"}),
        (at(2027, 6, 9, 0, 30), {"the day after"}),
    ],
    ids=["23:30", "00:30"],
)
def test_only_sessions_on_the_next_local_day(people, now, expected):
    sessions = {name: session_at(people, starts, topic=name) for name, starts in NIGHT.items()}
    assert remind(now) == len(expected)
    reminded = {name for name, s in sessions.items() if told(s)}
    assert reminded == expected


@pytest.mark.parametrize(
    ("now", "on_the_day", "not_on_the_day"),
    [
        # Clocks go forward at 1am GMT on 28 March 2027: a 23-hour day.
        (
            at(2027, 3, 27, 23, 30),
            [at(2027, 3, 28, 0, 30), at(2027, 3, 28, 23, 30)],
            [at(2027, 3, 29, 0, 30), at(2027, 3, 27, 23, 45)],
        ),
        # Clocks go back at 2am BST on 31 October 2027: a 25-hour day.
        (
            at(2027, 10, 30, 23, 30),
            [at(2027, 10, 31, 0, 30), at(2027, 10, 31, 23, 30)],
            [at(2027, 11, 1, 0, 30), at(2027, 10, 30, 23, 45)],
        ),
    ],
    ids=["spring forward", "fall back"],
)
def test_across_a_clock_change(people, now, on_the_day, not_on_the_day):
    wanted = [session_at(people, starts, topic=f"On {i}") for i, starts in enumerate(on_the_day)]
    others = [
        session_at(people, starts, topic=f"Off {i}") for i, starts in enumerate(not_on_the_day)
    ]
    assert remind(now) == len(wanted)
    assert all(len(told(s)) == 2 for s in wanted)
    assert not any(told(s) for s in others)


def test_two_runs_at_once_send_one_reminder(app, people):
    session = session_at(people, at(2027, 1, 14, 14))
    first_claimed, second_started = threading.Event(), threading.Event()
    counts, errors = {}, []

    def run(name: str, before=None, after=None):
        try:
            with app.app_context():
                if before:
                    before.wait(10)
                if name == "second":
                    second_started.set()
                counts[name] = remind_due(at(2027, 1, 13, 10), LONDON)
                if after:
                    after.set()
                    second_started.wait(10)
                    threading.Event().wait(0.3)  # let the second run reach the claim
                db.session.commit()
                db.session.remove()
        except Exception as error:  # noqa: BLE001 - reported by the test below
            errors.append(error)

    threads = [
        threading.Thread(target=run, args=("first", None, first_claimed)),
        threading.Thread(target=run, args=("second", first_claimed, None)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == [] and counts == {"first": 1, "second": 0}
    db.session.expire_all()
    assert len(told(session)) == 2


def test_the_command_and_the_routine_job_remind(app, people, runner):
    session_at(people, at(2027, 1, 14, 14))
    assert remind_group_sessions in housekeeping.JOBS
    with time_machine.travel(at(2027, 1, 13, 18), tick=False):
        result = runner.invoke(args=["remind-group-sessions"])
        assert result.exit_code == 0, result.output
        assert "1 group session reminder(s) sent" in result.output
        assert "0 group session" in runner.invoke(args=["remind-group-sessions"]).output
    assert len(told()) == 2
