"""A seeded world for output checks: probe text in every free-text field, case references on
every request, each filled through the real forms where a person fills it."""

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import urlsplit

from sqlalchemy import func, select

from nqsw_visits.agreements.models import AgreementGoal, MentoringAgreement
from nqsw_visits.availability.models import AvailabilityPattern, AvailabilityWindow
from nqsw_visits.core import clock
from nqsw_visits.core.extensions import db
from nqsw_visits.group_sessions.models import GroupSession
from nqsw_visits.observations import standards as frameworks
from nqsw_visits.observations.models import Observation, Standard
from nqsw_visits.one_to_ones.models import OneToOne
from nqsw_visits.people.models import Role, Team, User
from nqsw_visits.support_requests.models import SupportRequest
from tests.conftest import FreshContextClient, sign_in
from tests.factories import assign_mentor, make_completed_request, make_manager_of, make_user
from tests.http.test_requests import open_diary

NQSW, MENTOR, MANAGER, ADMIN = "nqsw", "mentor", "practice_manager", "admin"
ROLES = (NQSW, MENTOR, MANAGER, ADMIN)
HTMX = {"HX-Request": "true"}
# Markup, an htmx attribute inside a tag and one breaking out of an attribute, and the
# characters iCalendar must escape; `{}` names the field, to find where each one shows.
PROBE = '<script>alert(1)</script><b hx-get="/probe">{}</b>\' " hx-post="/probe";x,'
# Any of these in a page means the probe reached the browser as markup, not text.
RAW = ["<script>alert(1)", '<b hx-get="/probe">', ' hx-post="/probe"', 'hx-get="/probe"']
CASE_PREFIX = "CR-482"
REQUEST_TEXT = ("area", "purpose", "feedback_on", "feedback_on_second")
NOTES_TEXT = ("observed", "strengths", "to_develop", "look_out_for")


def probe(tag: str) -> str:
    return PROBE.format(tag)


@dataclass
class World:
    """The people, what was stored, the clients and every answer seen while seeding."""

    app: object
    people: dict = field(default_factory=dict)
    clients: dict = field(default_factory=dict)
    tags: set = field(default_factory=set)
    case_references: list = field(default_factory=list)
    ids: dict = field(default_factory=dict)
    answers: list = field(default_factory=list)  # (what, response) for every seeding post

    def text(self, kind: str, instance: str = "") -> str:
        """The probe for one field (its kind) of one record (the instance)."""
        tag = f"{kind}-{instance}" if instance else kind
        self.tags.add(tag)
        return probe(tag)

    def reference(self) -> str:
        made = f"{CASE_PREFIX}{len(self.case_references):02d}"
        self.case_references.append(made)
        return made

    def post(self, role: str, path: str, data: dict | None = None, **kwargs):
        """Post as a person, expecting the change to be made; follow the redirect once."""
        client = self.clients[role]
        response = client.post(path, data=data or {}, **kwargs)
        self.answers.append((f"POST {path} as {role}", response))
        # htmx gets the part that changed; otherwise post/redirect/get (302, or 303).
        done = (200,) if kwargs.get("headers") == HTMX else (302, 303)
        assert response.status_code in done, (path, response.get_data(as_text=True)[:800])
        if response.status_code in (302, 303):
            location = response.headers["Location"]
            self.answers.append((f"GET {location} after POST {path}", client.get(location)))
        return response


def _day(when: date) -> list[str]:
    return [str(when.day), str(when.month), str(when.year)]


def _what_for(world: World, tag: str) -> dict:
    """The request's free text: where, what for and the feedback wanted."""
    return {name: world.text(name, tag) for name in REQUEST_TEXT}


def _ask(world: World, day: date, starts: str, ends: str, tag: str, **changes) -> int:
    mentor = world.people[MENTOR]
    form = {
        "mentor": str(mentor.id),
        "kind": "home_visit",
        "meeting_type": "",
        "day": _day(day),
        "starts": starts,
        "ends": ends,
        "case_reference": "CR-1" if changes else world.reference(),
        "venue_type": "family_home",
        **_what_for(world, tag),
        "consent": "yes",
        **changes,
    }
    if changes:  # a refused form, shown again with what was typed
        response = world.clients[NQSW].post("/requests/new", data=form)
        world.answers.append(("POST /requests/new refused", response))
        assert response.status_code == 422, response.get_data(as_text=True)[:800]
        return 0
    response = world.post(NQSW, "/requests/new", data=form)
    return int(urlsplit(response.headers["Location"]).path.rsplit("/", 1)[1])


def _completed(world: World, days_ago: int, tag: str) -> int:
    people = world.people
    return make_completed_request(
        people[NQSW],
        people[MENTOR],
        days_ago=days_ago,
        case_reference=world.reference(),
        **_what_for(world, tag),
    ).id


def _people(world: World) -> None:
    admin = make_user(Role.ADMIN, name=world.text("admin"))
    world.people[ADMIN] = admin
    world.clients[ADMIN] = world.app.test_client()
    sign_in(world.clients[ADMIN], admin)
    world.post(ADMIN, "/admin/teams", data={"name": world.text("team")})
    team = db.session.scalar(select(Team).where(Team.name == probe("team")))
    made = {
        NQSW: make_user(Role.NQSW),
        MENTOR: make_user(Role.MENTOR),
        "mentor2": make_user(Role.MENTOR),
        MANAGER: make_user(Role.PRACTICE_MANAGER),
    }
    for role, person in made.items():
        form = {
            "display_name": world.text(role),
            "email": person.email,
            "roles": [r.value for r in person.sorted_roles],
            "team": str(team.id),
        }
        world.post(ADMIN, f"/admin/people/{person.id}", data=form)
    rows = io.StringIO()
    writer = csv.writer(rows)
    writer.writerow(["email", "name", "roles", "team"])
    writer.writerow(["imported@example.org", world.text("imported"), "nqsw", world.text("team2")])
    world.post(
        ADMIN,
        "/admin/people/import",
        data={"file": (io.BytesIO(rows.getvalue().encode()), "people.csv")},
        content_type="multipart/form-data",
    )
    db.session.expire_all()
    world.people.update({role: db.session.get(User, p.id) for role, p in made.items()})
    assign_mentor(made[NQSW], made[MENTOR])
    assign_mentor(made[NQSW], made["mentor2"])
    make_manager_of(team, made[MANAGER])
    open_diary(made[MENTOR])
    open_diary(made["mentor2"])
    for role in (NQSW, MENTOR, "mentor2", MANAGER):
        world.clients[role] = world.app.test_client()
        sign_in(world.clients[role], made[role])


def _requests(world: World) -> None:
    """Requests in every state, each reason given through its form."""
    tuesday, wednesday, thursday = date(2027, 3, 2), date(2027, 3, 3), date(2027, 3, 4)
    _ask(world, tuesday, "09:00", "10:00", "R")  # left waiting
    _ask(world, tuesday, "09:00", "10:00", "E", consent="")
    declined = _ask(world, tuesday, "10:00", "11:00", "D")
    world.post(MENTOR, f"/requests/{declined}/decline", data={"reason": world.text("decline")})
    offered = _ask(world, tuesday, "11:00", "12:00", "P")
    other_time = {"day": _day(wednesday), "starts": "09:00", "ends": "10:00"}
    world.post(
        MENTOR, f"/requests/{offered}/propose", data={**other_time, "reason": world.text("offer")}
    )
    moved = _ask(world, tuesday, "12:00", "13:00", "M")
    new_time = {"day": _day(thursday), "starts": "09:00", "ends": "10:00"}
    world.post(
        NQSW, f"/requests/{moved}/change-time", data={**new_time, "reason": world.text("move")}
    )
    for hour, tag, by in ((13, "A", None), (14, "N", NQSW), (15, "O", MENTOR)):
        accepted = _ask(world, tuesday, f"{hour}:00", f"{hour + 1}:00", tag)
        world.post(MENTOR, f"/requests/{accepted}/accept")
        if by:  # cancelled by one side or the other
            world.post(
                by, f"/requests/{accepted}/cancel", data={"reason": world.text("cancel", tag)}
            )
    withdrawn = _ask(world, wednesday, "11:00", "12:00", "W")
    world.post(NQSW, f"/requests/{withdrawn}/withdraw")
    passed = _ask(world, wednesday, "12:00", "13:00", "H")
    mentor2 = str(world.people["mentor2"].id)
    world.post(MENTOR, f"/requests/{passed}/hand-over", data={"mentor": mentor2})
    missed = _completed(world, 6, "X")
    world.post(MENTOR, f"/requests/{missed}/did-not-happen", data={"reason": world.text("missed")})
    _completed(world, 5, "T")  # an observation to write


def _observations(world: World) -> None:
    """A draft, one shared and reflected on, one signed with addenda."""
    standard = _framework(world)

    def _notes(world: World, tag: str) -> dict:
        notes = {name: world.text(name, tag) for name in NOTES_TEXT}
        notes["standards"] = [str(standard)]
        return {**notes, "classification": "formative", "for_case_record": "no"}

    draft = _completed(world, 4, "F")
    world.post(MENTOR, f"/requests/{draft}/observation", data={**_notes(world, "F"), "save": "1"})
    for tag, days_ago in (("S", 3), ("L", 2)):
        done = _completed(world, days_ago, tag)
        data = {**_notes(world, tag), "share": "1"}
        world.post(MENTOR, f"/requests/{done}/observation", data=data)
        found = db.session.scalar(select(Observation.id).where(Observation.request_id == done))
        path = f"/observations/{found}"
        reflection = {
            "reflection": world.text("reflect", tag),
            "do_differently": world.text("differently", tag),
        }
        world.post(NQSW, f"{path}/reflection", data=reflection, headers=HTMX)
        for role in (NQSW, MENTOR):
            action = {"what": world.text("action", tag + role), "owner": "both"}
            world.post(role, f"{path}/actions", data={**action, "due_on": _day(date(2027, 4, 1))})
        world.post(NQSW, f"{path}/manager-sharing", data={"shared": "yes"})
        if tag == "L":
            world.post(MENTOR, f"{path}/sign")
            world.post(NQSW, f"{path}/sign")
            for role in (NQSW, MENTOR):
                world.post(role, f"{path}/addenda", data={"text": world.text("addendum", role)})


def _framework(world: World) -> int:
    """A framework file an administrator loads (`flask load-framework`); its standard's id."""
    standard = {"code": "PROBE1", "title": world.text("standard_title")}
    standard["description"] = world.text("standard_description")
    given = {"code": "probe", "name": world.text("framework"), "standards": [standard]}
    given["source"] = world.text("framework_source")
    counts = frameworks.load_framework(frameworks.parse_framework(json.dumps(given)))
    db.session.commit()
    assert counts, counts
    return db.session.scalar(select(Standard.id).where(Standard.code == "PROBE1"))


def _agreement(world: World, standard: int) -> None:
    """A mentoring agreement the mentor starts, all three confirm and the manager changes."""
    people = world.people
    nqsw, mentor, manager = people[NQSW], people[MENTOR], people[MANAGER]
    terms = {"mentor": str(mentor.id), "manager": str(manager.id), "every_weeks": "2"}
    # Started in October, so its 3-month review is due and can be written.
    terms |= {"starts_on": _day(date(2026, 10, 20)), "standard_1": str(standard)}
    focus = {"case_1": world.reference(), "level_1": "accompany", "aim_1": world.text("aim", "1")}
    terms |= {**focus, "goal_1": world.text("goal", "1")}
    world.post(MENTOR, f"/people/{nqsw.id}/agreement/new", data=terms)
    found = db.session.scalar(
        select(MentoringAgreement.id).where(MentoringAgreement.nqsw_id == nqsw.id)
    )
    for role in (NQSW, MANAGER):
        world.post(role, f"/agreements/{found}/confirm", data={"version": "1"})
    focus = {
        "case_1": world.reference(),
        "level_1": "talk_through",
        "aim_1": world.text("aim", "2"),
    }
    changed = {**terms, **focus, "goal_1": world.text("goal", "2")}
    changed["what_changed"] = world.text("what_changed")
    world.post(MANAGER, f"/agreements/{found}/change", data=changed)
    _review(world, found)
    world.ids.update(agreement_id=[found], number=[1, 2], months=[3])
    _one_to_ones(world, found)


def _one_to_ones(world: World, found: int) -> None:
    """Two booked through the form (one then cancelled), yesterday's written up with an
    action, and one of last week marked missed."""
    nqsw, mentor = world.people[NQSW], world.people[MENTOR]
    book = {"first_day": _day(date(2027, 2, 1)), "starts": "10:00", "minutes": "60"}
    book |= {"every_weeks": "1", "count": "2"}
    world.post(MENTOR, f"/agreements/{found}/one-to-ones/new", data=book)
    booked = list(db.session.scalars(select(OneToOne.id).where(OneToOne.agreement_id == found)))
    past = []
    for days in (1, 8):
        starts = clock.now() - timedelta(days=days)
        session = OneToOne(
            agreement_id=found,
            mentor_id=mentor.id,
            nqsw_id=nqsw.id,
            starts_at=starts,
            ends_at=starts + timedelta(hours=1),
            booked_by_id=mentor.id,
        )
        db.session.add(session)
        db.session.commit()
        past.append(session.id)
    world.post(NQSW, f"/one-to-ones/{past[0]}/record", data={"talked_about": world.text("talked")})
    action = {"description": world.text("session_action"), "owner": str(nqsw.id)}
    world.post(MENTOR, f"/one-to-ones/{past[0]}/actions", data=action)
    missed = {"reason": world.text("session_missed")}
    world.post(MENTOR, f"/one-to-ones/{past[1]}/missed", data=missed)
    cancel = {"reason": world.text("cancelled")}
    world.post(NQSW, f"/one-to-ones/{booked[0]}/cancel", data=cancel)
    world.ids.update(session_id=[*booked, *past])
    meeting = {"day": _day(date(2027, 2, 3)), "starts": "14:00", "ends": "15:00"}
    world.post(MANAGER, f"/agreements/{found}/start-meeting", data=meeting)
    started = db.session.scalar(select(OneToOne.id).where(OneToOne.kind == "start_meeting"))
    called_off = {"reason": world.text("start_meeting_cancelled")}
    world.post(NQSW, f"/start-meetings/{started}/cancel", data=called_off)


def _review(world: World, found: int) -> None:
    """The 3-month review: the mentor writes it, the NQSW adds a view, the manager confirms."""
    path = f"/agreements/{found}/reviews/3"
    written = {"progress": world.text("progress"), "what_next": world.text("what_next")}
    first = select(func.min(AgreementGoal.id)).where(AgreementGoal.agreement_id == found)
    written[f"goal_{db.session.scalar(first)}"] = world.text("review_line")
    world.post(MENTOR, path, data=written)
    goals = db.session.scalars(select(AgreementGoal.id).where(AgreementGoal.agreement_id == found))
    view = {"view": world.text("review_view"), **{f"goal_{goal}": "4" for goal in goals}}
    world.post(NQSW, path, data=view)
    world.post(MANAGER, f"{path}/confirm")


def _availability(world: World) -> None:
    mentor = world.people[MENTOR]
    away = {"away-kind": "leave", "away-first_day": _day(date(2027, 3, 10))}
    for role in (MENTOR, ADMIN):
        note = {**away, "away-note": world.text("note", role)}
        world.post(role, f"/mentors/{mentor.id}/availability/exceptions", data=note)
        away["away-first_day"] = _day(date(2027, 3, 11))


def _group_sessions(world: World) -> None:
    """A session the mentor creates with a guest, the NQSW replying; a monthly series with
    one date cancelled; and a session that has happened, with its record and feedback."""
    nqsw = world.people[NQSW]
    team = str(nqsw.team_id)
    ahead = _group(world, date(2027, 2, 16), "G", team)
    guest = {"name": world.text("guest_name"), "role": world.text("guest_role")}
    guest |= {"organisation": world.text("guest_organisation"), "email": "guest@example.net"}
    world.post(MENTOR, f"/group-sessions/{ahead}/guests", data=guest)
    world.post(NQSW, f"/group-sessions/{ahead}/reply", data={"answer": "going"}, headers=HTMX)
    series = {"topic": world.text("series_topic"), "place": world.text("place", "S")}
    series |= {"capacity": "8", "week_of_month": "1", "day_of_week": "4", "first_month": "2027-04"}
    series |= {"months": "2", "starts": "14:00", "ends": "16:00", "people": nqsw.email}
    response = world.clients[MENTOR].post("/group-sessions/series/new", data=series)
    world.answers.append(("POST /group-sessions/series/new", response))
    assert response.status_code == 200, response.get_data(as_text=True)[:800]
    first = db.session.scalar(
        select(func.min(GroupSession.id)).where(GroupSession.series_id.is_not(None))
    )
    cancel = {"reason": world.text("group_cancelled"), "scope": "one"}
    world.post(MENTOR, f"/group-sessions/{first}/cancel", data=cancel)
    held = _group(world, date(2027, 2, 23), "H", team)
    session = db.session.get(GroupSession, held)
    # Moved into the past, as if it had been booked before: rules book only what is to come.
    session.starts_at, session.ends_at = (
        clock.now() - timedelta(hours=3),
        clock.now() - timedelta(hours=1),
    )
    db.session.commit()
    world.post(MENTOR, f"/group-sessions/{held}/attendance", data={"present": [str(nqsw.id)]})
    record = {"notes": world.text("group_notes"), "resources": world.text("group_resources")}
    world.post(MENTOR, f"/group-sessions/{held}/record", data=record)
    feedback = {"rating": "4", "comment": world.text("group_feedback")}
    world.post(NQSW, f"/group-sessions/{held}/feedback", data=feedback)


def _group(world: World, day: date, tag: str, team: str) -> int:
    """A group session the mentor creates for the team, 2pm to 4pm on the day; its id."""
    form = {"topic": world.text("group_topic", tag), "place": world.text("place", tag)}
    form |= {"day": _day(day), "starts": "14:00", "ends": "16:00", "capacity": "10"}
    response = world.post(MENTOR, "/group-sessions/new", data={**form, "teams": [team]})
    return int(urlsplit(response.headers["Location"]).path.rsplit("/", 1)[1])


def build(app) -> World:
    """The whole world, made once for a test."""
    app.test_client_class = FreshContextClient
    world = World(app)
    _people(world)
    _availability(world)
    _requests(world)
    _observations(world)
    _agreement(world, db.session.scalar(select(Standard.id).where(Standard.code == "PROBE1")))
    _group_sessions(world)
    people = world.people
    mentors = [people[MENTOR].id, people["mentor2"].id]
    windows = select(AvailabilityWindow.id).join(AvailabilityPattern)
    world.ids.update(
        request_id=list(db.session.scalars(select(SupportRequest.id))),
        observation_id=list(db.session.scalars(select(Observation.id))),
        nqsw_id=[people[NQSW].id],
        user_id=list(db.session.scalars(select(User.id))),
        team_id=list(db.session.scalars(select(Team.id))),
        mentor_id=mentors,
        window_id=[
            db.session.scalar(windows.where(AvailabilityPattern.mentor_id == m).limit(1))
            for m in mentors
        ],
    )
    return world
