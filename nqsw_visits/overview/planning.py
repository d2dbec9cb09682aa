"""Planned support for a practice manager's teams, and who is going without."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import joinedload, lazyload

from nqsw_visits.availability import holidays as bank_holidays
from nqsw_visits.core.extensions import db
from nqsw_visits.people.models import MentorAssignment, Role, User
from nqsw_visits.people.queries import managed_team_ids, with_role
from nqsw_visits.support_requests.models import HOLDING, RequestStatus, SupportRequest

PLANNED = sorted(HOLDING)


@dataclass
class PlannedSupport:
    """What a manager sees: requests in the period, and the flags."""

    nqsws: list[User]
    requests: list[SupportRequest]
    mentors: list[User]
    without_support: list[User] = field(default_factory=list)
    unanswered: list[SupportRequest] = field(default_factory=list)


def team_nqsws(manager: User) -> list[User]:
    """Active NQSWs in the teams this manager leads."""
    return list(db.session.scalars(_statements()["nqsws"], {"manager_id": manager.id}))


def team_mentors(manager: User, nqsw_ids: list[int]) -> list[User]:
    """Active mentors in the manager's teams, and the mentors of those teams' NQSWs."""
    params = {"manager_id": manager.id, "nqsw_ids": nqsw_ids}
    return list(db.session.scalars(_statements()["mentors"], params))


@cache
def _statements() -> dict:
    # Built once: planned support runs all three on every view.
    teams = managed_team_ids(bindparam("manager_id"))
    nqsw_ids = bindparam("nqsw_ids", expanding=True)
    assigned = select(MentorAssignment.mentor_id).where(MentorAssignment.nqsw_id.in_(nqsw_ids))
    return {
        "nqsws": with_role(Role.NQSW)
        .where(User.active, User.team_id.in_(teams))
        .options(lazyload(User.role_rows))
        .order_by(User.display_name),
        "mentors": with_role(Role.MENTOR)
        .where(User.active)
        .where(or_(User.team_id.in_(teams), User.id.in_(assigned)))
        .options(lazyload(User.role_rows)),
        "requests": select(SupportRequest)
        .where(
            SupportRequest.nqsw_id.in_(nqsw_ids),
            SupportRequest.status.in_(PLANNED),
            SupportRequest.ends_at > bindparam("after"),
            SupportRequest.starts_at < bindparam("before"),
        )
        # Both people in the same statement: many-to-one, so no rows are repeated.
        .options(
            joinedload(SupportRequest.nqsw).lazyload(User.role_rows),
            joinedload(SupportRequest.mentor).lazyload(User.role_rows),
        )
        .order_by(SupportRequest.starts_at),
    }


def planned_support(
    manager: User,
    monday: date,
    weeks: int,
    zone: ZoneInfo,
    now: datetime,
    nqsw_id: int | None = None,
    mentor_id: int | None = None,
) -> PlannedSupport:
    """Requests and accepted support from a Monday for some weeks, with the flags."""
    nqsws = team_nqsws(manager)
    ids = [n.id for n in nqsws]
    start = datetime.combine(monday, time(0), tzinfo=zone)
    end = start + timedelta(weeks=weeks)
    horizon = now + timedelta(days=14)
    span = {"nqsw_ids": ids, "after": min(start, now), "before": max(end, horizon)}
    rows = db.session.scalars(_statements()["requests"], span).all()
    holidays = bank_holidays.every_day()
    overdue_before = now
    # Unanswered for more than 2 working days: asked before "now minus 2 working days".
    for _ in range(2):
        overdue_before = _previous_working_day(overdue_before, zone, holidays)
    supported = {r.nqsw_id for r in rows if r.starts_at < horizon and r.ends_at > now}
    in_period = [r for r in rows if r.ends_at > start and r.starts_at < end]
    # Whoever the period's requests are with stays choosable, even if no longer assigned.
    listed = team_mentors(manager, ids) + [r.mentor for r in in_period]
    mentors = sorted({m.id: m for m in listed}.values(), key=lambda m: m.display_name)
    shown = [
        r
        for r in in_period
        if (nqsw_id is None or r.nqsw_id == nqsw_id)
        and (mentor_id is None or r.mentor_id == mentor_id)
    ]
    return PlannedSupport(
        nqsws=nqsws,
        requests=shown,
        mentors=mentors,
        without_support=[n for n in nqsws if n.id not in supported],
        unanswered=[
            r for r in rows if r.status == RequestStatus.REQUESTED and r.created_at < overdue_before
        ],
    )


def _previous_working_day(moment: datetime, zone: ZoneInfo, holidays: frozenset[date]):
    local = moment.astimezone(zone)
    day = local.date() - timedelta(days=1)
    while day.weekday() >= 5 or day in holidays:
        day -= timedelta(days=1)
    return datetime.combine(day, local.timetz().replace(tzinfo=None), tzinfo=zone)
