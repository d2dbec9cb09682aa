"""Who runs a group session, and its place in the organising mentor's diary: checked against
their calendar and held under the same per-mentor lock and overlap guard as requests."""

from collections.abc import Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import Role, User
from ..models_requests import MentorHold
from ..services import availability
from ..services.availability_store import load_calendars
from .errors import GroupSessionError
from .models import GroupInvite, GroupSession

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
    try:
        with db.session.begin_nested():
            db.session.add(
                MentorHold(
                    group_session_id=session.id,
                    mentor_id=session.organiser_id,
                    starts_at=session.starts_at,
                    ends_at=session.ends_at,
                    kind=KIND,
                )
            )
            db.session.flush()
    except IntegrityError:
        return False
    return True


def release(session_ids: Iterable[int]) -> None:
    """Free the organiser's time these sessions held."""
    ids = list(session_ids)
    db.session.execute(delete(MentorHold).where(MentorHold.group_session_id.in_(ids)))


def held(session_id: int) -> MentorHold | None:
    """The hold a session keeps in its organiser's diary, if any."""
    return db.session.scalar(select(MentorHold).where(MentorHold.group_session_id == session_id))
