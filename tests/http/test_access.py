"""Access control over HTTP: deny by default, the role x route matrix, 404s and 405s."""

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from nqsw_visits.agreements import reviews as agreement_reviews
from nqsw_visits.agreements import rules as agreement_rules
from nqsw_visits.agreements import versions as agreement_versions
from nqsw_visits.agreements.models import SupportLevel
from nqsw_visits.availability import rules as availability_store
from nqsw_visits.availability.models import ExceptionKind
from nqsw_visits.core import clock
from nqsw_visits.core.extensions import db
from nqsw_visits.group_sessions import rules as group_rules
from nqsw_visits.observations import rules as observations
from nqsw_visits.one_to_ones import rules as one_to_ones
from nqsw_visits.one_to_ones import start_meeting
from nqsw_visits.one_to_ones.models import OneToOne
from nqsw_visits.people.models import AuditEvent, Role, User, UserRole
from nqsw_visits.support_requests import rules as scheduling
from nqsw_visits.support_requests.models import RequestKind
from tests.conftest import sign_in
from tests.factories import (
    assign_mentor,
    make_completed_request,
    make_manager_of,
    make_shared_observation,
    make_team,
    make_user,
)

# The only views reachable without signing in (SECURITY.md: deny by default).
# The calendar feed is public: its secret address is the key (tested with calendars).
PUBLIC = {"auth.login", "pages.accessibility", "pages.healthz", "calendars.feed", "static"}
IGNORED_METHODS = {"HEAD", "OPTIONS"}
PARAM = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")

NQSW, MENTOR, MANAGER, ADMIN = "nqsw", "mentor", "practice_manager", "admin"
ROLES = (NQSW, MENTOR, MANAGER, ADMIN)


def only(role: str, status: int = 200) -> dict[str, int]:
    return {r: status if r == role else 403 for r in ROLES}


def every(status: int) -> dict[str, int]:
    return dict.fromkeys(ROLES, status)


MENTORS_OWN = {NQSW: 403, MENTOR: 200, MANAGER: 403, ADMIN: 200}
MENTOR_VISIBLE = {NQSW: 200, MENTOR: 200, MANAGER: 403, ADMIN: 200}
# A group session's own pages: its organiser and admins; 403 to the invited, 404 to others.
RUNS_IT = {NQSW: 403, MENTOR: 200, MANAGER: 404, ADMIN: 200}

# What each role gets from a GET of each route (302: sent on to its home page).
EXPECTED = {
    "dashboard.index": every(302),
    "auth.login": every(302),
    "auth.change_password": every(200),
    "pages.accessibility": every(200),
    "pages.healthz": every(200),
    "dashboard.nqsw": only(NQSW),
    "dashboard.mentor": only(MENTOR),
    "dashboard.to_write": only(MENTOR),
    "dashboard.to_sign": only(MENTOR),
    "dashboard.manager": only(MANAGER),
    "admin.index": only(ADMIN),
    "admin.activity": only(ADMIN),
    "admin.people_list": only(ADMIN),
    "admin.person_new": only(ADMIN),
    "admin.person_edit": only(ADMIN),
    "admin.person_password": only(ADMIN),
    "admin.person_mentors": only(ADMIN),
    "admin.people_import": only(ADMIN),
    "admin.teams": only(ADMIN),
    "admin.team_edit": only(ADMIN),
    "availability.edit": MENTORS_OWN,
    "availability.window_change": MENTORS_OWN,
    "availability.diary": MENTORS_OWN,
    "availability.free_check": MENTOR_VISIBLE,
    "availability.free_slots": MENTOR_VISIBLE,
    "support_requests.ask": only(NQSW),
    "support_requests.ask_check": only(NQSW),
    "support_requests.mine": only(NQSW),
    "support_requests.inbox": only(MENTOR),
    # A request is seen by its two parties and the NQSW's practice manager; 404 otherwise.
    "support_requests.show": {NQSW: 200, MENTOR: 200, MANAGER: 200, ADMIN: 404},
    "support_requests.decline": only(MENTOR),
    "support_requests.cancel": {NQSW: 200, MENTOR: 200, MANAGER: 403, ADMIN: 403},
    "support_requests.propose": {NQSW: 403, MENTOR: 200, MANAGER: 403, ADMIN: 403},
    "support_requests.change_time": {NQSW: 200, MENTOR: 403, MANAGER: 403, ADMIN: 403},
    "support_requests.hand_over": {NQSW: 403, MENTOR: 200, MANAGER: 403, ADMIN: 403},
    "support_requests.did_not_happen": {NQSW: 403, MENTOR: 200, MANAGER: 403, ADMIN: 403},
    "observations.write": only(MENTOR),
    # An observation: its two parties, the NQSW's manager (a summary); 404 for anyone else.
    "observations.show": {NQSW: 200, MENTOR: 200, MANAGER: 200, ADMIN: 404},
    "observations.progress": {NQSW: 200, MENTOR: 200, MANAGER: 200, ADMIN: 404},
    "observations.portfolio_print": {NQSW: 200, MENTOR: 404, MANAGER: 404, ADMIN: 404},
    "calendars.event": {NQSW: 200, MENTOR: 200, MANAGER: 404, ADMIN: 404},
    "calendars.feed_settings": every(200),
    "calendars.feed": every(404),  # no such secret
    "notifications.index": every(200),
    "planning.planned": only(MANAGER),
    # An agreement: its three people; the admin role has no agreement pages.
    "agreements.index": {NQSW: 200, MENTOR: 200, MANAGER: 200, ADMIN: 403},
    "agreements.start": {NQSW: 403, MENTOR: 200, MANAGER: 200, ADMIN: 403},
    "agreements.show": {NQSW: 200, MENTOR: 200, MANAGER: 200, ADMIN: 403},
    "agreements.version": {NQSW: 200, MENTOR: 200, MANAGER: 200, ADMIN: 403},
    "agreements.change": {NQSW: 200, MENTOR: 200, MANAGER: 200, ADMIN: 403},
    "agreements.review": {NQSW: 200, MENTOR: 200, MANAGER: 200, ADMIN: 403},
    "agreements.ratings": only(NQSW),
    # One-to-ones: the dates for all three people of the agreement, a session's page (its
    # record) for the mentor and the NQSW only.
    "one_to_ones.index": {NQSW: 200, MENTOR: 200, MANAGER: 200, ADMIN: 403},
    "one_to_ones.book": {NQSW: 200, MENTOR: 200, MANAGER: 403, ADMIN: 403},
    "one_to_ones.show": {NQSW: 200, MENTOR: 200, MANAGER: 403, ADMIN: 403},
    "one_to_ones.calendar_file": {NQSW: 200, MENTOR: 200, MANAGER: 403, ADMIN: 403},
    # The start meeting (the world's, by its own id): all three people of the agreement.
    "one_to_ones.start_meeting_page": {NQSW: 200, MENTOR: 200, MANAGER: 200, ADMIN: 403},
    "one_to_ones.start_meeting_calendar": {NQSW: 200, MENTOR: 200, MANAGER: 200, ADMIN: 403},
    # Group sessions: everyone's list; a mentor or an admin (for a mentor) creates them.
    "group_sessions.index": every(200),
    "group_sessions.new": {NQSW: 403, MENTOR: 200, MANAGER: 403, ADMIN: 200},
    "group_sessions.series_new": {NQSW: 403, MENTOR: 200, MANAGER: 403, ADMIN: 200},
    # The world's session: the mentor organises it, the NQSW is invited, the manager is not.
    "group_sessions.show": {NQSW: 200, MENTOR: 200, MANAGER: 404, ADMIN: 200},
    "group_sessions.edit": RUNS_IT,
    "group_sessions.cancel": RUNS_IT,
    "group_sessions.attendance": RUNS_IT,
    "group_sessions.record": RUNS_IT,
}


def route_path(rule, ids: dict[str, object]) -> str:
    """The rule's URL with each parameter filled from `ids`: `endpoint.name` first, then the
    bare name (1 where none is known)."""

    def value(found) -> str:
        name = found.group(1)
        return str(ids.get(f"{rule.endpoint}.{name}", ids.get(name, 1)))

    return PARAM.sub(value, rule.rule)


def rules(app, method: str | None = None):
    """Every rule of the app, except static files, optionally only those taking a method."""
    found = [r for r in app.url_map.iter_rules() if r.endpoint != "static"]
    if method:
        found = [r for r in found if method in r.methods]
    return sorted(found, key=lambda r: r.rule)


def world() -> dict:
    """One person of each role, a team, a mentor with a window and leave, a request, an
    observation and a one-to-one each with an action, and an agreement with a goal whose
    3-month review is written for the NQSW to add their view; ids for URL parameters.

    A parameter two routes name alike but mean apart is given as `endpoint.name` too.
    """
    team = make_team()
    people = {
        NQSW: make_user(Role.NQSW, team=team),
        MENTOR: make_user(Role.MENTOR, team=team),
        MANAGER: make_user(Role.PRACTICE_MANAGER),
        ADMIN: make_user(Role.ADMIN),
    }
    assign_mentor(people[NQSW], people[MENTOR])
    make_manager_of(team, people[MANAGER])
    today = clock.today()
    window = availability_store.add_window(
        people[MENTOR], people[MENTOR], 0, time(9), time(12), today
    )
    away = availability_store.add_exception(
        people[MENTOR],
        people[MENTOR],
        ExceptionKind.LEAVE,
        clock.now() + timedelta(days=30),
        clock.now() + timedelta(days=31),
    )
    asked = _asked(people)
    observation = make_shared_observation(make_completed_request(people[NQSW], people[MENTOR]))
    agreed = observations.add_action(
        people[NQSW], observation, "Read the plan", "nqsw", today + timedelta(days=30), clock.now()
    )
    agreement = _agreement(people, today)
    session = _session(people, agreement, days=7)
    held = _session(people, agreement, days=-1)
    carried = one_to_ones.add_action(
        people[MENTOR], held, "Read the guide", people[NQSW], None, clock.now()
    )
    meeting = _start_meeting(people, agreement)
    group, guest = _group_session(people)
    db.session.commit()
    ids = {
        "session_id": session.id,
        "agreement_id": agreement.id,
        "number": 1,
        "months": 3,
        "observation_id": observation.id,
        "action_id": agreed.id,
        "one_to_ones.action_done.action_id": carried.id,
        "one_to_ones.start_meeting_cancel.session_id": meeting.id,
        "one_to_ones.start_meeting_move.session_id": meeting.id,
        "one_to_ones.start_meeting_calendar.session_id": meeting.id,
        "exception_id": away.id,
        "nqsw_id": people[NQSW].id,
        "request_id": asked.id,
        "user_id": people[NQSW].id,
        "team_id": team.id,
        "mentor_id": people[MENTOR].id,
        "window_id": window.id,
        "filename": "app.js",
        "token": "not-a-feed-secret",
        "guest_id": guest.id,
        "group_sessions.attendance_one.user_id": people[NQSW].id,
        **{f"group_sessions.{name}.session_id": group.id for name in GROUP_SESSION_ROUTES},
    }
    return {"people": people, "ids": ids, "team": team}


GROUP_SESSION_ROUTES = (
    "show", "reply", "feedback", "edit", "cancel", "add_guest", "remove_guest",
    "attendance", "attendance_one", "record",
)  # fmt: skip


def _group_session(people: dict):
    """A session the mentor organises on the Monday three weeks on, in their working time,
    the NQSW invited, with a guest speaker."""
    today = clock.today()
    monday = today + timedelta(days=21 - today.weekday())
    london = ZoneInfo("Europe/London")
    starts = datetime.combine(monday, time(9), tzinfo=london)
    details = group_rules.Details("Court skills", starts, starts + timedelta(hours=2), "Room 1", 10)
    session = group_rules.create_session(
        people[MENTOR], people[MENTOR], details, [people[NQSW].id], london, clock.now()
    )
    guest = group_rules.Guest("Gail Guest", "gail@example.org", "Magistrate", "The court")
    return session, group_rules.add_guest(people[MENTOR], session, guest, clock.now())


def _asked(people: dict):
    """The NQSW's request of next Monday, waiting for the mentor's answer."""
    today = clock.today()
    next_monday = today + timedelta(days=7 - today.weekday())
    london = ZoneInfo("Europe/London")
    return scheduling.ask(
        people[NQSW],
        people[MENTOR].id,
        scheduling.Details(
            kind=RequestKind.HOME_VISIT,
            starts_at=datetime.combine(next_monday, time(10), tzinfo=london),
            ends_at=datetime.combine(next_monday, time(11), tzinfo=london),
            case_reference="CR-1001",
        ),
        london,
        clock.now(),
    )


def _agreement(people: dict, today):
    """Started 85 days ago with a goal, confirmed, its 3-month review written by the mentor."""
    terms = agreement_rules.Terms(
        mentor=people[MENTOR],
        manager=people[MANAGER],
        starts_on=today - timedelta(days=85),
        new_focus_cases=[
            agreement_rules.NewFocusCase("CR-1001", "Planning", SupportLevel.ACCOMPANY)
        ],
        new_goals=[agreement_rules.NewGoal("Write clearly")],
    )
    agreement = agreement_rules.start(people[MANAGER], people[NQSW], terms, clock.now())
    for person in (people[NQSW], people[MENTOR]):
        agreement_versions.confirm(person, agreement, 1, clock.now())
    at = agreement_reviews.point_of(agreement, 3, frozenset(), today)
    agreement_reviews.write(people[MENTOR], agreement, at, "Good", "More", today, clock.now())
    return agreement


def _start_meeting(people: dict, agreement) -> OneToOne:
    """The agreement's start meeting, booked by the manager on the Monday after next."""
    today = clock.today()
    monday = today + timedelta(days=14 - today.weekday())
    london = ZoneInfo("Europe/London")
    starts = datetime.combine(monday, time(10), tzinfo=london)
    return start_meeting.book(
        people[MANAGER], agreement, starts, starts + timedelta(hours=1), london, clock.now()
    )


def _session(people: dict, agreement, days: int) -> OneToOne:
    """A one-to-one of the agreement, `days` from now (yesterday's: held)."""
    session = OneToOne(
        agreement_id=agreement.id,
        mentor_id=people[MENTOR].id,
        nqsw_id=people[NQSW].id,
        starts_at=clock.now() + timedelta(days=days),
        ends_at=clock.now() + timedelta(days=days, hours=1),
        booked_by_id=people[MENTOR].id,
    )
    db.session.add(session)
    db.session.flush()
    return session


def audit_count() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent))


# --- Deny by default -----------------------------------------------------------------------


def test_only_the_allowlist_is_public(app):
    """Guards the allowlist: a new @public view must be a deliberate change to this test."""
    public = {
        endpoint
        for endpoint, view in app.view_functions.items()
        if getattr(view, "is_public", False)
    }
    assert public | {"static"} == PUBLIC


def test_every_route_refuses_anonymous_visitors(app, client):
    """Guards deny-by-default: walks app.url_map so a new route is covered automatically."""
    ids = world()["ids"]
    before = audit_count()
    checked = 0
    for rule in rules(app):
        if rule.endpoint in PUBLIC:
            continue
        path = route_path(rule, ids)
        methods = rule.methods - IGNORED_METHODS
        get = client.get(path)
        if "GET" in methods:
            assert get.status_code == 302, path
            assert get.headers["Location"].startswith("/sign-in?next="), path
        else:
            assert get.status_code == 405, path
        if "POST" in methods:
            post = client.post(path, data={"active": "0", "name": "Hacked"})
            assert post.status_code == 302, path
            assert post.headers["Location"] == "/sign-in", path
        checked += 1
    assert checked >= 15
    assert audit_count() == before  # nothing was changed by anyone


def test_public_pages_answer_anonymous_visitors(client):
    """The allowlist really is reachable without signing in."""
    for path in ("/sign-in", "/accessibility", "/healthz", "/static/app.js"):
        assert client.get(path).status_code == 200, path


def test_anonymous_htmx_request_gets_401_and_hx_redirect(client):
    """Guards htmx behaviour when signed out: no login page swapped into a fragment."""
    user = make_user()
    for method, path in (("GET", "/admin/people"), ("POST", f"/admin/people/{user.id}/active")):
        response = client.open(path, method=method, headers={"HX-Request": "true"})
        assert response.status_code == 401, path
        assert response.headers["HX-Redirect"] == "/sign-in"
        assert response.get_data(as_text=True) == ""


# --- Role x route matrix -------------------------------------------------------------------


def test_matrix_lists_every_get_route(app):
    """A new GET route must say here who may see it."""
    assert {r.endpoint for r in rules(app, "GET")} == set(EXPECTED)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(EXPECTED))
def test_role_route_matrix(app, client, endpoint, role):
    """Guards role checks on every GET route: each role gets 200, a redirect or 403."""
    data = world()
    sign_in(client, data["people"][role])
    (rule,) = [r for r in app.url_map.iter_rules() if r.endpoint == endpoint]
    response = client.get(route_path(rule, data["ids"]))
    assert response.status_code == EXPECTED[endpoint][role]
    html = response.get_data(as_text=True)
    if response.status_code == 403:
        assert "You do not have access to this page" in html


def test_index_sends_each_role_home(client):
    world_data = world()
    homes = {NQSW: "/my-support", MENTOR: "/mentoring", MANAGER: "/my-team", ADMIN: "/admin/"}
    for role, home in homes.items():
        fresh = client.application.test_client()
        sign_in(fresh, world_data["people"][role])
        assert fresh.get("/").headers["Location"] == home


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/admin/people/999999"),
        ("POST", "/admin/people/999999"),
        ("GET", "/admin/people/999999/password"),
        ("GET", "/admin/people/999999/mentors"),
        ("POST", "/admin/people/999999/active"),
        ("GET", "/admin/teams/999999"),
        ("POST", "/admin/teams/999999"),
    ],
)
def test_unknown_person_or_team_is_404_for_an_admin(client, method, path):
    """Guards object lookups: a missing id is a plain 404, not a server error."""
    sign_in(client, make_user(Role.ADMIN))
    response = client.open(path, method=method, data={"active": "0"})
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)
    assert audit_count() == 1  # only the admin's sign-in


def test_person_with_no_role_sees_the_no_role_page(client):
    """Someone signed in without any role gets an explanation, not an error or a loop."""
    user = make_user()
    db.session.execute(UserRole.__table__.delete().where(UserRole.user_id == user.id))
    db.session.commit()
    sign_in(client, user)
    response = client.get("/")
    assert response.status_code == 200
    assert "You do not have a role yet" in response.get_data(as_text=True)
    assert client.get("/my-support").status_code == 403
    assert client.get("/admin/").status_code == 403


# --- GET never changes state ---------------------------------------------------------------


def test_get_on_sign_out_is_405_and_keeps_you_signed_in(client):
    """Guards against sign-out by a link or image (GET): only POST signs out."""
    user = make_user()
    sign_in(client, user)
    assert client.get("/sign-out").status_code == 405
    assert client.get("/account/password").status_code == 200
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.actor_id == user.id))
    assert "signout" not in list(actions)


def test_get_on_deactivate_is_405_and_changes_nothing(client):
    """Guards against deactivation by a GET (a link or prefetch)."""
    target = make_user()
    sign_in(client, make_user(Role.ADMIN))
    before = audit_count()
    response = client.get(f"/admin/people/{target.id}/active?active=0")
    assert response.status_code == 405
    assert db.session.get(User, target.id).active is True
    assert audit_count() == before


def test_every_post_only_route_refuses_get(app, client):
    """Guards that state-changing routes answer 405 to GET even for an admin."""
    ids = world()["ids"]
    sign_in(client, make_user(Role.ADMIN))
    before = audit_count()
    post_only = [r for r in rules(app, "POST") if "GET" not in r.methods]
    assert {"auth.logout", "admin.person_set_active"} <= {r.endpoint for r in post_only}
    for rule in post_only:
        assert client.get(route_path(rule, ids)).status_code == 405, rule.rule
    assert audit_count() == before
    assert client.get("/admin/").status_code == 200  # still signed in
