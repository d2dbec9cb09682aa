"""The agreement's start meeting: booked in the mentor's diary under the same guard as requests,
with the NQSW, the mentor and the practice manager invited in-app, by email and by .ics."""

import re
from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from icalendar import Calendar
from sqlalchemy import func, select

from nqsw_visits.agreements import rules as agreement_rules
from nqsw_visits.agreements.models import SupportLevel
from nqsw_visits.availability.models import MentorHold
from nqsw_visits.core import clock
from nqsw_visits.core.extensions import db
from nqsw_visits.notifications.models import Notification, OutboxEmail
from nqsw_visits.one_to_ones.models import OneToOne
from nqsw_visits.people.models import AuditEvent, Role
from nqsw_visits.support_requests import rules as scheduling
from nqsw_visits.support_requests.models import RequestKind
from tests.factories import make_team_with_people, make_user
from tests.http.test_requests import open_diary

MONDAY = date(2027, 3, 15)


def _form(day: date = MONDAY, starts="10:00", ends="11:00") -> dict:
    return {"day": [str(day.day), str(day.month), str(day.year)], "starts": starts, "ends": ends}


@pytest.fixture
def world(app):
    team = make_team_with_people()
    mentor, nqsw, manager = team["mentors"][0], team["nqsws"][0], team["manager"]
    open_diary(mentor)
    case = agreement_rules.NewFocusCase("CR-7001", "Plan a visit", SupportLevel.ACCOMPANY)
    terms = agreement_rules.Terms(mentor, manager, MONDAY, new_focus_cases=[case])
    agreement = agreement_rules.start(manager, nqsw, terms, clock.now())
    db.session.query(Notification).delete()
    db.session.query(OutboxEmail).delete()
    db.session.commit()
    return {**team, "mentor": mentor, "nqsw": nqsw, "agreement": agreement}


def _path(world) -> str:
    return f"/agreements/{world['agreement'].id}/start-meeting"


def _book(world, client_for, who="manager", **form):
    return client_for(world[who]).post(_path(world), data=_form(**form))


def _meeting() -> OneToOne:
    return db.session.scalar(select(OneToOne).where(OneToOne.kind == "start_meeting"))


def test_the_manager_books_it_in_the_mentors_diary_and_the_other_two_are_told(world, client_for):
    shown = client_for(world["manager"]).get(f"/agreements/{world['agreement'].id}")
    assert "Book the start meeting" in shown.get_data(as_text=True)
    response = _book(world, client_for)
    assert response.status_code == 302
    meeting = _meeting()
    assert meeting.manager_id == world["manager"].id and meeting.mentor_id == world["mentor"].id
    assert meeting.starts_at == datetime.combine(MONDAY, time(10), tzinfo=clock.zone())
    hold = db.session.scalar(select(MentorHold).where(MentorHold.one_to_one_id == meeting.id))
    assert hold.kind == "start_meeting" and hold.mentor_id == world["mentor"].id
    told = sorted(db.session.scalars(select(Notification.user_id)))
    assert told == sorted([world["mentor"].id, world["nqsw"].id])
    emails = db.session.scalars(select(OutboxEmail)).all()
    assert sorted(e.to_address for e in emails) == sorted(
        [world["mentor"].email, world["nqsw"].email]
    )
    assert all("CR-7001" not in e.body + e.subject and "Plan a visit" not in e.body for e in emails)
    assert "15 March at 10:00am" in emails[0].subject
    said = db.session.scalars(select(Notification.message)).all()
    assert said and all("15 March at 10:00am" in message for message in said)
    audited = db.session.scalar(
        select(func.count()).where(AuditEvent.action == "agreement.start_meeting_booked")
    )
    assert audited == 1
    for who in ("nqsw", "mentor", "manager"):
        page = client_for(world[who]).get(f"/agreements/{world['agreement'].id}")
        assert f"/start-meetings/{meeting.id}.ics" in page.get_data(as_text=True)
    diary = client_for(world["mentor"]).get(f"/mentors/{world['mentor'].id}/diary?week=2027-03-15")
    assert "start meeting" in diary.get_data(as_text=True)
    # The one-to-ones of the agreement are the mentor's and NQSW's: the meeting is not one.
    listing = client_for(world["mentor"]).get(f"/agreements/{world['agreement'].id}/one-to-ones")
    assert f"/one-to-ones/{meeting.id}" not in listing.get_data(as_text=True)
    assert client_for(world["mentor"]).get(f"/one-to-ones/{meeting.id}").status_code == 404


def test_a_clash_in_the_mentors_diary_is_a_409_in_plain_words(world, client_for):
    details = scheduling.Details(
        kind=RequestKind.CASE_DISCUSSION,
        starts_at=datetime.combine(MONDAY, time(10, 30), tzinfo=clock.zone()),
        ends_at=datetime.combine(MONDAY, time(11), tzinfo=clock.zone()),
        fixed_time=False,
    )
    scheduling.ask(world["nqsw"], world["mentor"].id, details, clock.zone(), clock.now())
    db.session.commit()
    response = _book(world, client_for)
    assert response.status_code == 409
    text = response.get_data(as_text=True)
    assert "The mentor is not free then: it clashes with another commitment" in text
    assert 'value="10:00"' in text  # what was typed is kept
    assert _meeting() is None


def test_outside_hours_the_past_and_an_end_before_the_start_are_refused(world, client_for):
    assert _book(world, client_for, starts="18:00", ends="19:00").status_code == 409
    assert _book(world, client_for, day=date(2027, 1, 4)).status_code == 409
    response = _book(world, client_for, starts="11:00", ends="10:00")
    assert response.status_code == 422 and "End the meeting after it starts" in response.text
    assert _book(world, client_for, starts="soon").status_code == 422
    assert _meeting() is None


def test_a_second_booking_is_refused_and_cancelling_frees_the_time(world, client_for):
    assert _book(world, client_for).status_code == 302
    again = _book(world, client_for, who="mentor", starts="14:00", ends="15:00")
    assert again.status_code == 409 and "already booked" in again.get_data(as_text=True)
    meeting = _meeting()
    nqsw = client_for(world["nqsw"])
    refused = nqsw.post(f"/start-meetings/{meeting.id}/cancel", data={"reason": ""})
    assert refused.status_code == 422
    cancelled = nqsw.post(f"/start-meetings/{meeting.id}/cancel", data={"reason": "Clash"})
    assert cancelled.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(MentorHold)) == 0
    assert _book(world, client_for, who="mentor").status_code == 302


def test_ending_the_agreement_calls_off_a_meeting_still_ahead(world, client_for):
    assert _book(world, client_for).status_code == 302
    ended = client_for(world["manager"]).post(
        f"/agreements/{world['agreement'].id}/end", data={"ended_on": ["15", "3", "2027"]}
    )
    assert ended.status_code == 302
    meeting = db.session.scalar(select(OneToOne))
    assert meeting.status == "cancelled" and meeting.reason == "The agreement has ended"
    assert db.session.scalar(select(func.count()).select_from(MentorHold)) == 0


def test_only_the_three_see_book_or_cancel_it(world, client_for):
    assert _book(world, client_for).status_code == 302
    meeting = _meeting()
    stranger_mentor = make_user(Role.MENTOR, name="Stranger Mentor")
    stranger_manager = make_user(Role.PRACTICE_MANAGER, name="Stranger Manager")
    admin = make_user(Role.ADMIN, name="Admin")
    db.session.commit()
    for outsider in (stranger_mentor, stranger_manager, world["nqsws"][1]):
        client = client_for(outsider)
        assert client.get(_path(world)).status_code == 404
        assert client.post(_path(world), data=_form(starts="14:00")).status_code == 404
        assert client.get(f"/start-meetings/{meeting.id}.ics").status_code == 404
        cancel = client.post(f"/start-meetings/{meeting.id}/cancel", data={"reason": "x"})
        assert cancel.status_code == 404
    assert client_for(admin).get(_path(world)).status_code == 403
    assert _meeting().status == "booked"


def _feed_uids(app, client) -> list[tuple[str, str]]:
    page = client.post("/account/calendar").get_data(as_text=True)
    path = re.search(r'value="http://[^/]+(/calendar/[^"]+\.ics)"', page).group(1)
    response = app.test_client().get(path)
    assert b"CR-7001" not in response.data
    events = Calendar.from_ical(response.data).walk("VEVENT")
    return [(str(event["UID"]), str(event["SUMMARY"])) for event in events]


def test_all_three_have_it_in_their_feed_and_as_an_ics(app, world, client_for):
    assert _book(world, client_for).status_code == 302
    meeting, uid = _meeting(), f"start-meeting-{_meeting().id}@alongside"
    name = world["nqsw"].display_name
    assert _feed_uids(app, client_for(world["nqsw"])) == [(uid, "Mentoring start meeting")]
    for who in ("mentor", "manager"):
        summary = f"Mentoring start meeting: {name}"
        assert _feed_uids(app, client_for(world[who])) == [(uid, summary)]
    response = client_for(world["manager"]).get(f"/start-meetings/{meeting.id}.ics")
    assert response.headers["Content-Type"].startswith("text/calendar")
    (event,) = Calendar.from_ical(response.data).walk("VEVENT")
    assert str(event["UID"]) == uid and event["SEQUENCE"] == 0
    assert str(event["STATUS"]) == "CONFIRMED" and b"CR-7001" not in response.data
    assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(hours=1)
    client_for(world["mentor"]).post(f"/start-meetings/{meeting.id}/cancel", data={"reason": "Ill"})
    assert _feed_uids(app, client_for(world["manager"])) == []
    response = client_for(world["manager"]).get(f"/start-meetings/{meeting.id}.ics")
    (event,) = Calendar.from_ical(response.data).walk("VEVENT")
    assert str(event["UID"]) == uid and event["SEQUENCE"] > 0
    assert str(event["STATUS"]) == "CANCELLED"


@pytest.mark.parametrize("moment", [datetime(2027, 3, 26, 12, tzinfo=clock.zone())])
def test_the_demo_books_bens_start_meeting_in_the_week_ahead(runner, moment):
    with time_machine.travel(moment, tick=False):
        assert runner.invoke(args=["demo-data"]).exit_code == 0
        meeting = _meeting()
        assert meeting.status == "booked" and meeting.nqsw.email == "nqsw2@example.org"
        assert moment < meeting.starts_at < moment + timedelta(days=9)
        assert meeting.manager_id is not None
        hold = db.session.scalar(select(MentorHold).where(MentorHold.one_to_one_id == meeting.id))
        assert hold.kind == "start_meeting"


def test_moving_keeps_the_event_and_its_hold_and_tells_the_other_two(world, client_for):
    assert _book(world, client_for).status_code == 302
    meeting = _meeting()
    page = client_for(world["nqsw"]).get(_path(world)).get_data(as_text=True)
    assert "Move the start meeting" in page and 'value="10:00"' in page
    path = f"/start-meetings/{meeting.id}/move"
    # Half an hour later overlaps its own old time: that is no clash.
    moved = client_for(world["nqsw"]).post(path, data=_form(starts="10:30", ends="11:30"))
    assert moved.status_code == 302
    meeting = _meeting()
    assert meeting.starts_at == datetime.combine(MONDAY, time(10, 30), tzinfo=clock.zone())
    (hold,) = db.session.scalars(select(MentorHold)).all()
    assert hold.one_to_one_id == meeting.id and hold.starts_at == meeting.starts_at
    told = db.session.scalars(
        select(Notification.user_id).where(Notification.message.like("%moved%at 10:30am"))
    ).all()
    assert sorted(told) == sorted([world["mentor"].id, world["manager"].id])
    ics = client_for(world["manager"]).get(f"/start-meetings/{meeting.id}.ics")
    (event,) = Calendar.from_ical(ics.data).walk("VEVENT")
    assert str(event["UID"]) == f"start-meeting-{meeting.id}@alongside"
    assert event["SEQUENCE"] > 0 and str(event["STATUS"]) == "CONFIRMED"
    assert event.decoded("DTSTART") == meeting.starts_at


def test_a_move_onto_a_clash_or_by_an_outsider_changes_nothing(world, client_for):
    assert _book(world, client_for).status_code == 302
    meeting = _meeting()
    details = scheduling.Details(
        kind=RequestKind.CASE_DISCUSSION,
        starts_at=datetime.combine(MONDAY, time(14), tzinfo=clock.zone()),
        ends_at=datetime.combine(MONDAY, time(15), tzinfo=clock.zone()),
        fixed_time=False,
    )
    scheduling.ask(world["nqsw"], world["mentor"].id, details, clock.zone(), clock.now())
    db.session.commit()
    path = f"/start-meetings/{meeting.id}/move"
    clash = client_for(world["mentor"]).post(path, data=_form(starts="14:30", ends="15:30"))
    assert clash.status_code == 409 and "clashes" in clash.get_data(as_text=True)
    stranger = make_user(Role.MENTOR, name="Stranger Mentor")
    db.session.commit()
    assert client_for(stranger).post(path, data=_form(starts="16:00")).status_code == 404
    assert client_for(world["admin"]).post(path, data=_form(starts="16:00")).status_code == 403
    kept = _meeting()
    assert kept.starts_at == meeting.starts_at and kept.changed_at is None
    holds = db.session.scalars(select(MentorHold).where(MentorHold.one_to_one_id == kept.id))
    assert [h.starts_at for h in holds] == [kept.starts_at]
