"""A reminder the day before each group session, to those going or who said maybe: once,
without case detail, however many runs there are and whether or not they overlap."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from nqsw_visits.core.dates import twelve_hour
from nqsw_visits.core.extensions import db
from nqsw_visits.group_sessions.models import GroupInvite, GroupSession, Reply, SessionState
from nqsw_visits.notifications import notify
from nqsw_visits.people import audit
from nqsw_visits.people.models import User

TOLD = (Reply.GOING.value, Reply.MAYBE.value)


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The moments a local calendar day begins and the next begins (23 or 25 hours apart
    on the days the clocks change)."""
    start = datetime.combine(day, time(0), tzinfo=zone)
    return start, datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)


def remind_due(now: datetime, zone: ZoneInfo) -> int:
    """Remind about each scheduled session on the next local day; how many sessions."""
    since, until = day_bounds(now.astimezone(zone).date() + timedelta(days=1), zone)
    due = db.session.scalars(
        select(GroupSession.id)
        .where(
            GroupSession.state == SessionState.SCHEDULED.value,
            GroupSession.reminded_at.is_(None),
            GroupSession.starts_at >= since,
            GroupSession.starts_at < until,
        )
        .order_by(GroupSession.starts_at, GroupSession.id)
    ).all()
    count = 0
    for session_id in due:
        if _claim(session_id, now):
            _tell(db.session.get(GroupSession, session_id), zone)
            count += 1
    return count


def _claim(session_id: int, now: datetime) -> bool:
    """Mark the session reminded; False when another run (or a cancellation) came first."""
    result = db.session.execute(
        update(GroupSession)
        .where(
            GroupSession.id == session_id,
            GroupSession.reminded_at.is_(None),
            GroupSession.state == SessionState.SCHEDULED.value,
        )
        .values(reminded_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _tell(session: GroupSession, zone: ZoneInfo) -> None:
    db.session.refresh(session)
    people = db.session.scalars(
        select(User)
        .join(GroupInvite, GroupInvite.user_id == User.id)
        .where(GroupInvite.session_id == session.id, GroupInvite.reply.in_(TOLD))
        .order_by(User.id)
    ).all()
    local = session.starts_at.astimezone(zone)
    message = f"Tomorrow at {twelve_hour(local)}: group session {session.topic}"
    for person in people:
        notify.notify(person, message, link=f"/group-sessions/{session.id}")
    audit.record("group_session.reminded", obj=session, people=len(people))
