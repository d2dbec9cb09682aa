"""Group sessions over HTTP: every route for every role, CSRF, creating a session or a
monthly series through its form, the form's errors, and queries that do not grow."""

from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import func, select

from nqsw_visits.agreements import rules as agreement_rules
from nqsw_visits.agreements.models import SupportLevel
from nqsw_visits.availability.models import MentorHold
from nqsw_visits.core import clock
from nqsw_visits.core.extensions import db
from nqsw_visits.group_sessions import rules
from nqsw_visits.group_sessions.models import (
    GroupFeedback,
    GroupGuest,
    GroupInvite,
    GroupSeries,
    GroupSession,
)
from nqsw_visits.people.models import AuditEvent, Role
from tests.conftest import FreshContextClient, sign_in
from tests.factories import make_team, make_team_with_people, make_user
from tests.http.test_csrf import form_token, header_token, sign_in_with_token
from tests.http.test_requests import open_diary

LONDON = ZoneInfo("Europe/London")
DAY = date(2027, 2, 2)  # a Tuesday, three weeks after the tests' frozen moment
ROLES = ("organiser", "mentor", "invited", "uninvited", "manager", "admin")


def at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=LONDON)


def day_field(day: date) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


def session_form(day: date = DAY, **changes) -> dict:
    """The session form as a mentor fills it: Tuesday 2 February, 2pm to 4pm."""
    form = {"topic": "Court skills", "day": day_field(day), "starts": "14:00", "ends": "16:00"}
    return {**form, "place": "Room 1", "capacity": "10", "cohort": "", "people": "", **changes}


def build(capacity: int = 10, invited: int = 2) -> dict:
    """A team with its manager, two mentors (the first organising, diary open) and four
    NQSWs; an NQSW of another team; an admin; and the organiser's session of 2 February
    with the first NQSWs invited and a guest speaker."""
    team = make_team_with_people(nqsws=4)
    organiser, mentor = team["mentors"]
    open_diary(organiser)
    nqsws = team["nqsws"]
    people = {
        "organiser": organiser,
        "mentor": mentor,
        "invited": nqsws[0],
        "second": nqsws[1],
        "third": nqsws[2],
        "uninvited": make_user(Role.NQSW, team=make_team()),
        "manager": team["manager"],
        "admin": team["admin"],
    }
    details = rules.Details("Court skills", at(DAY, 14), at(DAY, 16), "Room 1", capacity)
    ids = [person.id for person in nqsws[:invited]]
    session = rules.create_session(organiser, organiser, details, ids, LONDON, clock.now())
    guest = rules.Guest("Gail Guest", "gail@example.net", "Magistrate", "The court")
    rules.add_guest(organiser, session, guest, clock.now())
    db.session.commit()
    return {"people": people, "team": team["team"], "session": session}


@pytest.fixture
def world(app):
    app.test_client_class = FreshContextClient
    return build()


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


@contextmanager
def during(app, session: GroupSession, minutes: int = 30):
    """At a moment during the session, with clients signed in then (earlier ones lapsed)."""
    with time_machine.travel(session.starts_at + timedelta(minutes=minutes), tick=False):

        def client_as(user):
            client = app.test_client()
            sign_in(client, user)
            return client

        yield client_as


# --- Every route for every role ----------------------------------------------------------

SHOWN = {"organiser": 200, "admin": 200, "invited": 200}
RUNS_IT = {"organiser": 200, "admin": 200, "invited": 403}


def runs(status: int) -> dict:
    """The organiser and an admin get this; the invited 403 (everyone else 404)."""
    return {**RUNS_IT, "organiser": status, "admin": status}


# route: (method, path after /group-sessions/<id>, form sent, status by role; 404 otherwise).
# Posts send an empty form, so the organiser's changes are refused by the form (422), the
# register before the start by the rules (409); the guest really is removed. Only the
# invited reply; no one has come yet to give feedback.
SESSION_ROUTES = {
    "show": ("get", "", None, SHOWN),
    "edit": ("get", "/edit", None, RUNS_IT),
    "cancel": ("get", "/cancel", None, RUNS_IT),
    "attendance": ("get", "/attendance", None, RUNS_IT),
    "record": ("get", "/record", None, RUNS_IT),
    "reply": ("post", "/reply", {"answer": "going"}, {**runs(403), "invited": 303}),
    "feedback": ("post", "/feedback", {"rating": "4"}, runs(403)),
    "edit (post)": ("post", "/edit", {}, runs(422)),
    "cancel (post)": ("post", "/cancel", {}, runs(422)),
    "add_guest": ("post", "/guests", {}, runs(422)),
    "remove_guest": ("post", "/guests/{guest}/remove", {}, runs(303)),
    "attendance (post)": ("post", "/attendance", {}, runs(409)),
    "attendance_one": ("post", "/attendance/{invited}", {"attended": "yes"}, runs(303)),
    "record (post)": ("post", "/record", {}, runs(422)),
}
ORGANISING = {"organiser": 200, "mentor": 200, "admin": 200}
TOP_ROUTES = {
    "/group-sessions": dict.fromkeys(ROLES, 200),
    "/group-sessions/new": ORGANISING,
    "/group-sessions/series/new": ORGANISING,
}


def session_path(world: dict, suffix: str) -> str:
    guest = world["session"].guests[0].id
    filled = suffix.format(guest=guest, invited=world["people"]["invited"].id)
    return f"/group-sessions/{world['session'].id}{filled}"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", sorted(SESSION_ROUTES))
def test_every_session_route_for_every_role(world, client_for, route, role):
    """Uninvited people get 404 and change nothing; the invited get 403 where only the
    organiser (or an admin) may go."""
    method, suffix, data, expected = SESSION_ROUTES[route]
    client = client_for(world["people"][role])
    before = count(AuditEvent)
    response = getattr(client, method)(session_path(world, suffix), data=data)
    assert response.status_code == expected.get(role, 404), response.get_data(as_text=True)[:600]
    if response.status_code == 404:
        assert "Court skills" not in response.get_data(as_text=True)
    if response.status_code in (403, 404):
        assert count(AuditEvent) == before
        assert count(GroupGuest) == 1
    if route == "remove_guest" and response.status_code == 303:
        assert count(GroupGuest) == 0


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path", sorted(TOP_ROUTES))
def test_the_list_and_creating_pages_for_every_role(world, client_for, path, role):
    response = client_for(world["people"][role]).get(path)
    assert response.status_code == TOP_ROUTES[path].get(role, 403)


def test_signed_out_every_route_sends_to_sign_in(world, client):
    paths = [("get", path) for path in TOP_ROUTES]
    paths += [("post", "/group-sessions/new"), ("post", "/group-sessions/series/new")]
    paths += [(m, session_path(world, suffix)) for m, suffix, *_ in SESSION_ROUTES.values()]
    for method, path in paths:
        response = getattr(client, method)(path, data={"answer": "going"})
        assert response.status_code == 302, path
        expected = f"/sign-in?next={path}" if method == "get" else "/sign-in"
        assert response.headers["Location"].startswith(expected), (path, response.headers)
    assert count(GroupInvite, GroupInvite.reply != "none") == 0


def test_a_staff_guest_is_not_invited_and_never_gets_the_page(world, client_for):
    """A guest speaker with an account is told by email only: the session stays unseen."""
    speaker = world["people"]["mentor"]
    organiser = client_for(world["people"]["organiser"])
    path = session_path(world, "")
    guest = {"name": speaker.display_name, "email": speaker.email.upper()}
    assert organiser.post(f"{path}/guests", data=guest).status_code == 303
    stored = db.session.scalar(select(GroupGuest).where(GroupGuest.email == speaker.email))
    assert stored.user_id == speaker.id
    assert client_for(speaker).get(path).status_code == 404


# --- CSRF ----------------------------------------------------------------------------------


class TestWithCsrf:
    """Every post of a group session is refused without its token, and taken with it."""

    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "WTF_CSRF_ENABLED": True}

    def test_every_post_needs_the_token(self, app, world):
        client = app.test_client()
        sign_in_with_token(client, world["people"]["organiser"])
        posts = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("group_sessions.")]
        posts = [r for r in posts if "POST" in r.methods]
        assert len(posts) == 12  # the invitations route included
        before = count(AuditEvent)
        for rule in posts:
            path = rule.rule.replace("<int:session_id>", str(world["session"].id))
            path = path.replace("<int:guest_id>", str(world["session"].guests[0].id))
            path = path.replace("<int:user_id>", str(world["people"]["invited"].id))
            for headers in ({}, {"HX-Request": "true"}, {"X-CSRFToken": "forged"}):
                response = client.post(path, data={"answer": "going"}, headers=headers)
                assert response.status_code == 400, (path, headers)
        assert count(AuditEvent) == before
        assert count(GroupGuest) == 1

    def test_the_reply_form_and_htmx_carry_the_token(self, app, world):
        client = app.test_client()
        sign_in_with_token(client, world["people"]["invited"])
        path = session_path(world, "")
        page = client.get(path).get_data(as_text=True)
        sent = client.post(
            f"{path}/reply", data={"answer": "maybe", "csrf_token": form_token(page)}
        )
        assert sent.status_code == 303
        htmx = {"HX-Request": "true", "X-CSRFToken": header_token(page)}
        swapped = client.post(f"{path}/reply", data={"answer": "going"}, headers=htmx)
        assert swapped.status_code == 200 and 'id="reply"' in swapped.get_data(as_text=True)


# --- Creating a session --------------------------------------------------------------------


def _agreement_started(world, nqsw, starts_on: date) -> None:
    people = world["people"]
    case = agreement_rules.NewFocusCase("CR-1001", "Plan", SupportLevel.ACCOMPANY)
    terms = agreement_rules.Terms(
        people["organiser"], people["manager"], starts_on, new_focus_cases=[case]
    )
    agreement_rules.start(people["manager"], nqsw, terms, clock.now())
    db.session.commit()


def test_a_mentor_invites_a_team_a_cohort_and_named_people(world, client_for):
    people = world["people"]
    other = make_user(Role.NQSW, team=make_team(), email="ola@example.org")
    _agreement_started(world, people["third"], date(2026, 9, 14))
    client = client_for(people["organiser"])
    page = client.get("/group-sessions/new").get_data(as_text=True)
    assert "NQSWs whose mentoring started in September 2026" in page
    assert world["team"].name in page and 'name="organiser"' not in page
    form = session_form(date(2027, 2, 4), teams=[str(world["team"].id)], cohort="2026-09")
    form["people"] = "OLA@example.org\n" + people["invited"].email
    response = client.post("/group-sessions/new", data=form)
    assert response.status_code == 303
    made = db.session.scalar(select(GroupSession).order_by(GroupSession.id.desc()))
    assert response.headers["Location"] == f"/group-sessions/{made.id}"
    invited = set(db.session.scalars(select(GroupInvite.user_id).filter_by(session_id=made.id)))
    team_members = {p.id for p in world["team"].members} - {people["organiser"].id}
    assert invited == team_members | {other.id}
    assert made.organiser_id == people["organiser"].id and made.capacity == 10
    assert made.starts_at == at(date(2027, 2, 4), 14)
    assert count(MentorHold, MentorHold.group_session_id == made.id) == 1
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Session created: {len(invited)} people are invited" in shown


def test_an_admin_creates_one_for_a_mentor_who_may_not_pick_another(world, client_for):
    people = world["people"]
    admin = client_for(people["admin"])
    page = admin.get("/group-sessions/new").get_data(as_text=True)
    assert 'name="organiser"' in page and people["organiser"].display_name in page
    form = session_form(date(2027, 2, 4), people=people["third"].email)
    sent = admin.post("/group-sessions/new", data={**form, "organiser": people["organiser"].id})
    assert sent.status_code == 303
    made = db.session.scalar(select(GroupSession).order_by(GroupSession.id.desc()))
    assert (made.organiser_id, made.created_by_id) == (people["organiser"].id, people["admin"].id)
    # A mentor organises for themselves: an organiser in the form changes nothing.
    mentor = client_for(people["mentor"])
    form = {**session_form(date(2027, 2, 5)), "organiser": str(people["organiser"].id)}
    open_diary(people["mentor"])
    assert (
        mentor.post("/group-sessions/new", data={**form, "people": "x@example.org"}).status_code
        == 422
    )
    sent = mentor.post("/group-sessions/new", data={**form, "people": people["third"].email})
    assert sent.status_code == 303
    made = db.session.scalar(select(GroupSession).order_by(GroupSession.id.desc()))
    assert made.organiser_id == people["mentor"].id


FORM_ERRORS = [
    ({"topic": ""}, "Enter the topic"),
    ({"ends": "13:00"}, "The end time must be after the start time"),
    ({"starts": "25:00"}, "Enter start time as a time"),
    ({"day": ["31", "2", "2027"]}, "Date must be a real date"),
    ({"capacity": "0"}, "Enter a number of places from 1 to 200"),
    ({"capacity": "many"}, "Places must be a whole number"),
    ({"people": "nobody@example.org"}, "has the email address nobody@example.org"),
    ({"people": ""}, "Choose a team or a cohort, or enter the email addresses"),
    ({"cohort": "1999-01", "people": "x"}, "Choose a cohort from the list"),
    ({"topic": "Visit to SW1A 1AA"}, "postcode"),
    ({"day": day_field(date(2027, 1, 12))}, "Choose a time in the future"),
]  # fmt: skip


@pytest.mark.parametrize(("changes", "message"), FORM_ERRORS)
def test_form_errors_are_shown_with_what_was_typed(world, client_for, changes, message):
    client = client_for(world["people"]["organiser"])
    form = {**session_form(people=world["people"]["third"].email), **changes}
    before = count(GroupSession)
    response = client.post("/group-sessions/new", data=form)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "govuk-error-summary" in text and message in text, text[text.find("error-summary") :][
        :900
    ]
    assert f'value="{form["place"]}"' in text
    assert count(GroupSession) == before


def test_a_time_already_in_the_organisers_diary_is_refused(world, client_for):
    client = client_for(world["people"]["organiser"])
    form = session_form(starts="15:00", ends="17:00", people=world["people"]["third"].email)
    response = client.post("/group-sessions/new", data=form)
    assert response.status_code == 409
    assert "The organiser is not free then" in response.get_data(as_text=True)
    assert count(GroupSession) == 1


def test_a_monthly_series_lists_each_date_booked_skipped_or_clashing(world, client_for):
    """First Mondays from April 2027: 3 May is a bank holiday, 7 June clashes."""
    people = world["people"]
    details = rules.Details("Other", at(date(2027, 6, 7), 13), at(date(2027, 6, 7), 15), "Room", 5)
    rules.create_session(
        people["organiser"], people["organiser"], details, [people["third"].id], LONDON, clock.now()
    )
    db.session.commit()
    client = client_for(people["organiser"])
    page = client.get("/group-sessions/series/new").get_data(as_text=True)
    assert "April 2027" in page and "Which week of the month?" in page
    form = {"topic": "Monthly practice", "place": "Room 3", "capacity": "15"}
    form |= {"week_of_month": "1", "day_of_week": "0", "starts": "14:00", "ends": "16:00"}
    form |= {"first_month": "2027-04", "months": "4", "teams": [str(world["team"].id)]}
    response = client.post("/group-sessions/series/new", data=form)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    series = db.session.scalar(select(GroupSeries))
    made = db.session.scalars(
        select(GroupSession).filter_by(series_id=series.id).order_by(GroupSession.starts_at)
    ).all()
    assert [s.starts_at.astimezone(LONDON).date() for s in made] == [
        date(2027, 4, 5),
        date(2027, 7, 5),
    ]
    assert "2 sessions booked" in text
    for session in made:
        assert f'href="/group-sessions/{session.id}"' in text
    assert "Monday 3 May 2027" in text and "Skipped" in text and "bank holiday" in text
    assert "Monday 7 June 2027" in text and "Not booked" in text


def test_a_series_with_no_free_date_is_refused_on_the_form(world, client_for):
    form = {"topic": "Monthly", "place": "Room 3", "capacity": "15", "week_of_month": "1"}
    form |= {"day_of_week": "0", "starts": "07:00", "ends": "08:00", "first_month": "2027-05"}
    form |= {"months": "1", "people": world["people"]["third"].email}
    response = client_for(world["people"]["organiser"]).post(
        "/group-sessions/series/new", data=form
    )
    assert response.status_code == 409
    assert "None of those dates is free" in response.get_data(as_text=True)
    assert count(GroupSeries) == 0


# --- Lists and queries ---------------------------------------------------------------------


def _more_sessions(world, how_many: int, invited, first: date = date(2027, 3, 1)) -> None:
    """Sessions at 9am on the weekdays of `how_many` days from the first."""
    organiser = world["people"]["organiser"]
    holidays = rules.holidays_between(first, first + timedelta(days=how_many))
    for n in range(how_many):
        day = first + timedelta(days=n)
        if day.weekday() >= 5 or day in holidays:
            continue
        details = rules.Details(f"Topic {n}", at(day, 9), at(day, 10), "Room", 3)
        ids = [person.id for person in invited]
        rules.create_session(organiser, organiser, details, ids, LONDON, clock.now())
    db.session.commit()


def test_the_list_shows_sessions_to_come_then_past_and_pages(world, client_for):
    people = world["people"]
    _more_sessions(world, 30, [people["invited"]])
    past = db.session.scalar(select(GroupSession).filter_by(topic="Topic 0"))
    past.starts_at, past.ends_at = at(date(2027, 1, 4), 9), at(date(2027, 1, 4), 10)
    db.session.commit()
    client = client_for(people["invited"])
    first = client.get("/group-sessions").get_data(as_text=True)
    assert first.index("Court skills") < first.index("Topic 1")
    assert "Topic 0" not in first and "/group-sessions?page=2" in first
    assert "You: Not replied" in first
    last = client.get("/group-sessions?page=2").get_data(as_text=True)
    assert "Topic 0" in last and "Past" in last
    assert "Court skills" not in client_for(people["uninvited"]).get("/group-sessions").get_data(
        as_text=True
    )
    assert "Court skills" in client_for(people["admin"]).get("/group-sessions").get_data(
        as_text=True
    )


@pytest.mark.parametrize("who", ["organiser", "invited"])
def test_the_list_runs_the_same_queries_for_few_or_many(world, client_for, count_queries, who):
    client = client_for(world["people"][who])
    counts = []
    for extra, first in ((2, date(2027, 3, 1)), (14, date(2027, 4, 1))):
        invited = [world["people"]["invited"], world["people"]["second"]]
        _more_sessions(world, extra, invited, first)
        with count_queries() as counted:
            assert client.get("/group-sessions").status_code == 200
        counts.append(counted.count)
    assert counts[0] == counts[1] <= 8, counts


def _crowd(world, session, people: int) -> None:
    """More invited people, some replied and some came, with feedback."""
    for n in range(people):
        person = make_user(Role.NQSW)
        reply = ("going", "maybe", "not_going", "none")[n % 4]
        db.session.add(
            GroupInvite(session_id=session.id, user_id=person.id, reply=reply, attended=n % 2 == 0)
        )
        if n % 2 == 0:
            db.session.add(
                GroupFeedback(session_id=session.id, user_id=person.id, rating=4, comment=f"L{n}")
            )
    db.session.commit()


@pytest.mark.parametrize("who", ["organiser", "invited", "admin"])
def test_the_session_page_runs_the_same_queries_for_few_or_many(
    world, client_for, count_queries, who
):
    session = world["session"]
    client = client_for(world["people"][who])
    counts = []
    for people in (2, 20):
        _crowd(world, session, people)
        with count_queries() as counted:
            assert client.get(f"/group-sessions/{session.id}").status_code == 200
        page = counted.count
        if who != "invited":
            with count_queries() as counted:
                assert client.get(f"/group-sessions/{session.id}/attendance").status_code == 200
        counts.append((page, counted.count))
    assert counts[0] == counts[1], counts
    assert max(counts[1]) <= 14, counts
