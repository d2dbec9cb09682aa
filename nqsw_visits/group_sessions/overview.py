"""What the home and progress pages show of group sessions: bounded reads, loaded eagerly."""

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import and_, bindparam, func, or_, select
from sqlalchemy.orm import aliased, joinedload

from nqsw_visits.core.extensions import db
from nqsw_visits.group_sessions import development
from nqsw_visits.group_sessions.models import GroupInvite, GroupSession, Reply, SessionState
from nqsw_visits.people.models import User


@dataclass(frozen=True)
class Upcoming:
    """A session ahead: the person's reply (None when they only organise it) and who is going."""

    session: GroupSession
    reply: Reply | None
    going: int
    organising: bool

    @property
    def places_left(self) -> int:
        return max(self.session.capacity - self.going, 0)


def upcoming_for(user_id: int, now: datetime, limit: int = 5) -> list[Upcoming]:
    """Sessions not yet over that the person is invited to or organises, soonest first."""
    found = db.session.execute(_upcoming(limit), {"user_id": user_id, "now": now})
    return [
        Upcoming(
            session=session,
            reply=Reply(reply) if reply is not None else None,
            going=count,
            organising=session.organiser_id == user_id,
        )
        for session, reply, count in found
    ]


@cache
def _upcoming(limit: int):
    # Built once: the NQSW and mentor homes run it on every view.
    user_id, mine = bindparam("user_id"), aliased(GroupInvite)
    going = (
        select(func.count())
        .where(GroupInvite.session_id == GroupSession.id, GroupInvite.reply == Reply.GOING.value)
        .correlate(GroupSession)
        .scalar_subquery()
    )
    return (
        select(GroupSession, mine.reply, going)
        .outerjoin(mine, and_(mine.session_id == GroupSession.id, mine.user_id == user_id))
        .where(
            GroupSession.state == SessionState.SCHEDULED.value,
            GroupSession.ends_at > bindparam("now"),
            or_(GroupSession.organiser_id == user_id, mine.user_id.is_not(None)),
        )
        .options(joinedload(GroupSession.organiser).lazyload(User.role_rows))
        .order_by(GroupSession.starts_at, GroupSession.id)
        .limit(limit)
    )


@dataclass(frozen=True)
class Progress:
    """An NQSW's group sessions over a span: the time they count, and each one invited to."""

    time: development.DevelopmentTime
    sessions: list

    @property
    def duration(self) -> str:
        return hours_and_minutes(self.time.minutes)


def for_progress(nqsw_id: int, since: datetime, until: datetime) -> Progress:
    """Development time from group sessions attended between `since` and `until`, and each past
    session the NQSW was invited to with whether they came."""
    sessions = development.sessions_of(nqsw_id, since, until)
    return Progress(time=development.time_given(sessions), sessions=sessions)


def hours_and_minutes(minutes: int) -> str:
    """Minutes as the pages write a length of time: 3 hours 30 minutes."""
    hours, rest = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if rest or not hours:
        parts.append(f"{rest} minute{'s' if rest != 1 else ''}")
    return " ".join(parts)
