"""The practice manager's planned-support view: their teams only, filters, and flags."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import update

from nqsw_visits.availability import free_time
from nqsw_visits.availability import rules as availability_store
from nqsw_visits.core import clock
from nqsw_visits.core.extensions import db
from nqsw_visits.people.models import Role
from nqsw_visits.support_requests import rules as scheduling
from nqsw_visits.support_requests.models import RequestKind, SupportRequest
from tests.conftest import sign_in
from tests.factories import assign_mentor, make_manager_of, make_team, make_user

LONDON = ZoneInfo("Europe/London")


def setup_team():
    team, other_team = make_team(), make_team()
    manager = make_user(Role.PRACTICE_MANAGER)
    make_manager_of(team, manager)
    mentor = make_user(Role.MENTOR, name="Grace Mensah")
    supported = make_user(Role.NQSW, team=team, name="Amira Hassan")
    waiting = make_user(Role.NQSW, team=team, name="Ella Nowak")
    elsewhere = make_user(Role.NQSW, team=other_team, name="Zed Other")
    for nqsw in (supported, waiting, elsewhere):
        assign_mentor(nqsw, mentor)
    for weekday in range(7):
        availability_store.add_window(
            mentor, mentor, weekday, time(0), time(23, 45), date(2026, 1, 1)
        )
    availability_store.set_limits(mentor, mentor, free_time.Limits(9, 50, 0, 0))
    db.session.commit()
    return manager, mentor, supported, waiting, elsewhere


def ask(nqsw, mentor, days_ahead: int, hour: int = 10):
    day = clock.today() + timedelta(days=days_ahead)
    request = scheduling.ask(
        nqsw,
        mentor.id,
        scheduling.Details(
            kind=RequestKind.HOME_VISIT,
            case_reference="CR-5555",
            starts_at=datetime.combine(day, time(hour), tzinfo=LONDON),
            ends_at=datetime.combine(day, time(hour + 1), tzinfo=LONDON),
        ),
        LONDON,
        clock.now(),
    )
    db.session.commit()
    return request


def test_manager_sees_their_team_and_who_is_going_without(client):
    manager, mentor, supported, _, elsewhere = setup_team()
    ask(supported, mentor, 3)
    ask(elsewhere, mentor, 4)
    sign_in(client, manager)
    page = client.get("/planned-support").get_data(as_text=True)
    assert "Amira Hassan" in page and "Zed Other" not in page
    assert "Nothing planned in the next 14 days for: Ella Nowak" in page
    assert "CR-5555" not in page


def test_requests_unanswered_for_two_working_days_are_flagged(client):
    manager, mentor, supported, _, _ = setup_team()
    old = ask(supported, mentor, 10)
    ask(supported, mentor, 11)
    db.session.execute(
        update(SupportRequest)
        .where(SupportRequest.id == old.id)
        .values(created_at=clock.now() - timedelta(days=5))
    )
    db.session.commit()
    sign_in(client, manager)
    page = client.get("/planned-support").get_data(as_text=True)
    assert "Unanswered for more than 2 working days (1)" in page


def test_filter_in_place_by_nqsw(client):
    manager, mentor, supported, waiting, _ = setup_team()
    ask(supported, mentor, 2)
    ask(waiting, mentor, 2, hour=14)
    sign_in(client, manager)
    fragment = client.get(f"/planned-support?nqsw={waiting.id}", headers={"HX-Request": "true"})
    html = fragment.get_data(as_text=True)
    assert "<html" not in html and "1 planned" in html
    assert "Ella Nowak" in html and "Amira Hassan" not in html
    assert "HX-Request" in fragment.headers["Vary"]


def test_query_count_stays_the_same_as_requests_grow(client, count_queries):
    manager, mentor, supported, waiting, _ = setup_team()
    sign_in(client, manager)
    ask(supported, mentor, 1)
    with count_queries() as few:
        client.get("/planned-support")
    for n in range(2, 12):
        ask(waiting if n % 2 else supported, mentor, n)
    with count_queries() as many:
        client.get("/planned-support")
    assert few.count == many.count <= 13  # the Mentor filter lists the team's mentors: one query
