"""Group sessions stored as rows, for the telling, reminder and feed tests."""

from datetime import datetime

from nqsw_visits.core import clock
from nqsw_visits.core.extensions import db
from nqsw_visits.group_sessions.models import GroupGuest, GroupInvite, GroupSession, Reply
from nqsw_visits.people.models import User


def stored_session(
    organiser: User,
    starts_at: datetime,
    ends_at: datetime,
    replies: dict[User, Reply] | None = None,
    topic: str = "Court skills",
    place: str = "Room 4, Town Hall",
    capacity: int = 10,
) -> GroupSession:
    """A scheduled session with these people invited and their replies, committed."""
    now = clock.now()
    session = GroupSession(
        organiser_id=organiser.id,
        topic=topic,
        starts_at=starts_at,
        ends_at=ends_at,
        place=place,
        capacity=capacity,
        created_by_id=organiser.id,
        created_at=now,
    )
    db.session.add(session)
    db.session.flush()
    for person, reply in (replies or {}).items():
        db.session.add(
            GroupInvite(
                session_id=session.id,
                user_id=person.id,
                reply=reply.value,
                replied_at=None if reply is Reply.NONE else now,
                queued_at=now if reply is Reply.WAITING else None,
            )
        )
    db.session.commit()
    return session


def stored_guest(session: GroupSession, name: str, email: str, **fields) -> GroupGuest:
    guest = GroupGuest(session_id=session.id, name=name, email=email, **fields)
    db.session.add(guest)
    db.session.commit()
    return guest
