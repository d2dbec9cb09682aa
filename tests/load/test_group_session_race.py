"""Places at a group session under a real race: 20 invited NQSWs reply "going" at the
same moment to a session with 10 places; exactly 10 go and 10 wait, with no server error.

Each client is its own signed-in HTTP session against a real threaded server, all released
together by a barrier. Run on SQLite and, with TEST_DATABASE_URL set, on PostgreSQL, where
only the row lock the reply takes on the session keeps the count; a line of figures shows.
"""

import os
from collections import Counter
from datetime import timedelta
from time import perf_counter

import pytest
from sqlalchemy import func, select

from nqsw_visits.core import clock
from nqsw_visits.core.extensions import db
from nqsw_visits.group_sessions.models import GroupInvite, Reply
from nqsw_visits.people.models import AuditEvent, Role
from tests.factories import make_user
from tests.http.group_session_rows import stored_session
from tests.load.live import SLOWER, show
from tests.load.test_concurrency import race

pytestmark = pytest.mark.timeout(300 * SLOWER)

CLIENTS = 20
PLACES = 10
ROUNDS = 3


def replies_of(session_id: int) -> Counter:
    db.session.rollback()
    rows = db.session.execute(
        select(GroupInvite.reply, func.count())
        .where(GroupInvite.session_id == session_id)
        .group_by(GroupInvite.reply)
    ).all()
    db.session.commit()
    return Counter(dict(rows))


def test_twenty_going_to_ten_places_makes_ten_going_and_ten_waiting(app, server, request):
    mentor = make_user(Role.MENTOR, name="Mo Mentor")
    nqsws = [make_user(Role.NQSW, name=f"Nadia {number}") for number in range(CLIENTS)]
    starts = clock.now().replace(microsecond=0) + timedelta(days=30)
    sessions = [
        stored_session(
            mentor,
            starts + timedelta(weeks=week),
            starts + timedelta(weeks=week, hours=2),
            dict.fromkeys(nqsws, Reply.NONE),
            capacity=PLACES,
            topic=f"Court skills {week}",
        ).id
        for week in range(ROUNDS)
    ]
    emails = [nqsw.email for nqsw in nqsws]
    db.session.commit()
    clients = [server.session().sign_in(email) for email in emails]
    figures = Counter()
    slowest = 0.0

    for session_id in sessions:
        path = f"/group-sessions/{session_id}/reply"
        server.peak = 0
        began = perf_counter()
        statuses, pages = race(
            [lambda c=client, p=path: c.send("POST", p, {"answer": "going"}) for client in clients]
        )
        slowest = max(slowest, perf_counter() - began)
        statuses_seen = Counter(statuses)
        figures.update(
            {f"status {status}": count for status, count in statuses_seen.items()}
            | {"5xx": sum(n for status, n in statuses_seen.items() if status >= 500)}
        )
        figures["peak"] = max(figures["peak"], server.peak)
        stored = replies_of(session_id)
        figures["wins"] += stored[Reply.GOING.value]
        figures["waits"] += stored[Reply.WAITING.value]

        assert statuses_seen == Counter({303: CLIENTS}), (statuses_seen, pages[0][:300])
        assert stored == Counter({Reply.GOING.value: PLACES, Reply.WAITING.value: CLIENTS - PLACES})
        assert server.peak > 1, "the replies never overlapped in the server"
        waiting = db.session.scalars(
            select(GroupInvite.queued_at).where(
                GroupInvite.session_id == session_id, GroupInvite.reply == Reply.WAITING.value
            )
        ).all()
        assert all(queued is not None for queued in waiting)
        assert (
            db.session.scalar(
                select(func.count(AuditEvent.id)).where(
                    AuditEvent.action == "group_session.replied", AuditEvent.object_id == session_id
                )
            )
            == CLIENTS
        )
        # An open transaction here would hold SQLite's write lock through the next round.
        db.session.commit()

    engine = "postgresql" if os.environ.get("TEST_DATABASE_URL") else "sqlite"
    statuses_line = ", ".join(
        f"{figures[key]} x {key.split()[1]}" for key in sorted(figures) if key.startswith("status")
    )
    show(
        request,
        f"group session replies on {engine}: {ROUNDS} rounds of {CLIENTS} clients for "
        f"{PLACES} places, {figures['wins']} going, {figures['waits']} waiting, "
        f"statuses {statuses_line}, {figures['5xx']} x 5xx, peak {figures['peak']} requests "
        f"in flight, slowest round {slowest:.2f} s",
    )
