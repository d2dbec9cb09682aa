"""The demo's group sessions: last month's held and written up, the next one with replies
and a guest from outside, loaded through the rules at the demo's awkward moments."""

from sqlalchemy import select

from nqsw_visits.availability.models import BankHoliday, MentorHold
from nqsw_visits.core.extensions import db
from nqsw_visits.group_sessions.models import GroupFeedback, GroupSession, Reply
from nqsw_visits.notifications.models import Notification
from nqsw_visits.people.models import AuditEvent
from tests.http.test_demo import check_working_time, loaded_at, page, person  # noqa: F401


def sessions() -> list[GroupSession]:
    db.session.expire_all()
    return list(db.session.scalars(select(GroupSession).order_by(GroupSession.starts_at)))


def replies(session: GroupSession) -> dict[str, str]:
    return {invite.user.email: invite.reply for invite in session.invites}


def test_last_months_session_was_held_marked_written_up_and_rated(loaded_at):  # noqa: F811
    past = [s for s in sessions() if s.ends_at < loaded_at]
    assert len(past) == 1
    (held,) = past
    assert held.organiser.email == "mentor1@example.org" and held.series_id is not None
    came = {invite.user.email: invite.attended for invite in held.invites}
    assert came["nqsw1@example.org"] is True and came["nqsw3@example.org"] is False
    assert held.notes and held.resources.startswith("https://") and held.notes_at > held.ends_at
    audited = db.session.execute(
        select(AuditEvent.action, AuditEvent.at).where(
            AuditEvent.object_type == "groupsession", AuditEvent.object_id == held.id
        )
    ).all()
    actions = {action for action, _ in audited}
    assert {"group_session.attendance", "group_session.record_written"} <= actions
    assert "group_session.feedback_given" in actions
    assert all(held.starts_at < at < loaded_at for action, at in audited if "attend" in action)
    ratings = db.session.scalars(
        select(GroupFeedback.rating).where(GroupFeedback.session_id == held.id)
    ).all()
    assert sorted(ratings) == [4, 5]


def test_the_next_session_has_every_kind_of_reply_and_a_guest_from_outside(loaded_at):  # noqa: F811
    ahead = [s for s in sessions() if s.starts_at > loaded_at]
    upcoming = ahead[0]
    assert upcoming.series_id == sessions()[0].series_id and upcoming.capacity == 3
    said = replies(upcoming)
    assert said["nqsw3@example.org"] == Reply.WAITING.value
    assert sorted(said.values()).count(Reply.GOING.value) == 3
    assert {Reply.MAYBE.value, Reply.NOT_GOING.value} <= set(said.values())
    (guest,) = upcoming.guests
    assert guest.user_id is None and guest.organisation and guest.email.endswith(".example")
    assert upcoming.sequence >= 1  # its topic was changed after it was booked
    assert all(not s.guests for s in ahead[1:])


def test_each_session_holds_grace_in_working_hours(loaded_at):  # noqa: F811
    holidays = set(db.session.scalars(select(BankHoliday.day)))
    for session in sessions():
        check_working_time(session.starts_at, holidays, f"group session {session.id} starts")
        check_working_time(session.ends_at, holidays, f"group session {session.id} ends")
        hold = db.session.scalar(
            select(MentorHold).where(MentorHold.group_session_id == session.id)
        )
        assert hold and (hold.starts_at, hold.ends_at) == (session.starts_at, session.ends_at)
    audited = db.session.scalars(
        select(AuditEvent.at).where(AuditEvent.action.like("group_%"))
    ).all()
    assert all(at <= loaded_at for at in audited)
    for at in audited:
        check_working_time(at, holidays, "a group session's audit row")


def test_the_homes_and_progress_show_them(loaded_at, app, client):  # noqa: F811
    upcoming = next(s for s in sessions() if s.starts_at > loaded_at)
    grace = page(app, "mentor1@example.org", "/mentoring")
    assert "Working alongside the children" in grace and "3 going of 3 places (full)" in grace
    chloe = page(app, "nqsw3@example.org", "/my-support")
    assert f"/group-sessions/{upcoming.id}" in chloe and "On the waiting list" in chloe
    amira = person("nqsw1@example.org")
    progress = page(app, "nqsw1@example.org", f"/people/{amira.id}/progress")
    assert ">Attended<" in progress and "2 hours" in progress
    chloes = page(app, "mentor1@example.org", f"/people/{person('nqsw3@example.org').id}/progress")
    assert ">Did not attend<" in chloes


def test_only_the_latest_notices_are_unread(loaded_at):  # noqa: F811
    amira = person("nqsw1@example.org")
    unread = db.session.scalars(
        select(Notification.message).where(
            Notification.user_id == amira.id, Notification.read_at.is_(None)
        )
    ).all()
    assert not any("Giving evidence in court" in message for message in unread)
