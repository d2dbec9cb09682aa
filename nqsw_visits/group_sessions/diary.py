"""Who runs a group session, and its place in the organising mentor's diary: checked against
their calendar and held under the same per-mentor lock and overlap guard as requests."""

from collections.abc import Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select

from nqsw_visits.availability import free_time as availability
from nqsw_visits.availability.calendars import load_calendars
from nqsw_visits.availability.holds import take_hold
from nqsw_visits.availability.models import MentorHold
from nqsw_visits.core.extensions import db
from nqsw_visits.group_sessions.errors import GroupSessionError
from nqsw_visits.group_sessions.models import GroupInvite, GroupSession, SessionState
from nqsw_visits.people.models import Role, User

KIND = "group_session"


def may_organise(actor: User, organiser: User) -> bool:
    """An active mentor for themselves, or an admin acting for one."""
    if not (organiser.active and organiser.has_role(Role.MENTOR)):
        return False
    return actor.id == organiser.id or actor.has_role(Role.ADMIN)


def may_manage(actor: User, session: GroupSession) -> bool:
    """The organiser of the session, or an admin."""
    return actor.id == session.organiser_id or actor.has_role(Role.ADMIN)


def must_manage(actor: User, session: GroupSession) -> None:
    if not may_manage(actor, session):
        raise GroupSessionError("Only the organiser or an admin does this", 403)


def invite_of(session: GroupSession, user_id: int) -> GroupInvite | None:
    return db.session.get(GroupInvite, (session.id, user_id))


def may_see(user: User, session: GroupSession) -> bool:
    """The organiser, an invited person, or an admin."""
    return may_manage(user, session) or invite_of(session, user.id) is not None


def reasons_busy(
    calendar: availability.MentorCalendar, starts: datetime, ends: datetime, now: datetime
) -> tuple[availability.Reason, ...]:
    """Why the organiser cannot take the session then; empty when they can."""
    return availability.check(calendar, starts, ends, KIND, now).reasons


def calendar_of(
    organiser_id: int, first: datetime, last: datetime, zone: ZoneInfo
) -> availability.MentorCalendar:
    return load_calendars([organiser_id], first - timedelta(days=1), last, zone)[organiser_id]


def said(reasons: Iterable[availability.Reason]) -> str:
    return "; ".join(reason.text for reason in reasons)


def hold(session: GroupSession) -> bool:
    """Hold the session's time; False when the database finds it taken after all."""
    return take_hold(
        session.organiser_id, session.starts_at, session.ends_at, KIND, group_session_id=session.id
    )


def lock_afresh(session: GroupSession) -> None:
    """Take the session's row lock, then read it afresh: replies, changes and invitations
    to one session take turns. The lock is on the bare row: PostgreSQL refuses FOR UPDATE
    over the outer joins a refresh would repeat from a page's eager loads."""
    db.session.execute(
        select(GroupSession.id).where(GroupSession.id == session.id).with_for_update()
    )
    db.session.refresh(session)


def later_dates(session: GroupSession, *, lock: bool = False) -> list[GroupSession]:
    """The scheduled dates of the session's series after it, soonest first."""
    if session.series_id is None:
        return []
    query = (
        select(GroupSession)
        .where(
            GroupSession.series_id == session.series_id,
            GroupSession.state == SessionState.SCHEDULED.value,
            GroupSession.starts_at > session.starts_at,
        )
        .order_by(GroupSession.starts_at)
    )
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return list(db.session.scalars(query))


def release(session_ids: Iterable[int]) -> None:
    """Free the organiser's time these sessions held."""
    ids = list(session_ids)
    db.session.execute(delete(MentorHold).where(MentorHold.group_session_id.in_(ids)))


def held(session_id: int) -> MentorHold | None:
    """The hold a session keeps in its organiser's diary, if any."""
    return db.session.scalar(select(MentorHold).where(MentorHold.group_session_id == session_id))
