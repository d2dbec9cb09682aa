"""The agreement's start meeting: booked in the mentor's diary, with the NQSW, the mentor and
the practice manager invited, under the same per-mentor lock and overlap guard as requests."""

from datetime import datetime, timedelta
from functools import cache

from icalendar import Calendar, Event
from sqlalchemy import bindparam, delete, literal_column, or_, select, update
from sqlalchemy.orm import aliased

from nqsw_visits.agreements import meetings
from nqsw_visits.agreements import rules as agreements
from nqsw_visits.agreements.models import MentoringAgreement
from nqsw_visits.availability import free_time as availability
from nqsw_visits.availability.calendars import load_calendars
from nqsw_visits.availability.holds import lock_mentor
from nqsw_visits.availability.models import MentorHold
from nqsw_visits.core.dates import twelve_hour
from nqsw_visits.core.extensions import db
from nqsw_visits.notifications import notify
from nqsw_visits.one_to_ones.models import OneToOne, SessionKind, SessionStatus
from nqsw_visits.one_to_ones.rules import OneToOneError, hold, move
from nqsw_visits.people import audit
from nqsw_visits.people.models import User

KIND = SessionKind.START_MEETING.value
LONGEST = timedelta(hours=3)
GOING_AHEAD = (SessionStatus.BOOKED.value, SessionStatus.HELD.value)


def invited(session: OneToOne) -> list[int]:
    """The three people asked to the meeting."""
    return [session.nqsw_id, session.mentor_id, session.manager_id]


def may_book(actor: User, agreement: MentoringAgreement) -> bool:
    """The NQSW, the mentor or the practice manager of an agreement that has not ended."""
    version = agreements.latest(agreement)
    return (
        agreement.ended_on is None and actor.id in agreements.parties(agreement, version).values()
    )


def going_ahead(agreement_id: int) -> OneToOne | None:
    """The agreement's start meeting that is booked or was held, if there is one."""
    return db.session.scalar(
        select(OneToOne)
        .where(
            OneToOne.agreement_id == agreement_id,
            OneToOne.kind == KIND,
            OneToOne.status.in_(GOING_AHEAD),
        )
        .order_by(OneToOne.starts_at.desc())
        .limit(1)
    )


def called_off(agreement_id: int) -> OneToOne | None:
    """The agreement's latest start meeting that was cancelled, if any."""
    return db.session.scalar(
        select(OneToOne)
        .where(
            OneToOne.agreement_id == agreement_id,
            OneToOne.kind == KIND,
            OneToOne.status == SessionStatus.CANCELLED.value,
        )
        .order_by(OneToOne.changed_at.desc())
        .limit(1)
    )


def book(
    actor: User, agreement: MentoringAgreement, starts_at: datetime, ends_at: datetime, zone, now
) -> OneToOne:
    """Book the start meeting in the mentor's diary and tell the other two. The caller commits."""
    if not may_book(actor, agreement):
        raise OneToOneError(
            "Only the three people of an open agreement book its start meeting", 403
        )
    _check_times(starts_at, ends_at)
    version = agreements.latest(agreement)
    lock_mentor(version.mentor_id)
    if going_ahead(agreement.id) is not None:
        raise OneToOneError(
            "The start meeting is already booked: cancel it before booking another time", 409
        )
    _check_free(version.mentor_id, starts_at, ends_at, zone, now)
    session = OneToOne(
        agreement_id=agreement.id,
        kind=KIND,
        mentor_id=version.mentor_id,
        nqsw_id=agreement.nqsw_id,
        manager_id=version.manager_id,
        starts_at=starts_at,
        ends_at=ends_at,
        booked_by_id=actor.id,
        created_at=now,
    )
    db.session.add(session)
    db.session.flush()
    if not hold(session):
        raise OneToOneError("Someone has just booked the mentor at that time: pick another", 409)
    audit.record("agreement.start_meeting_booked", actor=actor, obj=agreement, session=session.id)
    local = starts_at.astimezone(zone)
    when = f"{local:%-d %B} at {twelve_hour(local)}"
    _tell(actor, session, f"{actor.display_name} booked a mentoring start meeting on {when}")
    return session


def _check_times(starts_at: datetime, ends_at: datetime) -> None:
    if not starts_at < ends_at <= starts_at + LONGEST:
        raise OneToOneError("End the meeting after it starts, and within 3 hours", field="ends")


def _check_free(mentor_id: int, starts_at, ends_at, zone, now: datetime) -> None:
    calendar = load_calendars([mentor_id], starts_at - timedelta(days=1), ends_at, zone)
    verdict = availability.check(calendar[mentor_id], starts_at, ends_at, KIND, now)
    if not verdict.free:
        reasons = "; ".join(reason.text for reason in verdict.reasons)
        raise OneToOneError(f"The mentor is not free then: {reasons}.", 409, field="day")


def move_to(actor: User, session: OneToOne, starts_at, ends_at, zone, now: datetime) -> None:
    """Move a booked meeting that has not started; its calendar event keeps its UID."""
    if actor.id not in invited(session):
        raise OneToOneError("Only the three people invited move the start meeting", 403)
    if not session.may_cancel(now):
        raise OneToOneError("Only a booked meeting that has not started can be moved", 409)
    _check_times(starts_at, ends_at)
    lock_mentor(session.mentor_id)
    # Its own time is freed first, so the new time is checked against everything else.
    db.session.execute(delete(MentorHold).where(MentorHold.one_to_one_id == session.id))
    _check_free(session.mentor_id, starts_at, ends_at, zone, now)
    result = db.session.execute(
        update(OneToOne)
        .where(OneToOne.id == session.id, OneToOne.status == SessionStatus.BOOKED.value)
        .values(starts_at=starts_at, ends_at=ends_at, changed_by_id=actor.id, changed_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise OneToOneError("This meeting has changed since you opened it. Reload it", 409)
    db.session.refresh(session)
    if not hold(session):
        raise OneToOneError("Someone has just booked the mentor at that time: pick another", 409)
    audit.record("agreement.start_meeting_moved", actor=actor, obj=session)
    local = starts_at.astimezone(zone)
    _tell(
        actor,
        session,
        f"{actor.display_name} moved a mentoring start meeting to {local:%-d %B} "
        f"at {twelve_hour(local)}",
    )


def sequence(session: OneToOne) -> int:
    """The event's SEQUENCE: 0 as booked, then higher at each later change (moved, cancelled)."""
    if session.changed_at is None:
        return 0
    return 1 + int((session.changed_at - session.created_at).total_seconds())


def cancel(actor: User, session: OneToOne, reason: str, now: datetime) -> None:
    """Call off a start meeting that has not started; the mentor's time is free again."""
    if actor.id not in invited(session):
        raise OneToOneError("Only the three people invited cancel the start meeting", 403)
    if not session.may_cancel(now):
        raise OneToOneError("Only a booked meeting that has not started can be cancelled", 409)
    if not reason.strip():
        raise OneToOneError("Say why the meeting is cancelled", field="reason")
    move(session, SessionStatus.CANCELLED, actor, reason, now)
    audit.record("agreement.start_meeting_cancelled", actor=actor, obj=session)
    _tell(actor, session, f"{actor.display_name} cancelled a mentoring start meeting")


def _tell(actor: User, session: OneToOne, message: str) -> None:
    """In-app and by email, with the date at most: no case detail."""
    for person_id in sorted(set(invited(session)) - {actor.id}):
        notify.notify(
            db.session.get(User, person_id), message, link=f"/agreements/{session.agreement_id}"
        )


def cancel_on_end(actor: User, agreement: MentoringAgreement, now: datetime) -> None:
    """An agreement that ends calls off its start meeting if it is still ahead."""
    session = going_ahead(agreement.id)
    if session is not None and session.may_cancel(now):
        cancel(actor, session, "The agreement has ended", now)


def in_feed(user_id: int, since: datetime, until: datetime) -> list:
    """A person's start meetings going ahead in the window, each with its summary."""
    return db.session.execute(
        _in_feed(), {"user_id": user_id, "since": since, "until": until}
    ).all()


@cache  # built once: every calendar app's fetch of a feed runs it
def _in_feed():
    nqsw, user_id = aliased(User), bindparam("user_id")
    return (
        select(
            OneToOne.id,
            OneToOne.agreement_id,
            OneToOne.nqsw_id,
            nqsw.display_name,
            OneToOne.starts_at,
            OneToOne.ends_at,
        )
        .join(nqsw, nqsw.id == OneToOne.nqsw_id)
        .where(
            or_(
                OneToOne.nqsw_id == user_id,
                OneToOne.mentor_id == user_id,
                OneToOne.manager_id == user_id,
            ),
            # Written out, not a parameter, so the start meetings' own (partial) index serves.
            OneToOne.kind == literal_column(f"'{KIND}'"),
            OneToOne.status.in_(GOING_AHEAD),
            OneToOne.ends_at >= bindparam("since"),
            OneToOne.starts_at < bindparam("until"),
        )
        .order_by(OneToOne.starts_at)
    )


def summary(nqsw_id: int, nqsw_name: str, viewer_id: int) -> str:
    """What a calendar calls it: the NQSW's name for the other two, nothing about cases."""
    if viewer_id == nqsw_id:
        return "Mentoring start meeting"
    return f"Mentoring start meeting: {nqsw_name}"


def calendar_file(session: OneToOne, viewer_id: int, base_url: str, now: datetime) -> bytes:
    """The start meeting as an iCalendar file; a cancelled one says so at a later SEQUENCE."""
    calendar = Calendar()
    calendar.add("prodid", "-//Alongside//Start meetings//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", "Alongside")
    event = Event()
    event.add("uid", f"start-meeting-{session.id}@alongside")
    event.add("dtstamp", now)
    event.add("last-modified", session.changed_at or session.created_at)
    event.add("dtstart", session.starts_at)
    event.add("dtend", session.ends_at)
    event.add("sequence", sequence(session))
    title = summary(session.nqsw_id, session.nqsw.display_name, viewer_id)
    event.add("summary", f"{title} (Alongside)")
    event.add("status", "CONFIRMED" if session.status in GOING_AHEAD else "CANCELLED")
    event.add("description", f"Details in Alongside: {base_url}/agreements/{session.agreement_id}")
    calendar.add_component(event)
    return calendar.to_ical()


meetings.provide(going_ahead, cancel_on_end)
