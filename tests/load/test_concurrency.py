"""No double booking: many clients race a real threaded server; exactly one of them wins.

Each client is its own signed-in HTTP session (http.client, one connection per request,
a timeout on each), all released together by a barrier. Run on SQLite and, with
TEST_DATABASE_URL set, on PostgreSQL; each test prints a line with its figures.
"""

import os
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, text

from nqsw_visits.availability import free_time as availability
from nqsw_visits.availability import rules as availability_store
from nqsw_visits.availability.models import MentorHold
from nqsw_visits.availability.week import week_of
from nqsw_visits.core import clock
from nqsw_visits.core.extensions import db
from nqsw_visits.observations import rules as observations
from nqsw_visits.observations.models import Observation
from nqsw_visits.people.models import AuditEvent, Role
from nqsw_visits.support_requests import rules as scheduling
from nqsw_visits.support_requests.models import RequestEvent, RequestKind, SupportRequest
from tests.factories import (
    assign_mentor,
    hold_of,
    make_completed_request,
    make_shared_observation,
    make_user,
)
from tests.load.live import SLOWER, TIMEOUT, show

pytestmark = pytest.mark.timeout(300 * SLOWER)

CLIENTS = 20
ROUNDS = 3
LONDON = ZoneInfo("Europe/London")
HTMX = {"HX-Request": "true"}


@pytest.fixture(scope="module")
def totals(request):
    """Figures over the module's races; one line for the engine at the end."""
    counts = Counter()
    yield counts
    engine = "postgresql" if db_is_postgres(request) else "sqlite"
    line = (
        f"concurrency on {engine}: {counts['rounds']} rounds of {CLIENTS} clients, "
        f"{counts['wins']} wins, {counts['409']} x 409, {counts['5xx']} x 5xx, "
        f"{counts['other']} other, peak {counts['peak']} requests in flight; accept vs "
        f"withdraw won by accept {counts['accepted won']}, withdraw {counts['withdrawn won']}"
    )
    show(request, line)


def db_is_postgres(request) -> bool:
    return bool(os.environ.get("TEST_DATABASE_URL"))


@pytest.fixture
def mentor(app):
    """A mentor free 09:00 to 17:00 on weekdays, with caps that never get in the way."""
    person = make_user(Role.MENTOR, name="Mo Mentor")
    for weekday in range(5):
        availability_store.add_window(person, person, weekday, time(9), time(17), date(2026, 1, 1))
    availability_store.set_limits(
        person, person, availability.Limits(max_per_day=50, max_per_week=200, travel_minutes=0)
    )
    db.session.commit()
    return person


def race(calls) -> tuple[list[int], list[str]]:
    """Run the calls at once, released together by a barrier; their statuses and pages."""
    barrier = threading.Barrier(len(calls), timeout=TIMEOUT)

    def run(call):
        barrier.wait()
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        futures = [pool.submit(run, call) for call in calls]
        results = [future.result(timeout=2 * TIMEOUT) for future in futures]
    return [status for status, _ in results], [page for _, page in results]


def tally(totals, server, statuses, winning: set[int]) -> Counter:
    """Count wins, 409s and server errors for one round, into the module's totals."""
    counted = Counter()
    for status in statuses:
        if status in winning:
            counted["wins"] += 1
        elif status == 409:
            counted["409"] += 1
        elif status >= 500:
            counted["5xx"] += 1
        else:
            counted["other"] += 1
    totals.update(counted)
    totals["rounds"] += 1
    totals["peak"] = max(totals["peak"], server.peak)
    return counted


def overlaps() -> dict[str, int]:
    """Straight SQL: overlapping holds, and overlapping accepted requests, per mentor."""
    db.session.rollback()
    holds = db.session.scalar(
        text(
            "SELECT count(*) FROM mentor_holds a JOIN mentor_holds b"
            " ON a.mentor_id = b.mentor_id AND a.request_id < b.request_id"
            " AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at"
        )
    )
    accepted = db.session.scalar(
        text(
            "SELECT count(*) FROM support_requests a JOIN support_requests b"
            " ON a.mentor_id = b.mentor_id AND a.id < b.id"
            " AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at"
            " WHERE a.status = 'accepted' AND b.status = 'accepted'"
        )
    )
    holding = db.session.scalar(
        text(
            "SELECT count(*) FROM support_requests a JOIN support_requests b"
            " ON a.mentor_id = b.mentor_id AND a.id < b.id"
            " AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at"
            " WHERE a.status IN ('requested', 'accepted', 'alternative_proposed')"
            " AND b.status IN ('requested', 'accepted', 'alternative_proposed')"
        )
    )
    db.session.commit()
    return {"holds": holds, "accepted": accepted, "holding": holding}


def first_day() -> date:
    """A Tuesday seven weeks on (2 March 2027 at FROZEN_AT); each round takes a later week."""
    return week_of(clock.today()) + timedelta(weeks=7, days=1)


def the_day(round_number: int) -> date:
    return first_day() + timedelta(weeks=round_number)


def ask_directly(nqsw, mentor, day: date, hour: int) -> int:
    """A request made through the service, for races over answering it; its id."""
    starts = datetime.combine(day, time(hour), tzinfo=LONDON).astimezone(UTC)
    made = scheduling.ask(
        nqsw,
        mentor.id,
        scheduling.Details(
            kind=RequestKind.CASE_DISCUSSION,
            starts_at=starts,
            ends_at=starts + timedelta(minutes=45),
        ),
        LONDON,
        clock.now(),
    )
    made_id = made.id
    # Reading an attribute after the commit would open a transaction, and on SQLite
    # that holds the write lock while the server works.
    db.session.commit()
    return made_id


def test_twenty_people_booking_overlapping_times_get_one_booking(app, server, mentor, totals):
    """Guards SECURITY.md trap 1: 20 NQSWs ask for overlapping times; exactly one is held."""
    nqsws = [make_user(Role.NQSW, name=f"Nadia {number}") for number in range(CLIENTS)]
    for nqsw in nqsws:
        assign_mentor(nqsw, mentor)
    emails, mentor_id = [nqsw.email for nqsw in nqsws], mentor.id
    db.session.commit()
    sessions = [server.session().sign_in(email) for email in emails]

    for round_number in range(ROUNDS):
        day = the_day(round_number)

        def booking(session, offset, day=day):
            # Every slot overlaps every other between 10:38 and 11:00.
            starts = datetime.combine(day, time(10)) + timedelta(minutes=2 * offset)
            form = {
                "mentor": str(mentor_id),
                "kind": "home_visit",
                "day": [str(day.day), str(day.month), str(day.year)],
                "starts": f"{starts:%H:%M}",
                "ends": f"{starts + timedelta(hours=1):%H:%M}",
                "case_reference": f"CR-{1000 + offset}",
                "venue_type": "family_home",
                "purpose": "Joint home visit",
                "consent": "yes",
            }
            return lambda: session.send("POST", "/requests/new", form)

        server.peak = 0
        statuses, pages = race([booking(s, i) for i, s in enumerate(sessions)])
        counted = tally(totals, server, statuses, {302})

        assert counted == Counter(wins=1, **{"409": CLIENTS - 1}), statuses
        loser = pages[statuses.index(409)]
        assert "is not free at that time" in loser or "Someone else has just booked" in loser
        assert server.peak > 1, "the requests never overlapped in the server"
        db.session.rollback()
        booked = db.session.scalars(
            select(SupportRequest).where(
                SupportRequest.mentor_id == mentor_id,
                SupportRequest.starts_at >= datetime.combine(day, time(0), tzinfo=LONDON),
                SupportRequest.starts_at < datetime.combine(day, time(23), tzinfo=LONDON),
            )
        ).all()
        assert len(booked) == 1 and hold_of(booked[0].id) is not None
        assert overlaps() == {"holds": 0, "accepted": 0, "holding": 0}

    assert db.session.scalar(select(func.count()).select_from(SupportRequest)) == ROUNDS


def test_twenty_asks_for_separate_times_past_a_daily_cap_of_one_get_one_booking(
    app, server, mentor, totals
):
    """Guards the per-mentor lock on its own: no two holds overlap, so only the lock keeps
    the cap. 20 NQSWs ask for 20 separate times on one day of a mentor who takes one a day.

    On SQLite every write transaction begins IMMEDIATE and so queues anyway; without
    `FOR UPDATE` on the mentor row this fails on PostgreSQL (TEST_DATABASE_URL).
    """
    availability_store.set_limits(
        mentor, mentor, availability.Limits(max_per_day=1, max_per_week=200, travel_minutes=0)
    )
    nqsws = [make_user(Role.NQSW, name=f"Nell {number}") for number in range(CLIENTS)]
    for nqsw in nqsws:
        assign_mentor(nqsw, mentor)
    emails, mentor_id = [nqsw.email for nqsw in nqsws], mentor.id
    db.session.commit()
    sessions = [server.session().sign_in(email) for email in emails]

    for round_number in range(ROUNDS):
        day = the_day(round_number)

        def booking(session, offset, day=day):
            # 09:00-09:15, 09:20-09:35, ...: no two times touch.
            starts = datetime.combine(day, time(9)) + timedelta(minutes=20 * offset)
            form = {
                "mentor": str(mentor_id),
                "kind": "home_visit",
                "day": [str(day.day), str(day.month), str(day.year)],
                "starts": f"{starts:%H:%M}",
                "ends": f"{starts + timedelta(minutes=15):%H:%M}",
                "case_reference": f"CR-{2000 + offset}",
                "venue_type": "family_home",
                "purpose": "Joint home visit",
                "consent": "yes",
            }
            return lambda: session.send("POST", "/requests/new", form)

        server.peak = 0
        statuses, pages = race([booking(s, i) for i, s in enumerate(sessions)])
        counted = tally(totals, server, statuses, {302})

        assert counted == Counter(wins=1, **{"409": CLIENTS - 1}), statuses
        losers = [page for status, page in zip(statuses, pages, strict=True) if status == 409]
        assert all("their most accompaniments for that day" in page for page in losers)
        assert server.peak > 1, "the requests never overlapped in the server"
        db.session.rollback()
        held = db.session.scalar(
            select(func.count())
            .select_from(MentorHold)
            .where(
                MentorHold.mentor_id == mentor_id,
                MentorHold.starts_at >= datetime.combine(day, time(0), tzinfo=LONDON),
                MentorHold.starts_at < datetime.combine(day, time(23), tzinfo=LONDON),
            )
        )
        db.session.commit()
        assert held == 1

    assert db.session.scalar(select(func.count()).select_from(SupportRequest)) == ROUNDS


def test_twenty_accepts_of_one_request_accept_it_once(app, server, mentor, totals):
    """The mentor's 20 open sessions all accept one request: one 200, nineteen 409s."""
    nqsw = make_user(Role.NQSW)
    assign_mentor(nqsw, mentor)
    ids = [ask_directly(nqsw, mentor, first_day(), 9 + number) for number in range(ROUNDS)]
    email = mentor.email
    db.session.commit()
    sessions = [server.session().sign_in(email) for _ in range(CLIENTS)]

    for request_id in ids:
        path = f"/requests/{request_id}/accept"
        server.peak = 0
        statuses, pages = race(
            [lambda s=session, p=path: s.send("POST", p, {}, HTMX) for session in sessions]
        )
        counted = tally(totals, server, statuses, {200})

        assert counted == Counter(wins=1, **{"409": CLIENTS - 1}), statuses
        assert "Accepted: it is in your diary" in pages[statuses.index(200)]
        assert "This request has changed since you opened it" in pages[statuses.index(409)]
        db.session.rollback()
        assert db.session.get(SupportRequest, request_id).status == "accepted"
        accepted = db.session.scalars(
            select(RequestEvent.id).where(
                RequestEvent.request_id == request_id, RequestEvent.action == "accepted"
            )
        ).all()
        assert len(accepted) == 1
        assert overlaps() == {"holds": 0, "accepted": 0, "holding": 0}


def test_accept_racing_withdraw_has_one_winner(app, server, mentor, totals):
    """Ten mentor sessions accept while ten NQSW sessions withdraw: one change happens."""
    nqsw = make_user(Role.NQSW)
    assign_mentor(nqsw, mentor)
    ids = [
        ask_directly(nqsw, mentor, first_day() + timedelta(days=1), 9 + number)
        for number in range(ROUNDS)
    ]
    mentor_email, nqsw_email = mentor.email, nqsw.email
    db.session.commit()
    half = CLIENTS // 2
    accepting = [server.session().sign_in(mentor_email) for _ in range(half)]
    withdrawing = [server.session().sign_in(nqsw_email) for _ in range(half)]

    for request_id in ids:
        calls = []
        for mentors_session, nqsws_session in zip(accepting, withdrawing, strict=True):
            calls.append(
                lambda s=mentors_session, p=f"/requests/{request_id}/accept": s.send(
                    "POST", p, {}, HTMX
                )
            )
            calls.append(
                lambda s=nqsws_session, p=f"/requests/{request_id}/withdraw": s.send(
                    "POST", p, {}, HTMX
                )
            )
        server.peak = 0
        statuses, _ = race(calls)
        counted = tally(totals, server, statuses, {200})

        assert counted == Counter(wins=1, **{"409": CLIENTS - 1}), statuses
        won_by_accept = statuses.index(200) % 2 == 0
        db.session.rollback()
        stored = db.session.get(SupportRequest, request_id)
        assert stored.status == ("accepted" if won_by_accept else "withdrawn")
        assert (hold_of(request_id) is not None) == won_by_accept
        changes = db.session.scalars(
            select(RequestEvent.action).where(
                RequestEvent.request_id == request_id, RequestEvent.action != "asked"
            )
        ).all()
        assert changes == ["accepted" if won_by_accept else "withdrawn"]
        totals[f"{stored.status} won"] += 1
        assert overlaps() == {"holds": 0, "accepted": 0, "holding": 0}


def shared_observation(nqsw, mentor) -> int:
    """A completed visit with an observation shared and reflected on, ready to sign."""
    observation = make_shared_observation(make_completed_request(nqsw, mentor))
    observations.reflect(nqsw, observation, "Reflected", "", clock.now())
    db.session.commit()
    return observation.id


def test_both_signing_at_once_locks_the_record_once(app, server, mentor, totals):
    """Ten mentor and ten NQSW sessions sign together: it ends signed by both and locked once."""
    nqsw = make_user(Role.NQSW)
    assign_mentor(nqsw, mentor)
    ids = [shared_observation(nqsw, mentor) for _ in range(ROUNDS)]
    mentor_email, nqsw_email = mentor.email, nqsw.email
    db.session.commit()  # the test's own transaction must not hold SQLite's write lock
    half = CLIENTS // 2
    signers = [server.session().sign_in(mentor_email) for _ in range(half)]
    signers += [server.session().sign_in(nqsw_email) for _ in range(half)]

    for observation_id in ids:
        path = f"/observations/{observation_id}/sign"
        server.peak = 0
        statuses, _ = race([lambda s=signer, p=path: s.send("POST", p, {}) for signer in signers])
        counted = tally(totals, server, statuses, {302})
        assert counted["5xx"] == 0 and counted["other"] == 0, statuses
        db.session.rollback()
        stored = db.session.get(Observation, observation_id)
        assert stored.mentor_signed_at and stored.nqsw_signed_at and stored.locked_at
        locks = db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(
                AuditEvent.action == "observation.locked", AuditEvent.object_id == observation_id
            )
        )
        assert locks == 1
        db.session.rollback()  # let go of SQLite's write lock before the next round
