"""Group-session emails over real SMTP on 127.0.0.1: guests get an .ics that calendars
update (same UID, higher SEQUENCE, STATUS:CANCELLED) and no link; staff get no case detail."""

import email
import email.policy
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from icalendar import Calendar
from sqlalchemy import update

from nqsw_visits.availability import rules as availability_store
from nqsw_visits.core import clock
from nqsw_visits.core.extensions import db
from nqsw_visits.group_sessions import rules
from nqsw_visits.group_sessions.models import Reply
from nqsw_visits.notifications.mailer import SmtpSettings, send_due
from nqsw_visits.notifications.models import OutboxEmail
from nqsw_visits.people.models import Role
from nqsw_visits.support_requests import rules as scheduling
from nqsw_visits.support_requests.models import RequestKind
from tests.factories import assign_mentor, make_user
from tests.http.test_email import Inbox, free_port

LONDON = ZoneInfo("Europe/London")
# A Tuesday in summer time: 2pm in London is 1pm UTC.
STARTS = datetime(2027, 6, 8, 14, tzinfo=LONDON)
MOVED = datetime(2027, 6, 15, 10, tzinfo=LONDON)
BASE_URL = "https://alongside.example"
GUEST = "ola@outside.example"


@pytest.fixture
def inbox():
    """A real SMTP server on 127.0.0.1 keeping what it receives."""
    received = Inbox()
    controller = Controller(received, hostname="127.0.0.1", port=free_port())
    controller.start()
    received.port = controller.port
    yield received
    controller.stop()


@pytest.fixture
def world(app):
    """Grace organises a session through the rules for Amira (who goes) and another NQSW
    (who has not replied), with a guest speaker from outside."""
    mentor = make_user(Role.MENTOR, name="Grace Mentor", email="grace@example.org")
    other = make_user(Role.MENTOR, name="Otto Mentor", email="otto@example.org")
    going = make_user(Role.NQSW, name="Amira Hassan", email="amira@example.org")
    silent = make_user(Role.NQSW, email="silent@example.org")
    assign_mentor(going, other)
    for person in (mentor, other):
        availability_store.add_window(person, person, 1, time(9), time(17), date(2027, 1, 1))
    # Amira has a court hearing at the same time: nothing of it may reach any email.
    request = scheduling.ask(
        going,
        other.id,
        scheduling.Details(
            kind=RequestKind.COURT_HEARING,
            case_reference="CR-4242",
            starts_at=STARTS,
            ends_at=STARTS + timedelta(hours=2),
        ),
        LONDON,
        clock.now(),
    )
    scheduling.accept(other, request, LONDON, clock.now())
    # The request's own emails are not this test's.
    db.session.execute(update(OutboxEmail).values(sent_at=clock.now()))
    session = rules.create_session(
        mentor, mentor, details(STARTS), [going.id, silent.id], LONDON, clock.now()
    )
    guest = rules.add_guest(
        mentor,
        session,
        rules.Guest("Dr Ola Speaker", GUEST, role="Linguist", organisation="Uni"),
        clock.now(),
    )
    rules.reply(going, session, Reply.GOING, clock.now())
    db.session.commit()
    return {"mentor": mentor, "going": going, "silent": silent, "session": session, "guest": guest}


def details(starts: datetime, capacity: int = 10) -> rules.Details:
    return rules.Details(
        "Working with interpreters",
        starts,
        starts + timedelta(hours=2),
        "Room 4, Town Hall",
        capacity,
    )


def deliver(inbox) -> list[email.message.EmailMessage]:
    """Commit, send what is queued to the local server, and parse what it received."""
    before = len(inbox.messages)
    db.session.commit()
    settings = SmtpSettings(host="127.0.0.1", port=inbox.port, base_url=BASE_URL, timeout=2)
    assert send_due(settings)["failed"] == 0
    return [
        email.message_from_string(content, policy=email.policy.default)
        for _, content in inbox.messages[before:]
    ]


def to(messages, address: str) -> list:
    return [message for message in messages if message["To"] == address]


def event_of(message):
    """The one event of the message's invitation.ics, checked to be sent as a calendar."""
    (part,) = [p for p in message.iter_attachments() if p.get_filename() == "invitation.ics"]
    assert part.get_content_type() == "text/calendar"
    assert part.get_param("method") == "PUBLISH" and part.get_param("charset") == "utf-8"
    (event,) = Calendar.from_ical(part.get_content()).walk("VEVENT")
    return event


def body_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def edit(session, actor, starts_at: datetime, capacity: int = 10) -> None:
    rules.edit(actor, session, details(starts_at, capacity), "one", LONDON, clock.now())


def cancel(session, actor) -> None:
    rules.cancel(actor, session, "The room is flooded", "one", clock.now())


def test_a_guest_gets_an_invitation_that_parses_with_no_link_into_the_app(world, inbox):
    session = world["session"]
    (message,) = to(deliver(inbox), GUEST)
    event = event_of(message)
    assert str(event["uid"]) == f"group-session-{session.uid}@alongside"
    assert event.decoded("dtstart") == STARTS and event["sequence"] == 0
    assert event.decoded("dtend") == STARTS + timedelta(hours=2)
    assert str(event["status"]) == "CONFIRMED"
    assert str(event["summary"]) == "Working with interpreters (Alongside group session)"
    assert str(event["location"]) == "Room 4, Town Hall"
    assert "Grace Mentor" in str(event["description"])
    body = body_of(message)
    assert "Dear Dr Ola Speaker" in body and "What: Working with interpreters" in body
    assert "When: Tuesday 8 June 2027 at 2:00pm to 4:00pm" in body
    assert "Where: Room 4, Town Hall" in body and "Organised by: Grace Mentor" in body
    assert "You do not need an account" in body
    assert message["Subject"] == (
        "Invitation: Working with interpreters, Tuesday 8 June 2027 at 2:00pm"
    )
    raw = message.as_string()
    assert "http" not in raw and "group-sessions/" not in raw and "base_url" not in raw
    assert not to(deliver(inbox), GUEST)  # sent once


def test_an_edit_keeps_the_uid_and_raises_the_sequence_and_tells_those_who_replied(world, inbox):
    session = world["session"]
    (first,) = to(deliver(inbox), GUEST)
    edit(session, world["mentor"], MOVED)
    sent = deliver(inbox)
    (update,) = to(sent, GUEST)
    before, after = event_of(first), event_of(update)
    assert str(after["uid"]) == str(before["uid"])
    assert after["sequence"] > before["sequence"]
    assert after.decoded("dtstart") == MOVED and str(after["status"]) == "CONFIRMED"
    assert "Tuesday 15 June 2027 at 10:00am" in body_of(update)
    (staff,) = to(sent, "amira@example.org")  # replied: told; not replied: not told
    assert not to(sent, "silent@example.org") and not to(sent, "grace@example.org")
    assert (
        "has changed: Working with interpreters, now Tuesday 15 June 2027 at 10:00am"
        in (staff["Subject"])
    )
    assert f"{BASE_URL}/group-sessions/{session.id}" in body_of(staff)
    assert not list(staff.iter_attachments())
    edit(session, world["mentor"], STARTS)
    (again,) = to(deliver(inbox), GUEST)
    assert event_of(again)["sequence"] > after["sequence"]


def test_a_cancellation_carries_status_cancelled_at_a_higher_sequence(world, inbox):
    session = world["session"]
    (first,) = to(deliver(inbox), GUEST)
    cancel(session, world["mentor"])
    sent = deliver(inbox)
    (cancelled,) = to(sent, GUEST)
    event = event_of(cancelled)
    assert str(event["status"]) == "CANCELLED"
    (part,) = cancelled.iter_attachments()
    assert "STATUS:CANCELLED" in part.get_content()
    assert str(event["uid"]) == str(event_of(first)["uid"])
    assert event["sequence"] > event_of(first)["sequence"]
    assert cancelled["Subject"].startswith("Cancelled: Working with interpreters")
    (staff,) = to(sent, "amira@example.org")
    assert "is cancelled: Working with interpreters" in staff["Subject"]
    assert not to(sent, "silent@example.org")
    assert "flooded" not in cancelled.as_string()  # the reason is for staff, in the app


def test_a_removed_guest_alone_gets_a_cancelling_invitation(world, inbox):
    session, mentor = world["session"], world["mentor"]
    rules.add_guest(mentor, session, rules.Guest("Sam Staff", "sam@example.org"), clock.now())
    deliver(inbox)
    rules.remove_guest(mentor, session, world["guest"].id, clock.now())
    (message,) = deliver(inbox)
    assert message["To"] == GUEST
    assert str(event_of(message)["status"]) == "CANCELLED"
    assert "http" not in message.as_string()


def test_staff_emails_name_the_topic_and_local_time_and_carry_no_case_detail(world, inbox):
    session, mentor = world["session"], world["mentor"]
    going, silent = world["going"], world["silent"]
    edit(session, mentor, STARTS, capacity=1)
    rules.reply(silent, session, Reply.GOING, clock.now())  # full: waits
    rules.reply(going, session, Reply.NOT_GOING, clock.now())  # a place for the next
    cancel(session, mentor)
    staff = [m for m in deliver(inbox) if m["To"] != GUEST]
    assert sorted(m["To"] for m in staff) == sorted(
        ["amira@example.org", "silent@example.org"]  # invited
        + ["amira@example.org"]  # the change, after Amira's reply
        + ["silent@example.org"] * 2  # moved up, then the cancellation
        + ["amira@example.org"]  # the cancellation
    )
    assert not [m for m in staff if m["To"] == "grace@example.org"]  # not of their own acts
    invited = to(staff, "silent@example.org")[0]
    assert invited["Subject"] == (
        "Alongside: Grace Mentor invited you to a group session: Working with interpreters, "
        "Tuesday 8 June 2027 at 2:00pm"
    )
    (moved_up,) = [m for m in staff if "place came free" in m["Subject"]]
    assert moved_up["To"] == "silent@example.org" and "you are now going" in moved_up["Subject"]
    for message in staff:
        text = message.as_string()
        assert "CR-4242" not in text and "court" not in text.lower()
        assert "Ola" not in text and "flooded" not in text
        assert f"{BASE_URL}/group-sessions/{session.id}" in body_of(message)
        assert not list(message.iter_attachments())


def test_a_new_series_invites_each_person_once_not_once_a_date(world, inbox):
    deliver(inbox)
    mentor, silent = world["mentor"], world["silent"]
    plan = rules.MonthlyPlan(date(2027, 7, 1), 3, 2, 1, time(14), time(16))
    _, planned = rules.create_series(
        mentor,
        mentor,
        "Reflective practice",
        "Room 5",
        8,
        plan,
        [silent.id],
        frozenset(),
        LONDON,
        clock.now(),
    )
    assert [entry.outcome for entry in planned] == ["booked"] * 3
    (message,) = deliver(inbox)
    assert message["To"] == "silent@example.org"
    assert message["Subject"] == (
        "Alongside: Grace Mentor invited you to monthly group sessions: Reflective practice, "
        "starting Tuesday 13 July 2027 at 2:00pm"
    )
