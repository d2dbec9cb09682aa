"""Replies to a group session and its waiting list: never more going than places, and
the earliest waiting moves up when a place comes free."""

from datetime import datetime

from sqlalchemy import func, select

from nqsw_visits.core.extensions import db
from nqsw_visits.group_sessions import telling
from nqsw_visits.group_sessions.diary import invite_of, lock_afresh
from nqsw_visits.group_sessions.errors import GroupSessionError
from nqsw_visits.group_sessions.models import CHOSEN, GroupInvite, GroupSession, Reply
from nqsw_visits.people import audit
from nqsw_visits.people.models import User
from nqsw_visits.support_requests.models import HOLDING, SupportRequest


def going_count(session_id: int, leaving_out: int | None = None) -> int:
    """How many are going, leaving one person out if asked."""
    query = select(func.count()).where(
        GroupInvite.session_id == session_id, GroupInvite.reply == Reply.GOING.value
    )
    if leaving_out is not None:
        query = query.where(GroupInvite.user_id != leaving_out)
    return db.session.scalar(query)


def fill_places(session: GroupSession, now: datetime, actor: User | None = None) -> list[int]:
    """Move the earliest waiting up into any free places; returns who moved up."""
    room = session.capacity - going_count(session.id)
    if room <= 0:
        return []
    waiting = db.session.scalars(
        select(GroupInvite)
        .where(GroupInvite.session_id == session.id, GroupInvite.reply == Reply.WAITING.value)
        .order_by(GroupInvite.queued_at, GroupInvite.user_id)
        .limit(room)
    ).all()
    for invite in waiting:
        invite.reply, invite.queued_at = Reply.GOING.value, None
    db.session.flush()
    for invite in waiting:
        audit.record("group_session.moved_up", actor=actor, obj=session, user_id=invite.user_id)
        telling.moved_up(session, invite.user_id)
    return [invite.user_id for invite in waiting]


def reply(person: User, session: GroupSession, answer: Reply, now: datetime) -> Reply:
    """Store an invited person's answer; a "going" beyond the places joins the waiting list."""
    if answer not in CHOSEN:
        raise GroupSessionError("Choose going, maybe or not going", field="answer")
    answer = Reply(answer)
    invite = invite_of(session, person.id)
    if invite is None:
        raise GroupSessionError("Only invited people reply to this session", 403)
    # Concurrent replies take turns on the session's row (on SQLite every POST already
    # holds the write lock), so the places are counted one reply at a time.
    lock_afresh(session)
    db.session.refresh(invite)
    if not session.may_reply(now):
        raise GroupSessionError("Replies close when the session starts or is cancelled", 409)
    before = Reply(invite.reply)
    stored = answer
    if answer == Reply.GOING and going_count(session.id, leaving_out=person.id) >= session.capacity:
        stored = Reply.WAITING
    if stored == Reply.WAITING:
        # Saying "going" again keeps a person's turn on the waiting list.
        invite.queued_at = invite.queued_at if before == Reply.WAITING else now
    else:
        invite.queued_at = None
    invite.reply, invite.replied_at = stored.value, now
    db.session.flush()
    if before == Reply.GOING and stored != Reply.GOING:
        fill_places(session, now, person)
    audit.record("group_session.replied", actor=person, obj=session, reply=stored.value)
    return stored


def clashes_for(person_id: int, session: GroupSession) -> list[SupportRequest]:
    """The person's support requests holding a mentor's time that overlap the session."""
    return list(
        db.session.scalars(
            select(SupportRequest)
            .where(
                SupportRequest.nqsw_id == person_id,
                SupportRequest.status.in_(sorted(status.value for status in HOLDING)),
                SupportRequest.starts_at < session.ends_at,
                SupportRequest.ends_at > session.starts_at,
            )
            .order_by(SupportRequest.starts_at)
        )
    )
