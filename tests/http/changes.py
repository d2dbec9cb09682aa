"""A seeded world with a request or record in every state, and one valid post per route."""

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

from sqlalchemy import select

from nqsw_visits.agreements import reviews as agreement_reviews
from nqsw_visits.agreements import rules as agreements
from nqsw_visits.agreements import versions as agreement_versions
from nqsw_visits.agreements.models import AgreementGoal, FocusCase, SupportLevel
from nqsw_visits.availability import free_time as availability
from nqsw_visits.availability import rules as availability_store
from nqsw_visits.availability.models import ExceptionKind
from nqsw_visits.core import clock
from nqsw_visits.core.extensions import db
from nqsw_visits.group_sessions import rules as group_rules
from nqsw_visits.group_sessions.models import GroupInvite, GroupSession
from nqsw_visits.observations import rules as observations
from nqsw_visits.observations.models import Classification, Framework
from nqsw_visits.one_to_ones import rules as one_to_ones
from nqsw_visits.one_to_ones import start_meeting
from nqsw_visits.one_to_ones.models import OneToOne
from nqsw_visits.people.models import Role
from nqsw_visits.support_requests import rules as scheduling
from nqsw_visits.support_requests.models import RequestKind, SupportRequest
from tests.factories import (
    DEFAULT_PASSWORD,
    assign_mentor,
    make_completed_request,
    make_manager_of,
    make_team,
    make_user,
)

LONDON = ZoneInfo("Europe/London")
NEW_PASSWORD = "copper kettle harbour lantern"
# Days after the frozen moment (Wednesday 13 January 2027) with the diaries open.
MONDAY, TUESDAY, WEDNESDAY, THURSDAY = (date(2027, 1, d) for d in (18, 19, 20, 21))


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=LONDON)


def _ask(nqsw, mentor, day: date) -> int:
    details = scheduling.Details(
        kind=RequestKind.HOME_VISIT,
        starts_at=_at(day, 10),
        ends_at=_at(day, 11),
        case_reference="CR-1001",
        purpose="Joint visit",
    )
    return scheduling.ask(nqsw, mentor.id, details, LONDON, clock.now()).id


def _open_diary(mentor) -> None:
    for weekday in range(5):
        availability_store.add_window(mentor, mentor, weekday, time(9), time(17), date(2026, 1, 1))
    availability_store.set_limits(mentor, mentor, availability.Limits(50, 200, 0, 0, False))


def _observation(nqsw, mentor, days_ago: int, *, share=True, reflect=False, lock=False):
    request = make_completed_request(nqsw, mentor, days_ago=days_ago)
    record = observations.start(mentor, request)
    notes = observations.Notes(Classification.FORMATIVE, "Explained why we had come.")
    observations.save_notes(mentor, record, notes, clock.now())
    if share:
        observations.share(mentor, record, clock.now())
    if reflect or lock:
        observations.reflect(nqsw, record, "I spoke too fast.", "", clock.now())
    if lock:
        observations.sign(mentor, record, clock.now())
        observations.sign(nqsw, record, clock.now())
    db.session.commit()
    return record


def build_world() -> dict:
    """The same world every time it is built on an empty database (names, ids and times)."""
    team, other_team = make_team("Team North"), make_team("Team South")
    people = {
        "manager": make_user(Role.PRACTICE_MANAGER, email="pm@example.org", name="Pat Manager"),
        "mentor": make_user(Role.MENTOR, email="mentor@example.org", name="Mina Mentor"),
        "second": make_user(Role.MENTOR, email="second@example.org", name="Sam Second"),
        "nqsw": make_user(Role.NQSW, email="nqsw@example.org", name="Nia Newly", team=team),
        "victim": make_user(Role.NQSW, email="vic@example.org", name="Vic Other", team=other_team),
        "admin": make_user(Role.ADMIN, email="admin@example.org", name="Ada Admin"),
        "learner": make_user(Role.NQSW, email="kit@example.org", name="Kit Learner", team=team),
        "veteran": make_user(Role.NQSW, email="vet@example.org", name="Val Veteran", team=team),
        "newcomer": make_user(Role.PRACTICE_MANAGER, email="pm2@example.org", name="Quinn Next"),
    }
    nqsw, mentor = people["nqsw"], people["mentor"]
    make_manager_of(team, people["manager"])
    make_manager_of(team, people["newcomer"])  # joined after the agreement was made
    assign_mentor(nqsw, mentor)
    assign_mentor(nqsw, people["second"])
    _open_diary(mentor)
    _open_diary(people["second"])
    away = availability_store.add_exception(
        mentor, mentor, ExceptionKind.LEAVE, _at(date(2027, 2, 1), 0), _at(date(2027, 2, 2), 0)
    )
    proposed = _ask(nqsw, mentor, TUESDAY)
    offered = db.session.get(SupportRequest, proposed)
    scheduling.propose(mentor, offered, _at(TUESDAY, 14), _at(TUESDAY, 15), LONDON, clock.now())
    accepted = _ask(nqsw, mentor, WEDNESDAY)
    scheduling.accept(mentor, db.session.get(SupportRequest, accepted), LONDON, clock.now())
    ids = {
        "team": team.id,
        "other_team": other_team.id,
        "requested": _ask(nqsw, mentor, MONDAY),
        "proposed": proposed,
        "accepted": accepted,
        "window": availability_store.current_pattern(mentor, clock.today()).windows[0].id,
        "exception": away.id,
    }
    db.session.commit()
    ids["done"] = make_completed_request(nqsw, mentor, days_ago=1).id
    ids["draft"] = _observation(nqsw, mentor, 2, share=False).id
    shared = _observation(nqsw, mentor, 3)
    ids["shared"] = shared.id
    ids["action"] = observations.add_action(
        nqsw, shared, "Read the plan first", "nqsw", date(2027, 3, 1), clock.now()
    ).id
    db.session.commit()
    ids["locked"] = _observation(nqsw, mentor, 4, lock=True).id
    ids["framework"] = db.session.scalar(select(Framework.id).order_by(Framework.id))
    ids["agreement"] = _agreement(people)
    ids["reviewed"] = _reviewed(people)
    ids["goals"] = list(
        db.session.scalars(
            select(AgreementGoal.id).where(AgreementGoal.agreement_id == ids["reviewed"])
        )
    )
    ids["cases"] = list(
        db.session.scalars(select(FocusCase.id).where(FocusCase.agreement_id == ids["reviewed"]))
    )
    ids.update(_one_to_ones(people, ids["reviewed"]))
    ids["start_meeting"] = _start_meeting(people, ids["agreement"])
    ids.update(_group_sessions(people))
    return {"people": people, "ids": ids}


def _group_sessions(people: dict) -> dict:
    """The mentor's group session of Monday week with a guest, the NQSW invited; and one
    that began yesterday afternoon, where the NQSW came and the learner is not marked yet."""
    mentor, invited = people["mentor"], [people["nqsw"].id, people["learner"].id]
    made = {}
    for name, day in (("group", date(2027, 1, 25)), ("group_held", date(2027, 1, 26))):
        details = group_rules.Details("Court skills", _at(day, 14), _at(day, 16), "Room 1", 10)
        session = group_rules.create_session(mentor, mentor, details, invited, LONDON, clock.now())
        made[name] = session.id
    guest = group_rules.Guest("Gail Guest", "gail@example.org", "Magistrate", "The court")
    made["guest"] = group_rules.add_guest(
        mentor, db.session.get(GroupSession, made["group"]), guest, clock.now()
    ).id
    held = db.session.get(GroupSession, made["group_held"])
    # Stored as if it had been booked earlier: the rules book only times still to come.
    held.starts_at, held.ends_at = _at(date(2027, 1, 12), 14), _at(date(2027, 1, 12), 16)
    db.session.get(GroupInvite, (held.id, people["nqsw"].id)).attended = True
    db.session.commit()
    return made


def _group_form(w, day: date = date(2027, 1, 27)) -> dict:
    when = {"day": _day(day), "starts": "14:00", "ends": "16:00"}
    return {"topic": "Preparing for court", **when, "place": "Room 2", "capacity": "12"}


def _series_form(w) -> dict:
    when = {"week_of_month": "2", "day_of_week": "3", "starts": "14:00", "ends": "16:00"}
    what = {"topic": "Monthly practice", "place": "Room 3", "capacity": "15"}
    return {
        **what,
        **when,
        "first_month": "2027-03",
        "months": "2",
        "teams": [str(w["ids"]["team"])],
    }


def _start_meeting(people: dict, agreement_id: int) -> int:
    """The start meeting of the NQSW's agreement, on Friday morning."""
    agreement = db.session.get(agreements.MentoringAgreement, agreement_id)
    friday = THURSDAY + timedelta(days=1)
    booked = start_meeting.book(
        people["manager"], agreement, _at(friday, 10), _at(friday, 11), LONDON, clock.now()
    )
    db.session.commit()
    return booked.id


def _one_to_ones(people: dict, agreement_id: int) -> dict:
    """The veteran's one-to-one of yesterday, with an open action, and next week's."""
    vet, mentor = people["veteran"], people["mentor"]
    made = {}
    for name, days in (("held_session", -1), ("next_session", 7)):
        starts = datetime.combine(clock.today() + timedelta(days=days), time(11), tzinfo=LONDON)
        session = OneToOne(
            agreement_id=agreement_id,
            mentor_id=mentor.id,
            nqsw_id=vet.id,
            starts_at=starts,
            ends_at=starts + timedelta(hours=1),
            booked_by_id=mentor.id,
        )
        db.session.add(session)
        db.session.flush()
        made[name] = session.id
    made["session_action"] = one_to_ones.add_action(
        vet,
        db.session.get(OneToOne, made["held_session"]),
        "Read the guide",
        vet,
        None,
        clock.now(),
    ).id
    db.session.commit()
    return made


def _reviewed(people: dict) -> int:
    """An agreement since October whose 3-month review is written and has the NQSW's view."""
    vet, mentor, manager = people["veteran"], people["mentor"], people["manager"]
    case = agreements.NewFocusCase("CR-1002", "Court work", SupportLevel.TALK_THROUGH)
    terms = agreements.Terms(
        mentor,
        manager,
        date(2026, 10, 20),
        new_focus_cases=[case],
        new_goals=[agreements.NewGoal("Write clearly")],
    )
    agreement = agreements.start(manager, vet, terms, clock.now())
    for person in (vet, mentor):
        agreement_versions.confirm(person, agreement, 1, clock.now())
    at = agreement_reviews.point_of(agreement, 3, frozenset(), clock.today())
    review = agreement_reviews.write(
        mentor, agreement, at, "Good", "More", clock.today(), clock.now()
    )
    ratings = {goal.id: 3 for goal in agreement.goals}
    agreement_reviews.add_view(vet, agreement, review, "Fair", ratings, clock.now())
    db.session.commit()
    return agreement.id


def _agreement(people: dict) -> int:
    """The NQSW's agreement, started by their manager; the learner has none yet."""
    case = agreements.NewFocusCase("CR-1001", "Plan a first visit", SupportLevel.ACCOMPANY)
    terms = agreements.Terms(people["mentor"], people["manager"], MONDAY, new_focus_cases=[case])
    started = agreements.start(people["manager"], people["nqsw"], terms, clock.now())
    db.session.commit()
    return started.id


def _terms(w, **changes):
    people = {"mentor": str(w["people"]["mentor"].id), "manager": str(w["people"]["manager"].id)}
    case = {"case_1": "CR-2002", "aim_1": "Write a court statement", "level_1": "talk_through"}
    return {**people, "starts_on": _day(MONDAY), "every_weeks": "2", **case, **changes}


def _day(day: date) -> list[str]:
    return [str(day.day), str(day.month), str(day.year)]


def _new_time(w):
    return {"day": _day(THURSDAY), "starts": "14:00", "ends": "15:00", "reason": ""}


def _ask_form(w):
    when = {"day": _day(THURSDAY), "starts": "10:00", "ends": "11:00"}
    what = {"kind": "home_visit", "meeting_type": "", "case_reference": "CR-12345"}
    where = {"venue_type": "family_home", "area": "North patch", "consent": "yes"}
    why = {"purpose": "First joint visit after the referral", "feedback_on": "How I open it"}
    return {"mentor": str(w["people"]["mentor"].id), **when, **what, **where, **why}


def _person(w, **changes):
    nqsw = w["people"]["nqsw"]
    form = {"display_name": nqsw.display_name, "email": nqsw.email, "roles": ["nqsw"]}
    return {**form, "team": str(w["ids"]["team"]), **changes}


def _notes(w):
    notes = {"observed": "Opened by explaining why we had come.", "strengths": "Calm."}
    notes |= {"to_develop": "Leave more silence.", "look_out_for": "Who else is in the house."}
    return {"classification": "formative", "for_case_record": "no", **notes}


def _csv(w):
    text = "email,name,roles,team\nnew@example.org,Noor Newcomer,nqsw,Team North\n"
    return {"file": (BytesIO(text.encode()), "people.csv")}


M, PW = "/mentors/{mentor}/availability", {"new_password": NEW_PASSWORD}
PW["confirm_password"] = NEW_PASSWORD
REASON = {"reason": "The family asked to move it"}
# endpoint: (who posts, path with {names} from the world's ids, the form data they send).
# Every POST route needs its entry (test_audit_every_change checks): a new route adds one,
# and build_world() the state it acts on; both audit and extra-field tests then cover it.
POSTS: dict[str, tuple[str | None, str, Callable[[dict], dict]]] = {
    "auth.login": (None, "/sign-in", lambda w: {"email": "nqsw@example.org"} | _password()),
    "auth.logout": ("nqsw", "/sign-out", dict),
    "auth.change_password": (
        "nqsw",
        "/account/password",
        lambda w: _password("current_password") | PW,
    ),
    "calendars.feed_settings": ("nqsw", "/account/calendar", dict),
    "notifications.mark_read": ("nqsw", "/notifications/read", dict),
    "admin.person_new": (
        "admin",
        "/admin/people/new",
        lambda w: _person(w, display_name="Noor Newcomer", email="noor@example.org") | PW,
    ),
    "admin.person_edit": ("admin", "/admin/people/{nqsw}", lambda w: _person(w, roles=["mentor"])),
    "admin.person_set_active": (
        "admin",
        "/admin/people/{victim}/active",
        lambda w: {"active": "0"},
    ),
    "admin.person_password": ("admin", "/admin/people/{victim}/password", lambda w: PW),
    "admin.person_mentors": (
        "admin",
        "/admin/people/{nqsw}/mentors",
        lambda w: {"people": [str(w["people"]["second"].id)]},
    ),
    "admin.people_import": ("admin", "/admin/people/import", _csv),
    "admin.teams": ("admin", "/admin/teams", lambda w: {"name": "Team East"}),
    "admin.team_edit": (
        "admin",
        "/admin/teams/{team}",
        lambda w: {"people": [], "frameworks": [str(w["ids"]["framework"])]},
    ),
    "availability.window_add": (
        "mentor",
        M + "/windows",
        lambda w: {"window-weekday": "5", "window-starts": "9:00", "window-ends": "12:00"},
    ),
    "availability.window_change": (
        "mentor",
        M + "/windows/{window}",
        lambda w: {"edit-weekday": "0", "edit-starts": "8:00", "edit-ends": "16:00"},
    ),
    "availability.window_remove": ("mentor", M + "/windows/{window}/remove", dict),
    "availability.exception_add": (
        "mentor",
        M + "/exceptions",
        lambda w: (
            {"away-kind": "training", "away-first_day": _day(date(2027, 3, 1))}
            | {"away-last_day": ["", "", ""], "away-starts": "", "away-ends": "", "away-note": ""}
        ),
    ),
    "availability.exception_remove": ("mentor", M + "/exceptions/{exception}/remove", dict),
    "availability.limits_save": (
        "mentor",
        M + "/limits",
        lambda w: (
            {"limits-max_per_day": "3", "limits-max_per_week": "9"}
            | {"limits-travel_minutes": "15", "limits-notice_working_days": "2"}
        ),
    ),
    "support_requests.ask": ("nqsw", "/requests/new", _ask_form),
    "support_requests.accept": ("mentor", "/requests/{requested}/accept", dict),
    "support_requests.decline": ("mentor", "/requests/{requested}/decline", lambda w: REASON),
    "support_requests.propose": ("mentor", "/requests/{requested}/propose", _new_time),
    "support_requests.change_time": ("nqsw", "/requests/{requested}/change-time", _new_time),
    "support_requests.hand_over": (
        "mentor",
        "/requests/{requested}/hand-over",
        lambda w: {"mentor": str(w["people"]["second"].id)},
    ),
    "support_requests.withdraw": ("nqsw", "/requests/{requested}/withdraw", dict),
    "support_requests.take": ("nqsw", "/requests/{proposed}/take", dict),
    "support_requests.cancel": ("nqsw", "/requests/{accepted}/cancel", lambda w: REASON),
    "support_requests.did_not_happen": (
        "mentor",
        "/requests/{done}/did-not-happen",
        lambda w: {"reason": "Nobody was at home"},
    ),
    "observations.write": ("mentor", "/requests/{done}/observation", _notes),
    "observations.share": ("mentor", "/observations/{draft}/share", dict),
    "observations.reflect": (
        "nqsw",
        "/observations/{shared}/reflection",
        lambda w: {"reflection": "I rushed the ending.", "do_differently": "Slow down."},
    ),
    "observations.manager_sharing": (
        "nqsw",
        "/observations/{shared}/manager-sharing",
        lambda w: {"shared": "yes"},
    ),
    "observations.sign": ("mentor", "/observations/{shared}/sign", dict),
    "observations.add_action": (
        "nqsw",
        "/observations/{shared}/actions",
        lambda w: {
            "what": "Shadow a conference",
            "owner": "both",
            "due_on": _day(date(2027, 4, 1)),
        },
    ),
    "observations.action_done": (
        "nqsw",
        "/observations/{shared}/actions/{action}/done",
        lambda w: {"done": "yes"},
    ),
    "agreements.start": ("manager", "/people/{learner}/agreement/new", _terms),
    "agreements.confirm": ("nqsw", "/agreements/{agreement}/confirm", lambda w: {"version": "1"}),
    "agreements.change": (
        "mentor",
        "/agreements/{agreement}/change",
        lambda w: _terms(w, every_weeks="3", what_changed="After the first month"),
    ),
    "agreements.review": (
        "mentor",
        "/agreements/{reviewed}/reviews/3",
        lambda w: {"progress": "Steady progress", "what_next": "Court statements"} | _lines(w),
    ),
    "agreements.confirm_review": (
        "manager",
        "/agreements/{reviewed}/reviews/3/confirm",
        lambda w: {},
    ),
    "agreements.ratings": (
        "veteran",
        "/agreements/{reviewed}/ratings",
        lambda w: {f"goal_{g}": "2" for g in w["ids"]["goals"]},
    ),
    "agreements.take_over": ("newcomer", "/agreements/{agreement}/take-over", lambda w: {}),
    "agreements.end": (
        "manager",
        "/agreements/{agreement}/end",
        lambda w: {"ended_on": _day(date(2027, 6, 30))},
    ),
    "one_to_ones.start_meeting_page": (
        "mentor",
        "/agreements/{reviewed}/start-meeting",
        lambda w: {"day": _day(THURSDAY + timedelta(days=1)), "starts": "14:00", "ends": "15:00"},
    ),
    "one_to_ones.start_meeting_move": (
        "mentor",
        "/start-meetings/{start_meeting}/move",
        lambda w: {"day": _day(THURSDAY + timedelta(days=1)), "starts": "15:00", "ends": "16:00"},
    ),
    "one_to_ones.start_meeting_cancel": (
        "nqsw",
        "/start-meetings/{start_meeting}/cancel",
        lambda w: REASON,
    ),
    "one_to_ones.book": (
        "mentor",
        "/agreements/{reviewed}/one-to-ones/new",
        lambda w: {
            "first_day": _day(date(2027, 3, 1)),
            "starts": "10:00",
            "minutes": "60",
            "every_weeks": "2",
            "count": "2",
        },
    ),
    "one_to_ones.record": (
        "veteran",
        "/one-to-ones/{held_session}/record",
        lambda w: {"talked_about": "Court statements and how to plan them"},
    ),
    "one_to_ones.add_action": (
        "mentor",
        "/one-to-ones/{held_session}/actions",
        lambda w: {
            "description": "Draft a statement",
            "owner": str(w["people"]["veteran"].id),
            "due_on": _day(date(2027, 2, 1)),
        },
    ),
    "one_to_ones.action_done": (
        "veteran",
        "/one-to-ones/{held_session}/actions/{session_action}/done",
        dict,
    ),
    "one_to_ones.cancel": ("veteran", "/one-to-ones/{next_session}/cancel", lambda w: REASON),
    "one_to_ones.missed": (
        "mentor",
        "/one-to-ones/{held_session}/missed",
        lambda w: {"reason": "Called to court"},
    ),
    "one_to_ones.share": (
        "veteran",
        "/one-to-ones/{held_session}/share",
        lambda w: {"shared": "1"},
    ),
    "group_sessions.new": (
        "mentor",
        "/group-sessions/new",
        lambda w: _group_form(w) | {"teams": [str(w["ids"]["team"])], "cohort": ""},
    ),
    "group_sessions.series_new": ("mentor", "/group-sessions/series/new", _series_form),
    "group_sessions.reply": (
        "nqsw",
        "/group-sessions/{group}/reply",
        lambda w: {"answer": "going"},
    ),
    "group_sessions.edit": (
        "mentor",
        "/group-sessions/{group}/edit",
        lambda w: _group_form(w, date(2027, 1, 25)) | {"starts": "15:00", "ends": "17:00"},
    ),
    "group_sessions.cancel": ("mentor", "/group-sessions/{group}/cancel", lambda w: REASON),
    "group_sessions.add_guest": (
        "mentor",
        "/group-sessions/{group}/guests",
        lambda w: {"name": "Olu Outside", "role": "Advocate", "email": "olu@example.net"},
    ),
    "group_sessions.invite": (
        "mentor",
        "/group-sessions/{group}/invitations",
        lambda w: {"people": w["people"]["veteran"].email},
    ),
    "group_sessions.remove_guest": (
        "mentor",
        "/group-sessions/{group}/guests/{guest}/remove",
        dict,
    ),
    "group_sessions.attendance": (
        "mentor",
        "/group-sessions/{group_held}/attendance",
        lambda w: {"present": [str(w["people"]["nqsw"].id), str(w["people"]["learner"].id)]},
    ),
    "group_sessions.attendance_one": (
        "mentor",
        "/group-sessions/{group_held}/attendance/{learner}",
        lambda w: {"attended": "yes"},
    ),
    "group_sessions.record": (
        "mentor",
        "/group-sessions/{group_held}/record",
        lambda w: {"notes": "How to prepare a statement", "resources": "https://example.org/guide"},
    ),
    "group_sessions.feedback": (
        "nqsw",
        "/group-sessions/{group_held}/feedback",
        lambda w: {"rating": "4", "comment": "Useful examples"},
    ),
    "observations.add_addendum": (
        "mentor",
        "/observations/{locked}/addenda",
        lambda w: {"text": "Chronology read since."},
    ),
}


def _lines(w) -> dict:
    """A review's short progress line on each goal and focus case: the form's own fields."""
    lines = {f"goal_{goal}": "Clearer letters" for goal in w["ids"]["goals"]}
    return lines | {f"case_{case}": "Statement drafted" for case in w["ids"]["cases"]}


def _password(name: str = "password") -> dict:
    return {name: DEFAULT_PASSWORD}


# Other ways through a route, posted as their own cases: `endpoint[what]`: (who, path, data).
MORE: dict[str, tuple[str | None, str, Callable[[dict], dict]]] = {
    "agreements.review[the NQSW's view]": (
        "veteran",
        "/agreements/{reviewed}/reviews/3",
        lambda w: {"view": "Better at court work"} | {f"goal_{g}": "4" for g in w["ids"]["goals"]},
    ),
    "auth.logout[everywhere]": ("nqsw", "/sign-out", lambda w: {"everywhere": "1"}),
}
# Every case: each route's own, then the other ways through some of them.
CASES = {**POSTS, **MORE}


def endpoint_of(case: str) -> str:
    """The route a case posts to: its name up to any `[what]`."""
    return case.split("[", 1)[0]


def path_for(case: str, world: dict) -> str:
    """The case's path, its {names} filled from the world's ids and people."""
    names = {**world["ids"], **{k: p.id for k, p in world["people"].items()}}
    return CASES[case][1].format(**names)
