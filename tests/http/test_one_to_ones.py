"""One-to-ones over HTTP: booking a series on the mentor's diary, the private record,
actions carried forward, cancelling, missed sessions, and who may see what."""

import logging
import re
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from icalendar import Calendar
from sqlalchemy import func, select

from nqsw_visits.agreements import rules as agreement_rules
from nqsw_visits.agreements import versions
from nqsw_visits.agreements.models import SupportLevel
from nqsw_visits.availability import rules as availability_store
from nqsw_visits.availability.models import ExceptionKind, MentorHold
from nqsw_visits.core import clock
from nqsw_visits.core.extensions import db
from nqsw_visits.notifications.models import Notification, OutboxEmail
from nqsw_visits.one_to_ones.models import OneToOne, SessionAction
from nqsw_visits.people.models import AuditEvent, Role
from nqsw_visits.support_requests import rules as scheduling
from nqsw_visits.support_requests.models import RequestKind
from tests.conftest import sign_in
from tests.factories import make_team_with_people, make_user
from tests.http.test_requests import open_diary, refusals

MONDAY = date(2027, 3, 15)  # every two weeks from here meets Easter Monday, 29 March 2027


def _book_form(first: date = MONDAY, **changes) -> dict:
    return {
        "first_day": [str(first.day), str(first.month), str(first.year)],
        "starts": "10:00",
        "minutes": "60",
        "every_weeks": "2",
        "count": "4",
        **changes,
    }


@pytest.fixture
def world(app):
    team = make_team_with_people()
    mentor, nqsw, manager = team["mentors"][0], team["nqsws"][0], team["manager"]
    open_diary(mentor)
    case = agreement_rules.NewFocusCase("CR-7001", "Plan a visit", SupportLevel.ACCOMPANY)
    terms = agreement_rules.Terms(mentor, manager, clock.today(), new_focus_cases=[case])
    agreement = agreement_rules.start(manager, nqsw, terms, clock.now())
    for person in (mentor, nqsw):
        versions.confirm(person, agreement, 1, clock.now())
    db.session.commit()
    return {**team, "mentor": mentor, "nqsw": nqsw, "agreement": agreement}


def _booked(world, client_for, who="mentor", **changes) -> list[OneToOne]:
    response = client_for(world[who]).post(
        f"/agreements/{world['agreement'].id}/one-to-ones/new", data=_book_form(**changes)
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]
    return db.session.scalars(select(OneToOne).order_by(OneToOne.starts_at)).all()


def _count(model, **where) -> int:
    query = select(func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return db.session.scalar(query)


def test_the_mentor_books_a_fortnightly_series_that_skips_easter_monday(world, client_for):
    client = client_for(world["mentor"])
    form = client.get(f"/agreements/{world['agreement'].id}/one-to-ones/new")
    assert form.status_code == 200 and 'value="2" checked' in form.get_data(as_text=True)
    sessions = _booked(world, client_for)
    days = [s.starts_at.astimezone(clock.zone()).date() for s in sessions]
    assert days == [date(2027, 3, 15), date(2027, 4, 12), date(2027, 4, 26)]
    assert all(s.starts_at.astimezone(clock.zone()).time() == time(10) for s in sessions)
    assert _count(MentorHold, mentor_id=world["mentor"].id) == 3
    listing = client.get(f"/agreements/{world['agreement'].id}/one-to-ones")
    text = listing.get_data(as_text=True)
    assert "3 one-to-ones booked" in text
    assert "Monday 29 March 2027 (skipped: it is a bank holiday)" in text
    assert "3 booked ahead" in text
    told = db.session.scalars(select(Notification).where(Notification.user_id == world["nqsw"].id))
    assert [n.message for n in told][-1].endswith("booked 3 one-to-ones with you")
    assert _count(AuditEvent, action="one_to_one.booked") == 1


def test_the_diary_shows_them_and_an_ask_at_the_same_time_is_refused(world, client_for):
    _booked(world, client_for)
    diary = client_for(world["mentor"]).get(f"/mentors/{world['mentor'].id}/diary?week=2027-03-15")
    assert "one-to-one" in diary.get_data(as_text=True)
    with pytest.raises(scheduling.SchedulingError) as refused:
        _ask(world, MONDAY, 10, 30)
    assert refused.value.status == 409 and "clashes" in str(refused.value)


def _ask(world, day: date, hour: int, minute: int = 0):
    details = scheduling.Details(
        kind=RequestKind.CASE_DISCUSSION,
        starts_at=datetime.combine(day, time(hour, minute), tzinfo=clock.zone()),
        ends_at=datetime.combine(day, time(hour, minute), tzinfo=clock.zone())
        + timedelta(minutes=30),
        fixed_time=False,
    )
    return scheduling.ask(world["nqsw"], world["mentor"].id, details, clock.zone(), clock.now())


def test_a_clash_is_flagged_leave_is_skipped_and_the_rest_booked(world, client_for):
    mentor = world["mentor"]
    _ask(world, date(2027, 3, 22), 10, 30)
    availability_store.add_exception(
        mentor,
        mentor,
        ExceptionKind.TRAINING,
        datetime(2027, 4, 5, 9, tzinfo=clock.zone()),
        datetime(2027, 4, 5, 12, tzinfo=clock.zone()),
    )
    db.session.commit()
    sessions = _booked(world, client_for, every_weeks="1", count="4")
    assert [s.starts_at.astimezone(clock.zone()).date() for s in sessions] == [date(2027, 3, 15)]
    text = (
        client_for(mentor)
        .get(f"/agreements/{world['agreement'].id}/one-to-ones")
        .get_data(as_text=True)
    )
    assert "Monday 22 March 2027 (not booked: it clashes with another commitment)" in text
    assert "Monday 29 March 2027 (skipped: it is a bank holiday)" in text
    assert "Monday 5 April 2027 (skipped: they are on leave, training" in text


def test_the_database_guard_catches_what_the_check_missed(world, monkeypatch, client_for):
    # Another booking got in after the calendar was read: the hold's guard flags it.
    from nqsw_visits.one_to_ones import rules

    _booked(world, client_for, count="1")
    real = rules.load_calendars

    def stale(ids, start, end, zone):
        found = real(ids, start, end, zone)
        for calendar in found.values():
            calendar.commitments = []
        return found

    monkeypatch.setattr(rules, "load_calendars", stale)
    response = client_for(world["nqsw"]).post(
        f"/agreements/{world['agreement'].id}/one-to-ones/new",
        data=_book_form(count="2", every_weeks="4"),
    )
    assert response.status_code == 302
    assert _count(OneToOne) == 2  # 15 March was taken; 12 April is booked
    assert _count(MentorHold, mentor_id=world["mentor"].id) == 2


def test_nothing_free_is_a_clear_409_and_keeps_what_was_typed(world, client_for):
    response = client_for(world["mentor"]).post(
        f"/agreements/{world['agreement'].id}/one-to-ones/new",
        data=_book_form(first=date(2027, 3, 29), count="1", starts="08:00"),
    )
    assert response.status_code == 409
    text = response.get_data(as_text=True)
    assert "None of those dates is free" in text and 'value="08:00"' in text
    assert _count(OneToOne) == 0


def test_bad_input_gets_error_messages(world, client_for):
    response = client_for(world["mentor"]).post(
        f"/agreements/{world['agreement'].id}/one-to-ones/new",
        data=_book_form(starts="25:00", count="99", first_day=["31", "2", "2027"]),
    )
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "govuk-error-summary" in text and "Enter start time as a time" in text


def test_who_may_book_and_see(world, client_for):
    agreement_id = world["agreement"].id
    sessions = _booked(world, client_for, who="nqsw")
    path = f"/one-to-ones/{sessions[0].id}"
    assert client_for(world["mentor"]).get(path).status_code == 200
    assert client_for(world["nqsw"]).get(path).status_code == 200
    assert client_for(world["manager"]).get(path).status_code == 403  # not a manager's page
    stranger = make_user(Role.MENTOR, name="Stranger Mentor")
    other_nqsw = world["nqsws"][1]
    admin = make_user(Role.ADMIN, name="Ada Admin")
    db.session.commit()
    assert client_for(stranger).get(path).status_code == 404
    assert client_for(other_nqsw).get(path).status_code == 404
    assert client_for(admin).get(path).status_code == 403
    new = f"/agreements/{agreement_id}/one-to-ones/new"
    assert client_for(stranger).get(new).status_code == 404
    assert client_for(world["manager"]).get(new).status_code == 403
    listing = client_for(world["manager"]).get(f"/agreements/{agreement_id}/one-to-ones")
    assert listing.status_code == 200 and path not in listing.get_data(as_text=True)
    assert client_for(stranger).get(f"/agreements/{agreement_id}/one-to-ones").status_code == 404


@contextmanager
def _at(app, session: OneToOne, minutes: int = 5):
    """At a moment during the session, with clients signed in then (earlier ones lapsed)."""
    with time_machine.travel(session.starts_at + timedelta(minutes=minutes), tick=False):

        def client_as(user):
            client = app.test_client()
            sign_in(client, user)
            return client

        yield client_as


def test_the_record_is_written_once_started_read_audited_and_private(app, world, client_for):
    first = _booked(world, client_for)[0]
    path = f"/one-to-ones/{first.id}"
    early = client_for(world["mentor"]).post(f"{path}/record", data={"talked_about": "Too soon"})
    assert early.status_code == 409
    with _at(app, first) as client_as:
        mentor = client_as(world["mentor"])
        empty = mentor.post(f"{path}/record", data={"talked_about": " "})
        assert empty.status_code == 422
        assert "Enter what you talked about" in empty.get_data(as_text=True)
        saved = mentor.post(f"{path}/record", data={"talked_about": "Planning CR-7001 visit"})
        assert saved.status_code == 302
        reads = _count(AuditEvent, action="one_to_one.read")
        page = client_as(world["nqsw"]).get(path).get_data(as_text=True)
        assert "Planning CR-7001 visit" in page and "Held" in page
        assert _count(AuditEvent, action="one_to_one.read") == reads + 1
    db.session.expire_all()
    assert db.session.get(OneToOne, first.id).status == "held"
    listing = client_for(world["manager"]).get(f"/agreements/{world['agreement'].id}/one-to-ones")
    assert "Planning" not in listing.get_data(as_text=True)
    assert "1 held" in listing.get_data(as_text=True)


def test_names_in_the_record_get_the_privacy_warning(app, world, client_for):
    first = _booked(world, client_for)[0]
    with _at(app, first) as client_as:
        response = client_as(world["mentor"]).post(
            f"/one-to-ones/{first.id}/record", data={"talked_about": "Visit to SW1A 1AA"}
        )
    assert response.status_code == 422
    assert "postcode" in response.get_data(as_text=True)


def test_an_action_is_carried_to_later_sessions_until_done(app, world, client_for):
    first, second, third = _booked(world, client_for)
    nqsw = client_for(world["nqsw"])
    with _at(app, first) as client_as:
        added = client_as(world["nqsw"]).post(
            f"/one-to-ones/{first.id}/actions",
            data={
                "description": "Read the court guide",
                "owner": str(world["nqsw"].id),
                "due_on": ["9", "4", "2027"],
            },
        )
        assert added.status_code == 302
    action = db.session.scalar(select(SessionAction))
    reads = _count(AuditEvent, action="one_to_one.read")
    later = nqsw.get(f"/one-to-ones/{second.id}").get_data(as_text=True)
    assert "Carried from earlier one-to-ones" in later and "Read the court guide" in later
    # A session with nothing of its own still shows what was carried: its view is audited.
    assert _count(AuditEvent, action="one_to_one.read") == reads + 1
    done = nqsw.post(f"/one-to-ones/{second.id}/actions/{action.id}/done")
    assert done.status_code == 302
    assert "Read the court guide" not in nqsw.get(f"/one-to-ones/{third.id}").get_data(as_text=True)
    again = nqsw.post(f"/one-to-ones/{second.id}/actions/{action.id}/done", follow_redirects=True)
    assert "already done" in again.get_data(as_text=True)
    assert _count(AuditEvent, action="one_to_one.action_done") == 1


def test_an_owner_outside_the_two_is_refused(world, client_for):
    first = _booked(world, client_for)[0]
    response = client_for(world["mentor"]).post(
        f"/one-to-ones/{first.id}/actions",
        data={"description": "Something", "owner": str(world["manager"].id)},
    )
    assert response.status_code == 422 and "Choose who will do it" in response.get_data(
        as_text=True
    )
    assert _count(SessionAction) == 0


def test_cancelling_frees_the_time_and_tells_the_other_without_case_detail(world, client_for):
    first = _booked(world, client_for)[0]
    nqsw = client_for(world["nqsw"])
    missing = nqsw.post(f"/one-to-ones/{first.id}/cancel", data={"reason": ""})
    assert missing.status_code == 422
    cancelled = nqsw.post(f"/one-to-ones/{first.id}/cancel", data={"reason": "Court moved"})
    assert cancelled.status_code == 302
    db.session.expire_all()
    assert db.session.get(OneToOne, first.id).status == "cancelled"
    assert _count(MentorHold, one_to_one_id=first.id) == 0
    message = db.session.scalars(
        select(Notification.message).where(Notification.user_id == world["mentor"].id)
    ).all()[-1]
    assert message.endswith("cancelled a one-to-one")
    assert all("CR-7001" not in e.body for e in db.session.scalars(select(OutboxEmail)))
    page = nqsw.get(f"/one-to-ones/{first.id}").get_data(as_text=True)
    assert "Cancelled" in page and "Court moved" in page
    twice = nqsw.post(f"/one-to-ones/{first.id}/cancel", data={"reason": "Again"})
    assert twice.status_code == 409


def test_a_session_that_did_not_happen_is_marked_missed(app, world, client_for):
    first = _booked(world, client_for)[0]
    early = client_for(world["mentor"]).post(f"/one-to-ones/{first.id}/missed", data={})
    assert early.status_code == 409
    with _at(app, first, minutes=90) as client_as:
        mentor = client_as(world["mentor"])
        assert (
            mentor.post(f"/one-to-ones/{first.id}/missed", data={"reason": "Unwell"}).status_code
            == 302
        )
        page = mentor.get(f"/one-to-ones/{first.id}").get_data(as_text=True)
        listing = mentor.get(f"/agreements/{world['agreement'].id}/one-to-ones")
    assert "Missed" in page and "Unwell" in page and "No record was written" in page
    assert "1 missed" in listing.get_data(as_text=True)


def test_a_new_mentor_reads_only_what_the_nqsw_shares(app, world, client_for):
    first = _booked(world, client_for)[0]
    with _at(app, first) as client_as:
        client_as(world["mentor"]).post(
            f"/one-to-ones/{first.id}/record", data={"talked_about": "Early worries"}
        )
    new_mentor = world["mentors"][1]
    agreement = world["agreement"]
    kept = frozenset(case.id for case in agreement.focus_cases)
    terms = agreement_rules.Terms(
        new_mentor, world["manager"], agreement.versions[0].starts_on, kept_focus_case_ids=kept
    )
    versions.change(world["manager"], agreement, terms, "New mentor", clock.now())
    db.session.commit()
    path = f"/one-to-ones/{first.id}"
    assert client_for(new_mentor).get(path).status_code == 404
    nqsw = client_for(world["nqsw"])
    assert (
        client_for(world["mentor"]).post(f"{path}/share", data={"shared": "1"}).status_code == 403
    )
    assert nqsw.post(f"{path}/share", data={"shared": "1"}).status_code == 302
    # A proposed mentor reads nothing shared until all three have confirmed the change.
    assert client_for(new_mentor).get(path).status_code == 404
    for person in (new_mentor, world["nqsw"]):
        versions.confirm(person, db.session.merge(agreement), 2, clock.now())
    db.session.commit()
    assert "Early worries" in client_for(new_mentor).get(path).get_data(as_text=True)
    assert nqsw.post(f"{path}/share", data={"shared": "0"}).status_code == 302
    assert client_for(new_mentor).get(path).status_code == 404


def test_the_agreement_page_links_to_its_one_to_ones(world, client_for):
    page = client_for(world["manager"]).get(f"/agreements/{world['agreement'].id}")
    text = page.get_data(as_text=True)
    assert f"/agreements/{world['agreement'].id}/one-to-ones" in text
    assert "every 2 weeks" in text


@pytest.mark.parametrize("who", ["mentor", "nqsw"])
def test_session_pages_do_not_grow_with_history(world, client_for, count_queries, who):
    first = _booked(world, client_for, count="12", every_weeks="1")[-1]
    client = client_for(world[who])
    counts = []
    for extra in (2, 20):
        earlier = select(OneToOne).where(OneToOne.id != first.id).order_by(OneToOne.id)
        sessions = db.session.scalars(earlier.limit(extra)).all()
        for session in sessions:
            for n in range(2):
                db.session.add(
                    SessionAction(
                        session_id=session.id,
                        agreement_id=session.agreement_id,
                        description=f"Action {n}",
                        owner_id=world["nqsw"].id,
                        created_by_id=world["nqsw"].id,
                    )
                )
        db.session.commit()
        with count_queries() as counted:
            assert client.get(f"/one-to-ones/{first.id}").status_code == 200
        page_count = counted.count
        with count_queries() as counted:
            assert client.get(f"/agreements/{world['agreement'].id}/one-to-ones").status_code == 200
        counts.append((page_count, counted.count))
    assert counts[0] == counts[1], counts
    assert max(counts[1]) <= 12, counts


def _feed_uids(app, client) -> list[str]:
    page = client.post("/account/calendar").get_data(as_text=True)
    path = re.search(r'value="http://[^/]+(/calendar/[^"]+\.ics)"', page).group(1)
    response = app.test_client().get(path)
    assert response.status_code == 200
    return [str(event["UID"]) for event in Calendar.from_ical(response.data).walk("VEVENT")]


def test_a_one_to_one_downloads_as_a_calendar_file_with_nothing_said(app, world, client_for):
    first = _booked(world, client_for)[0]
    path = f"/one-to-ones/{first.id}.ics"
    nqsw = client_for(world["nqsw"])
    assert f'href="{path}"' in nqsw.get(f"/one-to-ones/{first.id}").get_data(as_text=True)
    response = nqsw.get(path)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/calendar")
    assert response.headers["Cache-Control"] == "no-store"
    (event,) = Calendar.from_ical(response.data).walk("VEVENT")
    assert str(event["UID"]) == f"one-to-one-{first.id}@alongside"
    assert str(event["SUMMARY"]) == f"One-to-one with {world['mentor'].display_name} (Alongside)"
    assert event.decoded("DTSTART") == first.starts_at and str(event["STATUS"]) == "CONFIRMED"
    mentors = Calendar.from_ical(client_for(world["mentor"]).get(path).data).walk("VEVENT")
    assert str(mentors[0]["SUMMARY"]) == f"One-to-one with {world['nqsw'].display_name} (Alongside)"
    assert b"CR-7001" not in response.data and b"Plan a visit" not in response.data
    stranger = make_user(Role.MENTOR, name="Stranger Mentor")
    db.session.commit()
    assert client_for(stranger).get(path).status_code == 404
    assert client_for(world["nqsws"][1]).get(path).status_code == 404
    assert client_for(world["manager"]).get(path).status_code == 403


def test_the_feed_has_the_one_to_ones_going_ahead_and_drops_a_cancelled_one(app, world, client_for):
    sessions = _booked(world, client_for)
    uids = [f"one-to-one-{session.id}@alongside" for session in sessions]
    for who in ("nqsw", "mentor"):
        assert _feed_uids(app, client_for(world[who])) == uids
    nqsw = client_for(world["nqsw"])
    assert (
        nqsw.post(f"/one-to-ones/{sessions[0].id}/cancel", data={"reason": "Ill"}).status_code
        == 302
    )
    assert _feed_uids(app, nqsw) == uids[1:]
    assert _feed_uids(app, client_for(world["manager"])) == []
    page = nqsw.get(f"/one-to-ones/{sessions[0].id}").get_data(as_text=True)
    assert f"/one-to-ones/{sessions[0].id}.ics" not in page


# Denials are logged -----------------------------------------------------------------------

SESSION_OUTSIDERS = [
    ("other_nqsw", "get", "", None),
    ("other_nqsw", "get", ".ics", None),
    ("other_nqsw", "post", "/record", {"talked_about": "Not mine"}),
    ("stranger", "get", "", None),
    ("stranger", "get", ".ics", None),
    ("stranger", "post", "/cancel", {"reason": "Not mine"}),
]


@pytest.mark.parametrize(("who", "method", "suffix", "data"), SESSION_OUTSIDERS)
def test_another_persons_one_to_one_is_not_found_and_logged(
    world, client_for, caplog, who, method, suffix, data
):
    """A session and its calendar file: 404 to anyone else, the refusal logged, nothing kept."""
    session = _booked(world, client_for)[0]
    outsider = world["nqsws"][1] if who == "other_nqsw" else make_user(Role.MENTOR)
    db.session.commit()
    audited = _count(AuditEvent)
    with caplog.at_level(logging.WARNING):
        response = getattr(client_for(outsider), method)(
            f"/one-to-ones/{session.id}{suffix}", data=data
        )
    assert response.status_code == 404
    assert world["nqsw"].display_name not in response.get_data(as_text=True)
    said = " ".join(refusals(caplog))
    assert f"user {outsider.id} asked for one-to-one {session.id}" in said
    assert _count(AuditEvent) == audited + 1  # the outsider's sign-in, nothing else
    db.session.expire_all()
    assert db.session.get(OneToOne, session.id).status == "booked"
