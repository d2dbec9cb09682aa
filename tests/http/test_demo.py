"""`flask demo-data`: a living service dated from the day it is loaded, never on a real server."""

import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import func, select

from nqsw_visits.availability.models import BankHoliday, MentorHold
from nqsw_visits.core import clock
from nqsw_visits.core.extensions import db
from nqsw_visits.demo.team import DEMO_PASSWORD
from nqsw_visits.notifications.models import Notification
from nqsw_visits.observations.models import Observation
from nqsw_visits.people.models import User
from nqsw_visits.support_requests.models import RequestEvent, SupportRequest
from tests.conftest import sign_in

LONDON = ZoneInfo("Europe/London")
MOMENTS = [
    datetime(2026, 12, 28, 10, 0, tzinfo=LONDON),  # a Monday bank holiday
    datetime(2027, 1, 15, 22, 30, tzinfo=LONDON),  # a Friday evening
    datetime(2027, 3, 28, 0, 30, tzinfo=LONDON),  # the Sunday the clocks go forward
    datetime(2028, 2, 29, 12, 0, tzinfo=LONDON),  # 29 February
]


def person(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def requests() -> list[SupportRequest]:
    db.session.expire_all()
    return list(db.session.scalars(select(SupportRequest).order_by(SupportRequest.starts_at)))


def page(app, email: str, url: str) -> str:
    """The page as that demo person sees it, signed in with the demo password."""
    client = app.test_client()
    sign_in(client, person(email), DEMO_PASSWORD)
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def check_working_time(moment: datetime, holidays: set, what: str) -> None:
    local = moment.astimezone(LONDON)
    assert local.weekday() < 5 and local.date() not in holidays, f"{what} on {local:%a %d %b}"
    assert time(8) <= local.time() <= time(18), f"{what} at {local:%H:%M}"


@pytest.fixture(params=MOMENTS, ids=lambda m: m.strftime("%Y-%m-%d-%H%M"))
def loaded_at(request, runner):
    """Demo data loaded at one of the awkward moments; the test runs at that moment."""
    with time_machine.travel(request.param, tick=False):
        result = runner.invoke(args=["demo-data"])
        assert result.exit_code == 0, result.output
        yield request.param.astimezone(UTC)


def test_every_state_is_there_dated_from_today(loaded_at):
    now = clock.now()
    assert now == loaded_at
    rows = requests()
    by_status: dict[str, list[SupportRequest]] = {}
    for row in rows:
        by_status.setdefault(row.status, []).append(row)
    pending = by_status["requested"]
    assert any(r.urgent and r.starts_at > now for r in pending)
    assert any(not r.urgent for r in pending)
    accepted = [r for r in by_status["accepted"] if r.starts_at > now]
    today = clock.today()
    next_monday = today + timedelta(days=7 - today.weekday())
    weeks = {r.starts_at.astimezone(LONDON).date() >= next_monday for r in accepted}
    assert len(accepted) >= 2 and True in weeks  # one next week; one sooner where days remain
    assert by_status["alternative_proposed"][0].proposed_starts_at > now
    handed = [r for r in pending if any(e.action == "handed_over" for e in r.events)]
    assert handed and handed[0].mentor.email == "mentor1@example.org"
    assert by_status["declined"][0].events[-1].reason
    assert by_status["did_not_happen"][0].starts_at < now
    completed = by_status["completed"]
    records = {o.request_id: o for o in db.session.scalars(select(Observation))}
    assert len([r for r in completed if r.id not in records]) >= 2  # one recent, one overdue
    waiting = [o for o in records.values() if o.shared_at and not o.reflection]
    assert waiting and waiting[0].locked_at is None
    locked = [o for o in records.values() if o.locked_at]
    assert locked and locked[0].addenda and locked[0].actions
    assert locked[0].mentor_signed_at and locked[0].nqsw_signed_at


def test_events_and_their_history_fall_in_working_hours_and_never_overlap(loaded_at):
    holidays = set(db.session.scalars(select(BankHoliday.day)))
    for row in requests():
        check_working_time(row.starts_at, holidays, f"request {row.id} starts")
        check_working_time(row.ends_at, holidays, f"request {row.id} ends")
        assert row.starts_at.astimezone(LONDON).date() == row.ends_at.astimezone(LONDON).date()
        if row.proposed_starts_at:
            check_working_time(row.proposed_starts_at, holidays, f"request {row.id} offered")
        check_working_time(row.created_at, holidays, f"request {row.id} asked")
        for step in row.events:
            assert step.at <= loaded_at, f"{step.action} after now"
            check_working_time(step.at, holidays, f"request {row.id} {step.action}")
    holds = list(db.session.scalars(select(MentorHold).order_by(MentorHold.starts_at)))
    assert holds
    for first in holds:
        for second in holds:
            if first is not second and first.mentor_id == second.mentor_id:
                assert not (first.starts_at < second.ends_at and second.starts_at < first.ends_at)


def test_each_role_finds_something_to_do(loaded_at, app, client):
    planned = page(app, "manager@example.org", "/planned-support")
    assert "Nothing planned in the next 14 days for: Ella Nowak" in planned
    assert "Unanswered for more than 2 working days" in planned
    shown = re.search(r'role="status">(\d+) planned<', planned)
    assert shown and int(shown[1]) >= 4
    assert "Court hearing" in planned and "Urgent" in planned
    inbox = page(app, "mentor1@example.org", "/inbox")
    assert "Urgent" in inbox and "Amira Hassan" in inbox
    home = page(app, "mentor1@example.org", "/mentoring")
    assert "Overdue" in home and "Observations to write" in home
    mine = page(app, "nqsw1@example.org", "/my-support")
    assert "reflection" in mine.lower()
    unread = select(func.count(Notification.id)).where(Notification.read_at.is_(None))
    assert db.session.scalar(unread.where(Notification.user_id == person("mentor1@example.org").id))


def test_no_emails_are_queued_about_the_demo_history(loaded_at):
    from nqsw_visits.notifications.models import OutboxEmail

    assert db.session.scalar(select(func.count(OutboxEmail.id))) == 0
    first_step = db.session.scalar(select(func.min(RequestEvent.at)))
    assert first_step < loaded_at - timedelta(days=14)


def test_demo_data_is_refused_outside_debug_and_testing(app, runner):
    app.config["TESTING"] = False
    app.debug = False
    result = runner.invoke(args=["demo-data"])
    assert result.exit_code == 1
    assert "--for-trials-only" in result.output
    assert "Never load it on a real server" in result.output
    assert DEMO_PASSWORD not in result.output
    assert db.session.scalar(select(func.count(User.id))) == 0


@pytest.mark.parametrize(("debug", "args"), [(True, []), (False, ["--for-trials-only"])])
def test_demo_data_loads_in_debug_or_with_the_trials_flag(app, runner, debug, args):
    app.config["TESTING"] = False
    app.debug = debug  # what FLASK_DEBUG=1 sets when the flask command loads the app
    result = runner.invoke(args=["demo-data", *args])
    assert result.exit_code == 0, result.output
    assert f"Every demo account's password is: {DEMO_PASSWORD}" in result.output
    assert db.session.scalar(select(func.count(User.id))) == 9


def test_amiras_agreement_has_one_to_ones_held_missed_and_ahead(loaded_at):
    from nqsw_visits.one_to_ones.models import OneToOne

    sessions = list(db.session.scalars(select(OneToOne).order_by(OneToOne.starts_at)))
    holidays = set(db.session.scalars(select(BankHoliday.day)))
    assert [s.status for s in sessions[:2]] == ["held", "missed"]
    assert sessions[0].talked_about and sessions[0].actions
    assert any(s.status == "booked" and s.starts_at > loaded_at for s in sessions)
    for s in sessions:
        check_working_time(s.starts_at, holidays, "a one-to-one")
    holds = db.session.scalar(
        select(func.count()).select_from(MentorHold).where(MentorHold.one_to_one_id.is_not(None))
    )
    assert holds == sum(s.status in ("booked", "held") for s in sessions)
