"""What the one-to-one pages read: an agreement's sessions, counts and open actions."""

from collections import Counter
from datetime import datetime
from functools import cache

from sqlalchemy import bindparam, case, func, or_, select
from sqlalchemy.orm import aliased, contains_eager, joinedload

from nqsw_visits.agreements.evidence import Evidence
from nqsw_visits.core.extensions import db
from nqsw_visits.core.paging import paginate
from nqsw_visits.one_to_ones.models import OneToOne, SessionAction, SessionKind, SessionStatus
from nqsw_visits.people.models import User

CARRIED_PER_PAGE = 10
ONE_TO_ONE = OneToOne.kind == SessionKind.ONE_TO_ONE.value


@cache  # built once, run with {"agreement_id": ...}
def sessions_of():
    """An agreement's one-to-ones, newest first (a select, for paging)."""
    return (
        select(OneToOne)
        .options(joinedload(OneToOne.mentor).lazyload(User.role_rows))
        .where(OneToOne.agreement_id == bindparam("agreement_id"), ONE_TO_ONE)
        .order_by(OneToOne.starts_at.desc(), OneToOne.id.desc())
    )


def summary(agreement_id: int, now: datetime) -> dict:
    """How many are booked ahead, held, missed, cancelled, and to write up; the next date."""
    rows = db.session.execute(_summary(), {"agreement_id": agreement_id, "now": now}).all()
    counts, upcoming = Counter(), None
    for status, coming, past, first in rows:
        if status == SessionStatus.BOOKED.value:
            counts["ahead"] += coming
            counts["to_write"] += past
            upcoming = first
        else:
            counts[status] += coming + past
    return {"counts": counts, "next": upcoming}


def carried_actions(session: OneToOne, user: User, current_mentor_id: int | None):
    """A page of the open actions from this agreement's earlier sessions that the person
    may read (rules.may_read, as a condition), oldest first, and how many in all."""
    params = {
        "agreement_id": session.agreement_id,
        "session_id": session.id,
        "starts_at": session.starts_at,
        "user_id": user.id,
    }
    query = _carried(shared_onward=user.id == current_mentor_id)
    return paginate(query, CARRIED_PER_PAGE, name="carried", params=params)


@cache  # built once for the current mentor and once for anyone else
def _carried(shared_onward: bool):
    user_id = bindparam("user_id")
    readable = [OneToOne.mentor_id == user_id, OneToOne.nqsw_id == user_id]
    if shared_onward:
        readable.append(OneToOne.shared_onward.is_(True))
    return (
        select(SessionAction)
        .join(OneToOne, OneToOne.id == SessionAction.session_id)
        .options(
            contains_eager(SessionAction.session),
            joinedload(SessionAction.owner).lazyload(User.role_rows),
        )
        .where(
            SessionAction.agreement_id == bindparam("agreement_id"),
            SessionAction.done_at.is_(None),
            SessionAction.session_id != bindparam("session_id"),
            OneToOne.starts_at < bindparam("starts_at"),
            or_(*readable),
        )
        .order_by(OneToOne.starts_at, SessionAction.id)
    )


@cache
def _summary():
    ahead = OneToOne.starts_at > bindparam("now")
    return (
        select(
            OneToOne.status,
            func.count().filter(ahead),
            func.count().filter(~ahead),
            func.min(OneToOne.starts_at).filter(ahead),
        )
        .where(OneToOne.agreement_id == bindparam("agreement_id"), ONE_TO_ONE)
        .group_by(OneToOne.status)
    )


IN_CALENDAR = (SessionStatus.BOOKED.value, SessionStatus.HELD.value)


def in_feed(user_id: int, since: datetime, until: datetime) -> list:
    """A person's one-to-ones going ahead or held in the window: id, other person, times."""
    return db.session.execute(
        _in_feed(), {"user_id": user_id, "since": since, "until": until}
    ).all()


@cache  # built once: every calendar app's fetch of a feed runs it
def _in_feed():
    other, user_id = aliased(User), bindparam("user_id")
    viewer_is_nqsw = OneToOne.nqsw_id == user_id
    return (
        select(OneToOne.id, other.display_name, OneToOne.starts_at, OneToOne.ends_at)
        .join(other, other.id == case((viewer_is_nqsw, OneToOne.mentor_id), else_=OneToOne.nqsw_id))
        .where(
            or_(viewer_is_nqsw, OneToOne.mentor_id == user_id),
            ONE_TO_ONE,
            OneToOne.status.in_(IN_CALENDAR),
            OneToOne.ends_at >= bindparam("since"),
            OneToOne.starts_at < bindparam("until"),
        )
        .order_by(OneToOne.starts_at)
    )


def held_for_review(agreement, mentor_id: int, viewer_id: int, starts, ends) -> list[Evidence]:
    """A review's evidence: one-to-ones held from starts until ends, in one query; linked for
    the NQSW, the mentor who held it, and the mentor where it was shared onward (the manager
    never opens a session)."""
    nqsw, mentor = viewer_id == agreement.nqsw_id, viewer_id == mentor_id
    sessions = db.session.execute(
        select(OneToOne.id, OneToOne.starts_at, OneToOne.mentor_id, OneToOne.shared_onward).where(
            OneToOne.agreement_id == agreement.id,
            OneToOne.kind == SessionKind.ONE_TO_ONE.value,
            OneToOne.status == SessionStatus.HELD.value,
            OneToOne.starts_at >= starts,
            OneToOne.starts_at < ends,
        )
    ).all()
    found = []
    for id_, starts_at, held_by, onward in sessions:
        opens = nqsw or viewer_id == held_by or (mentor and onward)
        found.append(
            Evidence(starts_at, "One-to-one", "Held", f"/one-to-ones/{id_}" if opens else None)
        )
    return found
