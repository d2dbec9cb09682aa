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

from nqsw_visits import clock
from nqsw_visits.extensions import db
from nqsw_visits.group_sessions import telling
from nqsw_visits.group_sessions.models import Reply, SessionState
from nqsw_visits.models import Role
from nqsw_visits.models_requests import OutboxEmail, RequestKind
from nqsw_visits.services import availability_store, scheduling
from nqsw_visits.services.mailer import SmtpSettings, send_due
from tests.factories import assign_mentor, make_user
from tests.http.group_session_rows import stored_guest, stored_session
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
    mentor = make_user(Role.MENTOR, name="Grace Mentor", email="grace@example.org")
    going = make_user(Role.NQSW, name="Amira Hassan", email="amira@example.org")
    silent = make_user(Role.NQSW, email="silent@example.org")
    assign_mentor(going, mentor)
    # Amira has a court hearing at the same time: nothing of it may reach any email.
    availability_store.add_window(mentor, mentor, 1, time(9), time(17), date(2027, 1, 1))
    request = scheduling.ask(
        going,
        mentor.id,
        scheduling.Details(
            kind=RequestKind.COURT_HEARING,
            case_reference="CR-4242",
            starts_at=STARTS,
            ends_at=STARTS + timedelta(hours=2),
        ),
        LONDON,
        clock.now(),
    )
    scheduling.accept(mentor, request, LONDON, clock.now())
    # The request's own emails are not this test's.
    db.session.execute(update(OutboxEmail).values(sent_at=clock.now()))
    db.session.commit()
    session = stored_session(
        mentor,
        STARTS,
        STARTS + timedelta(hours=2),
        {going: Reply.GOING, silent: Reply.NONE},
        topic="Working with interpreters",
    )
    guest = stored_guest(session, "Dr Ola Speaker", GUEST, role="Linguist", organisation="Uni")
    return {"mentor": mentor, "going": going, "silent": silent, "session": session, "guest": guest}


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


def edit(session, actor, starts_at: datetime) -> None:
    """What the rules do on an edit: the new time, a higher SEQUENCE, then the telling."""
    session.starts_at, session.ends_at = starts_at, starts_at + timedelta(hours=2)
    session.sequence += 1
    session.changed_at = clock.now()
    telling.changed(session, actor)


def cancel(session, actor) -> None:
    session.state = SessionState.CANCELLED.value
    session.sequence += 1
    session.changed_at = clock.now()
    telling.cancelled(session, actor)


def test_a_guest_gets_an_invitation_that_parses_with_no_link_into_the_app(world, inbox):
    session = world["session"]
    telling.guest_invited(session, world["guest"])
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
    assert (
        message["Subject"] == "Invitation: Working with interpreters, Tuesday 8 June 2027 at 2:00pm"
    )
    raw = message.as_string()
    assert "http" not in raw and "group-sessions/" not in raw and "base_url" not in raw
    assert not to(deliver(inbox), GUEST)  # sent once


def test_an_edit_keeps_the_uid_and_raises_the_sequence_and_tells_those_who_replied(world, inbox):
    session = world["session"]
    telling.guest_invited(session, world["guest"])
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


def test_a_cancellation_carries_status_cancelled_at_a_higher_sequence(world, inbox):
    session = world["session"]
    telling.guest_invited(session, world["guest"])
    (first,) = to(deliver(inbox), GUEST)
    cancel(session, world["mentor"])
    sent = deliver(inbox)
    (cancelled,) = to(sent, GUEST)
    event = event_of(cancelled)
    assert str(event["status"]) == "CANCELLED"
    assert str(event["uid"]) == str(event_of(first)["uid"])
    assert event["sequence"] > event_of(first)["sequence"]
    (part,) = cancelled.iter_attachments()
    assert "STATUS:CANCELLED" in part.get_content()
    assert cancelled["Subject"].startswith("Cancelled: Working with interpreters")
    (staff,) = to(sent, "amira@example.org")
    assert "is cancelled: Working with interpreters" in staff["Subject"]
    assert not to(sent, "silent@example.org")


def test_a_removed_guest_alone_gets_a_cancelling_invitation(world, inbox):
    session = world["session"]
    other = stored_guest(session, "Sam Staff", "sam@example.org")
    telling.guest_removed(session, world["guest"])
    sent = deliver(inbox)
    (message,) = sent
    assert message["To"] == GUEST and not to(sent, other.email)
    assert str(event_of(message)["status"]) == "CANCELLED"
    assert "http" not in message.as_string()


def test_staff_emails_name_the_topic_and_local_time_and_carry_no_case_detail(world, inbox):
    session, mentor = world["session"], world["mentor"]
    telling.invited(session, [world["going"].id, world["silent"].id, mentor.id], mentor)
    telling.moved_up(session, world["going"].id)
    edit(session, mentor, MOVED)
    cancel(session, mentor)
    sent = deliver(inbox)
    staff = [m for m in sent if m["To"] != GUEST]
    assert sorted(m["To"] for m in staff) == sorted(
        ["amira@example.org", "silent@example.org"]  # invited
        + ["amira@example.org"] * 3  # moved up, the change, the cancellation
    )
    assert not to(sent, "grace@example.org")  # the organiser is not told of their own acts
    invited = to(sent, "silent@example.org")[0]
    assert invited["Subject"] == (
        "Alongside: Grace Mentor invited you to a group session: Working with interpreters, "
        "Tuesday 8 June 2027 at 2:00pm"
    )
    moved_up = [m for m in staff if "place came free" in m["Subject"]]
    assert len(moved_up) == 1 and "you are now going" in moved_up[0]["Subject"]
    for message in staff:
        text = message.as_string()
        assert "CR-4242" not in text and "court" not in text.lower()
        assert "Ola" not in text  # nor who the guests are
        assert f"{BASE_URL}/group-sessions/{session.id}" in body_of(message)
        assert not list(message.iter_attachments())
