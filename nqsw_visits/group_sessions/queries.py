"""What the group-session pages read: a person's list, the replies and the feedback."""

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import joinedload

from nqsw_visits.core.extensions import db
from nqsw_visits.group_sessions.models import GroupFeedback, GroupInvite, GroupSession, Reply
from nqsw_visits.people.models import Role, Team, User
from nqsw_visits.people.queries import ids_with_role

PER_PAGE = 20
# The organiser's lists, in the order the page shows them.
LISTED = (Reply.GOING, Reply.WAITING, Reply.MAYBE, Reply.NOT_GOING, Reply.NONE)


def listed_for(user: User, now: datetime):
    """The sessions a person organises or is invited to (an administrator's: all of them),
    those not yet over first, soonest first, then the past ones, latest first (a select)."""
    query = select(GroupSession).options(
        joinedload(GroupSession.organiser).lazyload(User.role_rows)
    )
    if not user.has_role(Role.ADMIN):
        invited = select(GroupInvite.session_id).where(GroupInvite.user_id == user.id)
        query = query.where(or_(GroupSession.organiser_id == user.id, GroupSession.id.in_(invited)))
    ahead = GroupSession.ends_at >= now
    return query.order_by(
        case((ahead, 0), else_=1),
        case((ahead, GroupSession.starts_at)),  # the past ones all tie here
        GroupSession.starts_at.desc(),
        GroupSession.id,
    )


def replies_of(user_id: int, session_ids: list[int]) -> dict[int, Reply]:
    """The person's reply to each of these sessions they are invited to."""
    if not session_ids:
        return {}
    rows = db.session.execute(
        select(GroupInvite.session_id, GroupInvite.reply).where(
            GroupInvite.user_id == user_id, GroupInvite.session_id.in_(session_ids)
        )
    )
    return {session_id: Reply(reply) for session_id, reply in rows}


def reply_counts(session_ids: list[int]) -> dict[int, Counter]:
    """How many invited people gave each reply, for each of these sessions."""
    counts = {session_id: Counter() for session_id in session_ids}
    if session_ids:
        rows = db.session.execute(
            select(GroupInvite.session_id, GroupInvite.reply, func.count())
            .where(GroupInvite.session_id.in_(session_ids))
            .group_by(GroupInvite.session_id, GroupInvite.reply)
        )
        for session_id, reply, number in rows:
            counts[session_id][Reply(reply)] = number
    return counts


def invite_of(session_id: int, user_id: int) -> GroupInvite | None:
    """The person's invitation to the session, if they have one."""
    return db.session.get(GroupInvite, (session_id, user_id))


def invitees(session_id: int) -> list[GroupInvite]:
    """Every invitation with its person, by name."""
    return list(
        db.session.scalars(
            select(GroupInvite)
            .join(User, User.id == GroupInvite.user_id)
            .options(joinedload(GroupInvite.user).lazyload(User.role_rows))
            .where(GroupInvite.session_id == session_id)
            .order_by(User.display_name, User.id)
        )
    )


def by_reply(invites: list[GroupInvite]) -> dict[Reply, list[GroupInvite]]:
    """The invitations grouped by reply, in the order the organiser's lists show them; the
    waiting list in its turn, the others by name."""
    grouped = {reply: [] for reply in LISTED}
    for invite in invites:
        grouped[Reply(invite.reply)].append(invite)
    grouped[Reply.WAITING].sort(key=lambda i: i.queued_at.timestamp() if i.queued_at else 0)
    return grouped


@dataclass(frozen=True)
class Feedback:
    """The attendees' ratings and lines, with no one's name."""

    count: int
    average: float | None
    comments: list[str]


def feedback_of(session_id: int) -> Feedback:
    """How many rated the session, the average rating, and the lines given, unattributed."""
    rows = db.session.execute(
        select(GroupFeedback.rating, GroupFeedback.comment)
        .where(GroupFeedback.session_id == session_id)
        # Ordered by what was said, never by who or when, so no line points to its writer.
        .order_by(GroupFeedback.rating.desc(), GroupFeedback.comment)
    ).all()
    ratings = [rating for rating, _ in rows]
    average = round(sum(ratings) / len(ratings), 1) if ratings else None
    return Feedback(len(rows), average, [comment for _, comment in rows if comment])


def gave_feedback(session_id: int, user_id: int) -> bool:
    """Whether this attendee has already rated the session."""
    return db.session.get(GroupFeedback, (session_id, user_id)) is not None


def teams() -> list[Team]:
    """The teams to invite, by name."""
    return list(db.session.scalars(select(Team).order_by(Team.name)))


def mentors() -> list[User]:
    """Active mentors an administrator may organise a session for, by name."""
    mentor_ids = ids_with_role(Role.MENTOR.value)
    return list(
        db.session.scalars(
            select(User)
            .options(joinedload(User.role_rows))
            .where(User.active, User.id.in_(mentor_ids))
            .order_by(User.display_name)
        ).unique()
    )
