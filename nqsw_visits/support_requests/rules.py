"""Support requests: asking, answering and the state machine, with no double booking.

Every change runs under a per-mentor lock (SELECT ... FOR UPDATE on PostgreSQL; SQLite
transactions already begin IMMEDIATE), moves the status with a conditional UPDATE, and
keeps the mentor's held time in mentor_holds, where the database refuses overlaps.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from nqsw_visits.availability.holds import lock_mentor
from nqsw_visits.availability.models import MentorHold
from nqsw_visits.core.extensions import db
from nqsw_visits.notifications.notify import notify
from nqsw_visits.people import audit
from nqsw_visits.people.models import MentorAssignment, User
from nqsw_visits.support_requests.details import (
    Details,
    SchedulingError,
    check_case_reference,
    check_free,
    conflict,
)
from nqsw_visits.support_requests.models import STEPS, RequestEvent, RequestStatus, SupportRequest

S = RequestStatus


def _hold(request: SupportRequest, mentor_id: int, starts: datetime, ends: datetime) -> None:
    db.session.execute(delete(MentorHold).where(MentorHold.request_id == request.id))
    db.session.add(
        MentorHold(
            request_id=request.id,
            mentor_id=mentor_id,
            starts_at=starts,
            ends_at=ends,
            kind=request.kind,
        )
    )
    try:
        db.session.flush()
    except IntegrityError:
        raise conflict("Someone else has just booked that time with this mentor.") from None


def _release(request: SupportRequest) -> None:
    db.session.execute(delete(MentorHold).where(MentorHold.request_id == request.id))


def _record(request, actor, action, from_status, reason="") -> None:
    db.session.add(
        RequestEvent(
            request_id=request.id,
            actor_id=actor.id if actor else None,
            action=action,
            from_status=from_status,
            to_status=request.status,
            reason=reason,
        )
    )
    audit.record(f"request.{action}", actor=actor, obj=request, status=request.status)


def ask(
    nqsw: User, mentor_id: int, details: Details, zone: ZoneInfo, now: datetime
) -> SupportRequest:
    """An NQSW asks one of their mentors; the time is held until the mentor answers."""
    if db.session.get(MentorAssignment, (nqsw.id, mentor_id)) is None:
        raise SchedulingError("Choose one of your mentors", field="mentor")
    check_case_reference(details)
    if details.ends_at <= details.starts_at:
        raise SchedulingError("The end time must be after the start time", field="ends")
    lock_mentor(mentor_id)
    verdict = check_free(mentor_id, details.kind, details.starts_at, details.ends_at, zone, now)
    request = SupportRequest(
        nqsw_id=nqsw.id,
        mentor_id=mentor_id,
        urgent=verdict.urgent,
        **{**details.__dict__, "kind": details.kind.value},
    )
    db.session.add(request)
    db.session.flush()
    _hold(request, mentor_id, details.starts_at, details.ends_at)
    _record(request, nqsw, "asked", None)
    notify(request.mentor, f"{nqsw.display_name} asked you for support", request)
    return request


def _move(request: SupportRequest, from_statuses, to_status: S, now: datetime, **values) -> None:
    """The conditional status change: it only happens if nobody moved the request first."""
    result = db.session.execute(
        update(SupportRequest)
        .where(
            SupportRequest.id == request.id,
            SupportRequest.status.in_([s.value for s in from_statuses]),
        )
        .values(
            status=to_status.value,
            sequence=SupportRequest.sequence + 1,
            updated_at=now,
            **values,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise conflict("This request has changed since you opened it. Reload to see it now.")
    db.session.refresh(request)


def _require(actor: User, *allowed_ids: int) -> None:
    if actor.id not in allowed_ids:
        raise SchedulingError("You cannot change this request", status=404)


def _reason(reason: str) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise SchedulingError("Enter a reason", field="reason")
    return reason[:500]


def accept(mentor: User, request: SupportRequest, zone: ZoneInfo, now: datetime) -> None:
    """The mentor says yes; the time must still be free."""
    _require(mentor, request.mentor_id)
    lock_mentor(request.mentor_id)
    check_free(
        request.mentor_id,
        request.kind,
        request.starts_at,
        request.ends_at,
        zone,
        now,
        ignore_ref=request.id,
    )
    _move(request, STEPS["accept"], S.ACCEPTED, now)
    _record(request, mentor, "accepted", S.REQUESTED)
    notify(request.nqsw, f"{mentor.display_name} will come with you", request)


def decline(mentor: User, request: SupportRequest, reason: str, now: datetime) -> None:
    """The mentor says no, with a reason; the time is released."""
    _require(mentor, request.mentor_id)
    reason = _reason(reason)
    lock_mentor(request.mentor_id)
    _move(request, STEPS["decline"], S.DECLINED, now)
    _release(request)
    _record(request, mentor, "declined", S.REQUESTED, reason)
    notify(request.nqsw, f"{mentor.display_name} cannot come", request)


def propose(
    mentor: User,
    request: SupportRequest,
    starts: datetime,
    ends: datetime,
    zone: ZoneInfo,
    now: datetime,
    reason: str = "",
) -> None:
    """The mentor offers another time (also how an accepted event is rescheduled)."""
    _require(mentor, request.mentor_id)
    if ends <= starts:
        raise SchedulingError("The end time must be after the start time", field="ends")
    lock_mentor(request.mentor_id)
    check_free(request.mentor_id, request.kind, starts, ends, zone, now, request.id)
    before = request.status
    _move(
        request,
        STEPS["propose"],
        S.ALTERNATIVE_PROPOSED,
        now,
        proposed_starts_at=starts,
        proposed_ends_at=ends,
    )
    _hold(request, request.mentor_id, starts, ends)
    _record(request, mentor, "proposed", before, reason)
    notify(request.nqsw, f"{mentor.display_name} offered another time", request)


def take_proposal(nqsw: User, request: SupportRequest, now: datetime) -> None:
    """The NQSW takes the offered time; the request is accepted at that time."""
    _require(nqsw, request.nqsw_id)
    lock_mentor(request.mentor_id)
    _move(
        request,
        STEPS["take_proposal"],
        S.ACCEPTED,
        now,
        starts_at=request.proposed_starts_at,
        ends_at=request.proposed_ends_at,
        proposed_starts_at=None,
        proposed_ends_at=None,
    )
    _record(request, nqsw, "took_proposal", S.ALTERNATIVE_PROPOSED)
    notify(request.mentor, f"{nqsw.display_name} took the time you offered", request)


def change_time(
    nqsw: User,
    request: SupportRequest,
    starts: datetime,
    ends: datetime,
    zone: ZoneInfo,
    now: datetime,
    reason: str = "",
) -> None:
    """The NQSW moves the event (the family or court moved it); the mentor answers again."""
    _require(nqsw, request.nqsw_id)
    if ends <= starts:
        raise SchedulingError("The end time must be after the start time", field="ends")
    lock_mentor(request.mentor_id)
    verdict = check_free(request.mentor_id, request.kind, starts, ends, zone, now, request.id)
    before = request.status
    _move(
        request,
        STEPS["change_time"],
        S.REQUESTED,
        now,
        starts_at=starts,
        ends_at=ends,
        urgent=verdict.urgent,
    )
    _hold(request, request.mentor_id, starts, ends)
    _record(request, nqsw, "time_changed", before, reason)
    notify(request.mentor, f"{nqsw.display_name} changed the time of a request", request)


def withdraw(nqsw: User, request: SupportRequest, now: datetime, reason: str = "") -> None:
    """The NQSW withdraws a request not yet accepted (or turns down an offered time)."""
    _require(nqsw, request.nqsw_id)
    lock_mentor(request.mentor_id)
    before = request.status
    _move(request, STEPS["withdraw"], S.WITHDRAWN, now)
    _release(request)
    _record(request, nqsw, "withdrawn", before, reason)
    notify(request.mentor, f"{nqsw.display_name} withdrew a request", request)


def hand_over(
    mentor: User, request: SupportRequest, new_mentor: User, zone: ZoneInfo, now: datetime
) -> None:
    """Pass a request to another mentor, who then accepts or declines it."""
    _require(mentor, request.mentor_id)
    if new_mentor.id in (mentor.id, request.nqsw_id) or not new_mentor.active:
        raise SchedulingError("Choose another mentor", field="mentor")
    lock_mentor(request.mentor_id, new_mentor.id)
    check_free(new_mentor.id, request.kind, request.starts_at, request.ends_at, zone, now)
    _move(request, STEPS["hand_over"], S.REQUESTED, now, mentor_id=new_mentor.id)
    _hold(request, new_mentor.id, request.starts_at, request.ends_at)
    _record(request, mentor, "handed_over", S.REQUESTED, f"to {new_mentor.display_name}")
    notify(new_mentor, f"{mentor.display_name} passed you a request for support", request)
    notify(
        request.nqsw,
        f"{mentor.display_name} passed your request to {new_mentor.display_name}",
        request,
    )


def cancel(actor: User, request: SupportRequest, reason: str, now: datetime) -> None:
    """Either side cancels an accepted event, with a reason."""
    _require(actor, request.mentor_id, request.nqsw_id)
    reason = _reason(reason)
    lock_mentor(request.mentor_id)
    _move(request, STEPS["cancel"], S.CANCELLED, now)
    _release(request)
    _record(request, actor, "cancelled", S.ACCEPTED, reason)
    other = request.nqsw if actor.id == request.mentor_id else request.mentor
    notify(other, f"{actor.display_name} cancelled a planned request", request)


def did_not_happen(mentor: User, request: SupportRequest, reason: str, now: datetime) -> None:
    """The mentor records that an accepted event did not take place."""
    _require(mentor, request.mentor_id)
    if request.starts_at > now:
        raise SchedulingError("You can only say this once the start time has passed")
    reason = _reason(reason)
    lock_mentor(request.mentor_id)
    before = request.status
    _move(request, STEPS["did_not_happen"], S.DID_NOT_HAPPEN, now)
    _release(request)
    _record(request, mentor, "did_not_happen", before, reason)


def complete_past(now: datetime) -> int:
    """Mark accepted events that have ended as completed; returns how many."""
    done = db.session.scalars(
        select(SupportRequest).where(
            SupportRequest.status == S.ACCEPTED.value, SupportRequest.ends_at <= now
        )
    ).all()
    lock_mentor(*(request.mentor_id for request in done))
    for request in done:
        _move(request, STEPS["complete"], S.COMPLETED, now)
        _record(request, None, "completed", S.ACCEPTED)
    return len(done)
