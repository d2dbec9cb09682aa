"""What the lists of requests read: an NQSW's requests, and the mentor's inbox (their
requests by status, why a waiting one would clash, the counts its headings show)."""

from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo

from sqlalchemy import Select, bindparam, case, func, select
from sqlalchemy.orm import joinedload, selectinload

from nqsw_visits.availability import free_time as availability
from nqsw_visits.availability.calendars import load_calendars
from nqsw_visits.core.extensions import db
from nqsw_visits.people.models import User
from nqsw_visits.support_requests.models import HOLDING, RequestStatus, SupportRequest


@cache
def nqsw_requests() -> Select:
    """Everything the NQSW (`nqsw_id`) asked for: upcoming (ending after `now`) soonest
    first, then past, latest first. Built once, for every NQSW."""
    upcoming = SupportRequest.ends_at >= bindparam("now")
    return (
        select(SupportRequest)
        .where(SupportRequest.nqsw_id == bindparam("nqsw_id"))
        .order_by(
            case((upcoming, 0), else_=1),
            case((upcoming, SupportRequest.starts_at)),
            SupportRequest.starts_at.desc(),
            SupportRequest.id,
        )
        # One query for all the mentors' names, and none for their roles.
        .options(selectinload(SupportRequest.mentor).lazyload(User.role_rows))
    )


def _mentor_requests(*statuses: RequestStatus) -> Select:
    """The mentor's (`mentor_id`) requests in these statuses, each with its NQSW."""
    return (
        select(SupportRequest)
        .where(
            SupportRequest.mentor_id == bindparam("mentor_id"),
            SupportRequest.status.in_(statuses),
        )
        # Each card names the NQSW: in the same query (the mentor is you, already loaded).
        .options(joinedload(SupportRequest.nqsw).lazyload(User.role_rows))
    )


@cache
def waiting_for_answer() -> Select:
    """The mentor's (`mentor_id`) requests waiting for an answer, urgent first."""
    # Built once: the inbox is a mentor's most used page, and a statement built afresh
    # costs its construction and its cache key on every view.
    return _mentor_requests(RequestStatus.REQUESTED).order_by(
        SupportRequest.urgent.desc(), SupportRequest.starts_at, SupportRequest.id
    )


@cache
def agreed_between() -> Select:
    """The mentor's (`mentor_id`) agreed or offered requests overlapping `start` to `end`."""
    return (
        _mentor_requests(RequestStatus.ACCEPTED, RequestStatus.ALTERNATIVE_PROPOSED)
        .where(
            SupportRequest.starts_at < bindparam("end"), SupportRequest.ends_at > bindparam("start")
        )
        .order_by(SupportRequest.starts_at, SupportRequest.id)
    )


def inbox_clashes(
    mentor_id: int, rows: list[SupportRequest], zone: ZoneInfo, now: datetime
) -> dict[int, dict]:
    """Why the mentor could not now take each waiting request, and what it clashes with."""
    waiting = [r for r in rows if r.status == RequestStatus.REQUESTED]
    if not waiting:
        return {}
    start = min(r.starts_at for r in waiting)
    end = max(r.ends_at for r in waiting)
    calendar = load_calendars([mentor_id], start, end, zone)[mentor_id]
    found = {}
    for item in waiting:
        verdict = availability.check(
            calendar, item.starts_at, item.ends_at, item.kind, now, ignore_ref=item.id
        )
        if verdict.reasons:
            clashing = availability.clashing(
                calendar, item.starts_at, item.ends_at, item.kind, item.id
            )
            found[item.id] = {
                "reasons": [reason.text for reason in verdict.reasons],
                "with": [other for other, _ in clashing],
            }
    return found


def inbox_counts(item: SupportRequest) -> dict:
    """What the inbox's headings should now say around a card swapped in place."""
    rows = db.session.execute(
        select(SupportRequest.status, func.count())
        .where(
            SupportRequest.mentor_id == item.mentor_id,
            SupportRequest.id != item.id,
            SupportRequest.status.in_(sorted(HOLDING)),
        )
        .group_by(SupportRequest.status)
    ).all()
    by_status = dict(rows)
    waiting = by_status.pop(RequestStatus.REQUESTED, 0)
    # The card stays where it was until the page is loaded again.
    return {
        "waiting": waiting + (item.status == RequestStatus.REQUESTED),
        "others": sum(by_status.values()),
    }
