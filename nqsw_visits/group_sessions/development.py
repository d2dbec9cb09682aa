"""Group sessions as development time: what a person attended, and what they said they
would come to but missed."""

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import bindparam, select

from nqsw_visits.core.extensions import db
from nqsw_visits.group_sessions.models import GroupInvite, GroupSession, Reply, SessionState

# A person who said they would (or might) come and was marked absent missed the session.
EXPECTED = frozenset({Reply.GOING.value, Reply.MAYBE.value})


@dataclass(frozen=True)
class DevelopmentTime:
    """Sessions attended and missed, and the attended sessions' minutes."""

    attended: int
    missed: int
    minutes: int


@dataclass(frozen=True)
class Invited:
    """A session the person was invited to, their reply, and whether they came."""

    session: GroupSession
    reply: Reply
    attended: bool | None  # None until the register is marked

    @property
    def missed(self) -> bool:
        return self.attended is False and self.reply.value in EXPECTED


def _span(user_id: int, since: datetime, until: datetime) -> dict:
    return {"user_id": user_id, "since": since, "until": until}


def _invited():
    """Sessions going ahead that started in [since, until) and the person's invitation."""
    return (
        select(GroupSession, GroupInvite.reply, GroupInvite.attended)
        .join(GroupInvite, GroupInvite.session_id == GroupSession.id)
        .where(
            GroupInvite.user_id == bindparam("user_id"),
            GroupSession.state == SessionState.SCHEDULED.value,
            GroupSession.starts_at >= bindparam("since"),
            GroupSession.starts_at < bindparam("until"),
        )
    )


@cache  # built once: the progress page runs it
def _sessions():
    return _invited().order_by(GroupSession.starts_at.desc(), GroupSession.id.desc())


def sessions_of(user_id: int, since: datetime, until: datetime) -> list[Invited]:
    """The sessions the person was invited to that started in the span, latest first."""
    rows = db.session.execute(_sessions(), _span(user_id, since, until))
    return [Invited(session, Reply(reply), attended) for session, reply, attended in rows]


def development_time(user_id: int, since: datetime, until: datetime) -> DevelopmentTime:
    """Attended sessions that started in the span, their minutes, and those missed."""
    return time_given(sessions_of(user_id, since, until))


def time_given(invited: list[Invited]) -> DevelopmentTime:
    """Development time from the sessions `sessions_of` read for a span."""
    came = [found.session for found in invited if found.attended]
    return DevelopmentTime(
        attended=len(came),
        missed=sum(1 for found in invited if found.missed),
        minutes=sum(int((s.ends_at - s.starts_at).total_seconds()) // 60 for s in came),
    )
