"""Rules of one-to-ones: booking a series on the mentor's diary, the record, actions.

A series is planned date by date against the mentor's calendar: a date on leave or a bank
holiday is skipped, one that clashes is flagged and not booked, and every booked session
holds the mentor's time under the same per-mentor lock and overlap guard as requests.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, update

from nqsw_visits.agreements import rules as agreements
from nqsw_visits.agreements.models import MentoringAgreement
from nqsw_visits.availability import free_time as availability
from nqsw_visits.availability.calendars import load_calendars
from nqsw_visits.availability.holds import lock_mentor, take_hold
from nqsw_visits.availability.models import MentorHold
from nqsw_visits.core.extensions import db
from nqsw_visits.core.refusal import Refusal
from nqsw_visits.notifications import notify
from nqsw_visits.one_to_ones.models import OneToOne, SessionAction, SessionStatus
from nqsw_visits.people import audit
from nqsw_visits.people.models import User

KIND = "one_to_one"
MAX_SESSIONS = 12
LENGTHS = (30, 45, 60, 90)
# Dates the series passes over without asking; anything else in the way is a clash.
SKIPPED = frozenset({availability.Reason.AWAY, availability.Reason.BANK_HOLIDAY})


class OneToOneError(Refusal):
    """A step the rules refuse; `status` is the HTTP answer (403, 409 or 422)."""


@dataclass(frozen=True)
class Series:
    """What is asked for: the first date and time, the length, how often, how many."""

    first_day: date
    starts: time
    minutes: int
    every_weeks: int
    count: int


@dataclass(frozen=True)
class Planned:
    """One date of a series and what became of it: booked, skipped or a clash."""

    starts_at: datetime
    ends_at: datetime
    reasons: tuple[availability.Reason, ...] = ()

    @property
    def outcome(self) -> str:
        if not self.reasons:
            return "booked"
        return "skipped" if set(self.reasons) <= SKIPPED else "clash"

    @property
    def why(self) -> str:
        return "; ".join(reason.text for reason in self.reasons)


def dates_of(series: Series, zone: ZoneInfo) -> list[tuple[datetime, datetime]]:
    """Each session's start and end, at the same local time every time (clock changes too)."""
    found = []
    for n in range(series.count):
        day = series.first_day + timedelta(weeks=n * series.every_weeks)
        starts = availability.local_instant(day, series.starts, zone)
        if starts is None:  # a time the clocks skip that day
            starts = datetime.combine(day, series.starts, tzinfo=zone)
        found.append((starts, starts + timedelta(minutes=series.minutes)))
    return found


def plan(
    calendar: availability.MentorCalendar, series: Series, zone: ZoneInfo, now: datetime
) -> list[Planned]:
    """Check each date of the series against the mentor's calendar, without booking."""
    return [
        Planned(starts, ends, availability.check(calendar, starts, ends, KIND, now).reasons)
        for starts, ends in dates_of(series, zone)
    ]


def check_series(series: Series) -> None:
    if series.minutes not in LENGTHS:
        raise OneToOneError("Choose how long each one-to-one lasts", field="minutes")
    if not 1 <= series.every_weeks <= 8:
        raise OneToOneError("Choose how often you meet", field="every_weeks")
    if not 1 <= series.count <= MAX_SESSIONS:
        raise OneToOneError(
            f"Book between 1 and {MAX_SESSIONS} one-to-ones at a time", field="count"
        )


def may_book(actor: User, agreement: MentoringAgreement) -> bool:
    """The mentor or the NQSW of an active agreement."""
    version = agreements.in_force(agreement)
    if version is None or agreement.ended_on is not None:
        return False
    return actor.id in (version.mentor_id, agreement.nqsw_id)


def hold(session: OneToOne) -> bool:
    """Hold the session's time; False when the database finds it taken after all."""
    return take_hold(
        session.mentor_id,
        session.starts_at,
        session.ends_at,
        session.kind,
        one_to_one_id=session.id,
    )


def book_series(
    actor: User, agreement: MentoringAgreement, series: Series, zone: ZoneInfo, now: datetime
) -> list[Planned]:
    """Book every free date of the series; the caller commits. Returns each date's outcome."""
    if not may_book(actor, agreement):
        raise OneToOneError("Only the mentor and the NQSW of an active agreement book these", 403)
    check_series(series)
    version = agreements.in_force(agreement)
    lock_mentor(version.mentor_id)
    dates = dates_of(series, zone)
    calendar = load_calendars(
        [version.mentor_id], dates[0][0] - timedelta(days=1), dates[-1][1], zone
    )
    planned = plan(calendar[version.mentor_id], series, zone, now)
    if all(p.outcome != "booked" for p in planned):
        raise OneToOneError(
            "None of those dates is free: " + "; ".join(_said(p, zone) for p in planned[:3]),
            status=409,
            field="first_day",
        )
    # One series per agreement and first moment: the same booking names it the same way.
    key, outcomes = f"{agreement.id}-{int(planned[0].starts_at.timestamp())}", []
    for entry in planned:
        if entry.outcome == "booked":
            session = OneToOne(
                agreement_id=agreement.id,
                mentor_id=version.mentor_id,
                nqsw_id=agreement.nqsw_id,
                starts_at=entry.starts_at,
                ends_at=entry.ends_at,
                series=key,
                booked_by_id=actor.id,
                created_at=now,
            )
            db.session.add(session)
            db.session.flush()
            if not hold(session):
                db.session.delete(session)
                entry = Planned(entry.starts_at, entry.ends_at, (availability.Reason.CLASH,))
        outcomes.append(entry)
    booked = sum(p.outcome == "booked" for p in outcomes)
    audit.record("one_to_one.booked", actor=actor, obj=agreement, sessions=booked, series=key)
    other = version.mentor if actor.id == agreement.nqsw_id else agreement.nqsw
    notify.notify(
        other,
        f"{actor.display_name} booked {booked} one-to-one{'s' * (booked != 1)} with you",
        link=f"/agreements/{agreement.id}/one-to-ones",
    )
    return outcomes


def _said(entry: Planned, zone: ZoneInfo) -> str:
    return f"{entry.starts_at.astimezone(zone):%-d %B}: {entry.why}"


def move(session: OneToOne, to: SessionStatus, actor: User, reason: str, now: datetime) -> None:
    """The conditional change: it happens only while the session is still booked."""
    result = db.session.execute(
        update(OneToOne)
        .where(OneToOne.id == session.id, OneToOne.status == SessionStatus.BOOKED.value)
        .values(status=to.value, reason=reason.strip(), changed_by_id=actor.id, changed_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise OneToOneError("This one-to-one has changed since you opened it. Reload it", 409)
    db.session.execute(delete(MentorHold).where(MentorHold.one_to_one_id == session.id))
    db.session.refresh(session)


def _other(actor: User, session: OneToOne) -> User:
    return session.mentor if actor.id == session.nqsw_id else session.nqsw


def cancel(actor: User, session: OneToOne, reason: str, now: datetime) -> None:
    """Call off a session that has not started; the mentor's time is free again."""
    if not session.may_cancel(now):
        raise OneToOneError("Only a booked one-to-one that has not started can be cancelled", 409)
    if not reason.strip():
        raise OneToOneError("Say why the one-to-one is cancelled", field="reason")
    move(session, SessionStatus.CANCELLED, actor, reason, now)
    audit.record("one_to_one.cancelled", actor=actor, obj=session)
    notify.notify(
        _other(actor, session),
        f"{actor.display_name} cancelled a one-to-one",
        link=f"/one-to-ones/{session.id}",
    )


def mark_missed(actor: User, session: OneToOne, reason: str, now: datetime) -> None:
    """Record that a session did not happen."""
    if not session.may_mark_missed(now):
        raise OneToOneError("Only a booked one-to-one that has started can be marked missed", 409)
    move(session, SessionStatus.MISSED, actor, reason, now)
    audit.record("one_to_one.missed", actor=actor, obj=session)


def write_record(actor: User, session: OneToOne, talked_about: str, now: datetime) -> None:
    """What was talked about; writing it marks the session held."""
    if not session.may_write(now):
        raise OneToOneError("A one-to-one can be written up once it has started", 409)
    if not talked_about.strip():
        raise OneToOneError("Enter what you talked about", field="talked_about")
    session.talked_about = talked_about.strip()
    session.written_by_id, session.written_at = actor.id, now
    session.status = SessionStatus.HELD.value
    audit.record("one_to_one.written", actor=actor, obj=session)


def add_action(
    actor: User, session: OneToOne, description: str, owner: User, due_on, now: datetime
) -> SessionAction:
    """An action agreed at this session, owned by the mentor or the NQSW."""
    if not session.may_add_action():
        raise OneToOneError("This one-to-one was cancelled", 409)
    if owner.id not in (session.mentor_id, session.nqsw_id):
        raise OneToOneError("Choose who will do it", field="owner")
    if not description.strip():
        raise OneToOneError("Enter the action", field="description")
    action = SessionAction(
        session_id=session.id,
        agreement_id=session.agreement_id,
        description=description.strip(),
        owner_id=owner.id,
        due_on=due_on,
        created_by_id=actor.id,
        created_at=now,
    )
    db.session.add(action)
    db.session.flush()
    audit.record("one_to_one.action_added", actor=actor, obj=session, action_id=action.id)
    return action


def complete_action(actor: User, action: SessionAction, now: datetime) -> None:
    """Mark an action done, once."""
    result = db.session.execute(
        update(SessionAction)
        .where(SessionAction.id == action.id, SessionAction.done_at.is_(None))
        .values(done_at=now, done_by_id=actor.id)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise OneToOneError("This action is already done", 409)
    db.session.refresh(action)
    audit.record("one_to_one.action_done", actor=actor, obj=action.session, action_id=action.id)


def share_onward(actor: User, session: OneToOne, shared: bool, now: datetime) -> None:
    """The NQSW decides whether a later mentor of the agreement may read this record."""
    if actor.id != session.nqsw_id:
        raise OneToOneError("Only the NQSW decides who else reads this record", 403)
    session.shared_onward = shared
    audit.record("one_to_one.shared" if shared else "one_to_one.unshared", actor=actor, obj=session)


def may_read(user: User, session: OneToOne, current_mentor_id: int | None) -> bool:
    """The session's mentor and NQSW; a later mentor only where the NQSW shared it."""
    if user.id in (session.mentor_id, session.nqsw_id):
        return True
    return session.shared_onward and user.id == current_mentor_id
