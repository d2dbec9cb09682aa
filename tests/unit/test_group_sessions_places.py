"""Group sessions' places and what follows them: replies and the waiting list, guest
speakers, the register, the record, feedback, clashes, and development time."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from nqsw_visits.core import clock
from nqsw_visits.core.extensions import db
from nqsw_visits.group_sessions import development, rules
from nqsw_visits.group_sessions.models import GroupFeedback, GroupGuest, GroupInvite, Reply
from nqsw_visits.notifications.models import Notification, OutboxEmail
from nqsw_visits.people.models import AuditEvent, Role
from nqsw_visits.support_requests import rules as scheduling
from tests.factories import make_user
from tests.unit.test_group_sessions import ask, at, build_world, new_session, refused

GOING, WAITING, MAYBE, NOT_GOING = Reply.GOING, Reply.WAITING, Reply.MAYBE, Reply.NOT_GOING
DURING = at(15)  # the sessions run 2pm to 4pm on DAY
AFTER = at(17)


@pytest.fixture
def world(app):
    world = build_world()
    world["nqsws"] += [make_user(Role.NQSW) for _ in range(2)]
    return world


def replies(session) -> dict[int, str]:
    rows = db.session.execute(
        select(GroupInvite.user_id, GroupInvite.reply).where(GroupInvite.session_id == session.id)
    )
    return dict(rows.all())


def answer(person, session, reply: Reply) -> Reply:
    stored = rules.reply(person, session, reply, clock.now())
    db.session.commit()
    return stored


def messages_to(person) -> list[str]:
    return list(db.session.scalars(select(Notification.message).filter_by(user_id=person.id)))


# Replies and the waiting list


def test_going_fills_the_places_then_queues_in_order(world):
    session = new_session(world, capacity=2)
    people = world["nqsws"][:5]
    stored = [answer(person, session, GOING) for person in people]
    assert stored == [GOING, GOING, WAITING, WAITING, WAITING]
    queue = db.session.scalars(
        select(GroupInvite)
        .where(GroupInvite.reply == WAITING.value)
        .order_by(GroupInvite.queued_at, GroupInvite.user_id)
    ).all()
    assert [invite.user_id for invite in queue] == [p.id for p in people[2:]]
    assert list(replies(session).values()).count(GOING.value) == 2


def test_dropping_out_moves_the_earliest_waiting_up_and_tells_them(world):
    session = new_session(world, capacity=2)
    first, second, third, fourth = world["nqsws"][:4]
    for person in (first, second, third, fourth):
        answer(person, session, GOING)
    assert answer(first, session, NOT_GOING) == NOT_GOING
    now = replies(session)
    assert [now[p.id] for p in (first, second, third, fourth)] == [
        "not_going",
        "going",
        "going",
        "waiting",
    ]
    assert any("A place came free" in message for message in messages_to(third))
    assert not any("A place came free" in message for message in messages_to(fourth))
    promoted = db.session.get(GroupInvite, (session.id, third.id))
    assert promoted.queued_at is None
    assert db.session.scalar(select(AuditEvent).filter_by(action="group_session.moved_up"))


def test_going_to_maybe_frees_a_place_too(world):
    session = new_session(world, capacity=1)
    first, second = world["nqsws"][:2]
    answer(first, session, GOING)
    answer(second, session, GOING)
    answer(first, session, MAYBE)
    assert (replies(session)[first.id], replies(session)[second.id]) == ("maybe", "going")


def test_a_waiting_person_who_says_going_again_keeps_their_turn(world):
    session = new_session(world, capacity=1)
    first, second, third = world["nqsws"][:3]
    for person in (first, second, third):
        answer(person, session, GOING)
    turn = db.session.get(GroupInvite, (session.id, second.id)).queued_at
    assert answer(second, session, GOING) == WAITING
    assert db.session.get(GroupInvite, (session.id, second.id)).queued_at == turn
    answer(first, session, NOT_GOING)
    assert (replies(session)[second.id], replies(session)[third.id]) == ("going", "waiting")


def test_a_waiting_person_who_drops_out_leaves_the_queue(world):
    session = new_session(world, capacity=1)
    first, second, third = world["nqsws"][:3]
    for person in (first, second, third):
        answer(person, session, GOING)
    answer(second, session, NOT_GOING)
    left = db.session.get(GroupInvite, (session.id, second.id))
    assert (left.reply, left.queued_at) == ("not_going", None)
    answer(first, session, NOT_GOING)
    assert (replies(session)[second.id], replies(session)[third.id]) == ("not_going", "going")
    # Coming back later joins the end of the queue.
    assert answer(second, session, GOING) == WAITING


def test_the_same_moment_in_the_queue_goes_by_person(world):
    session = new_session(world, capacity=1)
    first, second, third = world["nqsws"][:3]
    moment = clock.now()
    rules.reply(first, session, GOING, moment)
    rules.reply(third, session, GOING, moment)
    rules.reply(second, session, GOING, moment)
    rules.reply(first, session, NOT_GOING, moment)
    db.session.commit()
    assert (replies(session)[second.id], replies(session)[third.id]) == ("going", "waiting")


def test_capacity_is_never_exceeded_through_any_run_of_replies(world):
    session = new_session(world, capacity=3)
    people = world["nqsws"]
    pattern = [GOING, GOING, MAYBE, GOING, NOT_GOING, GOING]
    for turn in range(24):
        person = people[(turn * 5) % len(people)]
        answer(person, session, pattern[turn % len(pattern)])
        now = list(replies(session).values())
        assert now.count(GOING.value) <= 3
        # Nobody waits while a place is free.
        assert now.count(GOING.value) == 3 or WAITING.value not in now


def test_reply_refusals(world):
    session = new_session(world, people=world["nqsws"][:2])
    nqsw, outsider, now = world["nqsws"][0], world["nqsws"][3], clock.now()
    assert refused(rules.reply, outsider, session, GOING, now).status == 403
    assert refused(rules.reply, world["mentor"], session, GOING, now).status == 403
    for wrong in (WAITING, Reply.NONE, "yes"):
        error = refused(rules.reply, nqsw, session, wrong, now)
        assert (error.status, error.field) == (422, "answer")
    assert refused(rules.reply, nqsw, session, GOING, at(14)).status == 409
    rules.cancel(world["mentor"], session, "Off", "one", now)
    db.session.commit()
    assert refused(rules.reply, nqsw, session, GOING, now).status == 409
    assert set(replies(session).values()) == {"none"}


def test_a_reply_is_audited_without_free_text(world):
    session = new_session(world)
    answer(world["nqsws"][0], session, MAYBE)
    event = db.session.scalar(select(AuditEvent).filter_by(action="group_session.replied"))
    assert event.actor_id == world["nqsws"][0].id and '"reply": "maybe"' in event.detail


# Clashes with the person's support requests


def test_clashes_are_the_persons_holding_requests_that_overlap(world):
    session = new_session(world, people=world["nqsws"][:3])
    first, second = world["nqsws"][:2]
    rules.cancel(world["mentor"], session, "Make room", "one", clock.now())
    db.session.commit()
    declined = ask(world, at(13, 30), at(14, 30), second)
    scheduling.decline(world["mentor"], declined, "Not that day", clock.now())
    db.session.commit()
    overlapping = ask(world, at(15), at(16), first)
    ask(world, at(11), at(12), first)  # the same day, not overlapping
    assert [r.id for r in rules.clashes_for(first.id, session)] == [overlapping.id]
    assert rules.clashes_for(second.id, session) == []


# Guests


def guest(**more) -> rules.Guest:
    values = {"name": "Dr Ada Okafor", "email": " Ada@Example.org ", "role": "Psychologist"}
    return rules.Guest(**(values | more))


def test_a_guest_gets_the_invitation_by_email_and_removing_them_cancels_it(world):
    session = new_session(world)
    added = rules.add_guest(world["mentor"], session, guest(organisation="NHS"), clock.now())
    db.session.commit()
    assert (added.email, added.name, added.organisation) == (
        "ada@example.org",
        "Dr Ada Okafor",
        "NHS",
    )
    email = db.session.scalar(select(OutboxEmail).filter_by(to_address="ada@example.org"))
    assert "STATUS:CONFIRMED" in email.calendar and "/group-sessions" not in email.body
    rules.remove_guest(world["mentor"], session, added.id, clock.now())
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(GroupGuest)) == 0
    last = db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id.desc())).first()
    assert last.to_address == "ada@example.org" and "STATUS:CANCELLED" in last.calendar


def test_a_member_of_staff_can_be_a_guest(world):
    session = new_session(world)
    staff = world["other"]
    added = rules.add_guest(
        world["admin"], session, guest(email=staff.email, user_id=staff.id), clock.now()
    )
    assert added.user_id == staff.id


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": "  "}, "name"),
        ({"name": "x" * 121}, "name"),
        ({"email": ""}, "email"),
        ({"email": "not an address"}, "email"),
        ({"email": "a@b"}, "email"),
        ({"role": "x" * 121}, "role"),
        ({"organisation": "a\x00b"}, "organisation"),
        ({"user_id": 999999}, "user_id"),
    ],
)
def test_a_guest_with_bad_details_is_refused_on_the_field(world, change, field):
    session = new_session(world)
    error = refused(rules.add_guest, world["mentor"], session, guest(**change), clock.now())
    assert (error.status, error.field) == (422, field)


def test_guest_refusals(world):
    session, mentor = new_session(world), world["mentor"]
    added = rules.add_guest(mentor, session, guest(), clock.now())
    db.session.commit()
    again = refused(rules.add_guest, mentor, session, guest(email="ADA@example.org"), clock.now())
    assert (again.status, again.field) == (422, "email")
    for person in (world["other"], world["nqsws"][0]):
        assert (
            refused(rules.add_guest, person, session, guest(email="x@y.org"), DURING).status == 403
        )
        assert refused(rules.remove_guest, person, session, added.id, DURING).status == 403
    assert refused(rules.remove_guest, mentor, session, 999999, DURING).status == 404
    assert refused(rules.add_guest, mentor, session, guest(email="x@y.org"), AFTER).status == 409
    assert refused(rules.remove_guest, mentor, session, added.id, AFTER).status == 409
    other = new_session(world, starts=at(16), ends=at(17))
    assert refused(rules.remove_guest, mentor, other, added.id, DURING).status == 404
    # During the session a late guest may still be added.
    rules.add_guest(mentor, session, guest(email="late@example.org"), DURING)


# The register, the record and feedback


def test_the_register_opens_at_the_start(world):
    session, mentor = new_session(world), world["mentor"]
    nqsw = world["nqsws"][0]
    assert refused(rules.mark_attendance, mentor, session, nqsw.id, True, at(13)).status == 409
    rules.mark_attendance(mentor, session, nqsw.id, True, DURING)
    rules.mark_attendance(mentor, session, world["nqsws"][1].id, False, AFTER)
    db.session.commit()
    marked = {i.user_id: i.attended for i in session.invites}
    assert (marked[nqsw.id], marked[world["nqsws"][1].id], marked[world["nqsws"][2].id]) == (
        True,
        False,
        None,
    )


def test_register_refusals(world):
    session = new_session(world, people=world["nqsws"][:2])
    nqsw = world["nqsws"][0]
    for person in (world["other"], nqsw):
        assert refused(rules.mark_attendance, person, session, nqsw.id, True, AFTER).status == 403
    outsider = world["nqsws"][3].id
    error = refused(rules.mark_attendance, world["mentor"], session, outsider, True, AFTER)
    assert error.status == 404
    rules.cancel(world["mentor"], session, "Off", "one", clock.now())
    db.session.commit()
    assert (
        refused(rules.mark_attendance, world["mentor"], session, nqsw.id, True, AFTER).status == 409
    )


def test_the_record_is_written_after_the_start_without_case_detail(world):
    session, mentor = new_session(world), world["mentor"]
    assert refused(rules.write_record, mentor, session, "Notes", "", at(13)).status == 409
    assert refused(rules.write_record, world["nqsws"][0], session, "Notes", "", AFTER).status == 403
    for notes, resources, field in (
        ("We discussed Mrs Jones", "", "notes"),
        ("Fine", "Family at E1 6AN", "resources"),
        ("Born 01/02/2019", "", "notes"),
        ("x" * 5001, "", "notes"),
        ("Fine", "x" * 2001, "resources"),
    ):
        error = refused(rules.write_record, mentor, session, notes, resources, AFTER)
        assert (error.status, error.field) == (422, field)
    rules.write_record(
        mentor, session, " Good questions on consent. ", "https://example.org", AFTER
    )
    db.session.commit()
    assert (session.notes, session.resources, session.notes_at) == (
        "Good questions on consent.",
        "https://example.org",
        AFTER,
    )


def test_only_attendees_give_feedback_once_and_a_second_time_updates_it(world):
    session, mentor = new_session(world), world["mentor"]
    came, absent, unmarked = world["nqsws"][:3]
    rules.mark_attendance(mentor, session, came.id, True, AFTER)
    rules.mark_attendance(mentor, session, absent.id, False, AFTER)
    db.session.commit()
    for person in (absent, unmarked, mentor, world["nqsws"][4]):
        assert refused(rules.give_feedback, person, session, 5, "", AFTER).status == 403
    for rating, comment, field in (
        (0, "", "rating"),
        (6, "", "rating"),
        (True, "", "rating"),
        (4, "two\nlines", "comment"),
        (4, "x" * 201, "comment"),
    ):
        error = refused(rules.give_feedback, came, session, rating, comment, AFTER)
        assert (error.status, error.field) == (422, field)
    rules.give_feedback(came, session, 4, "Useful", AFTER)
    rules.give_feedback(came, session, 5, "  Very useful ", AFTER)
    db.session.commit()
    rows = db.session.execute(select(GroupFeedback.rating, GroupFeedback.comment)).all()
    assert rows == [(5, "Very useful")]
    event = db.session.scalar(select(AuditEvent).filter_by(action="group_session.feedback_given"))
    assert event.detail is None


# Development time


def test_development_time_counts_attended_minutes_and_missed_sessions(world):
    mentor = world["mentor"]
    nqsw, other = world["nqsws"][:2]
    two_hours = new_session(world)
    ninety = new_session(
        world, starts=at(9, day=date(2027, 2, 4)), ends=at(10, 30, date(2027, 2, 4))
    )
    missed = new_session(
        world, starts=at(11, day=date(2027, 2, 5)), ends=at(12, day=date(2027, 2, 5))
    )
    said_no = new_session(
        world, starts=at(9, day=date(2027, 2, 8)), ends=at(10, day=date(2027, 2, 8))
    )
    unmarked = new_session(
        world, starts=at(9, day=date(2027, 2, 9)), ends=at(10, day=date(2027, 2, 9))
    )
    answer(nqsw, missed, MAYBE)
    answer(nqsw, said_no, NOT_GOING)
    answer(nqsw, unmarked, GOING)
    later = at(12, day=date(2027, 2, 10))
    for session, came in ((two_hours, True), (ninety, True), (missed, False), (said_no, False)):
        rules.mark_attendance(mentor, session, nqsw.id, came, later)
        rules.mark_attendance(mentor, session, other.id, True, later)
    db.session.commit()
    since, until = at(0, day=date(2027, 2, 1)), at(0, day=date(2027, 3, 1))
    assert development.development_time(nqsw.id, since, until) == development.DevelopmentTime(
        attended=2, missed=1, minutes=210
    )
    assert development.development_time(other.id, since, until).minutes == 2 * 60 + 90 + 60 + 60
    # Only sessions that started in the span count.
    assert development.development_time(nqsw.id, at(15), until).minutes == 90
    listed = development.sessions_of(nqsw.id, since, until)
    assert [(item.session.id, item.attended, item.missed) for item in listed] == [
        (unmarked.id, None, False),
        (said_no.id, False, False),
        (missed.id, False, True),
        (ninety.id, True, False),
        (two_hours.id, True, False),
    ]


def test_a_cancelled_session_is_no_development_time(world):
    session, nqsw = new_session(world), world["nqsws"][0]
    rules.mark_attendance(world["mentor"], session, nqsw.id, True, AFTER)
    db.session.commit()
    since, until = at(0), at(0) + timedelta(days=1)
    assert development.development_time(nqsw.id, since, until).attended == 1
    session.state = "cancelled"
    db.session.commit()
    assert development.development_time(nqsw.id, since, until) == development.DevelopmentTime(
        0, 0, 0
    )
    assert development.sessions_of(nqsw.id, since, until) == []
