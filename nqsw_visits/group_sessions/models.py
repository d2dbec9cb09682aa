"""Monthly group sessions: a series, each session, who is invited and replied, guest
speakers, attendance and feedback."""

import uuid
from datetime import datetime, time
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    Time,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from nqsw_visits.core import clock
from nqsw_visits.core.columns import UTCDateTime
from nqsw_visits.core.extensions import db
from nqsw_visits.people.models import User


class SessionState(StrEnum):
    """A group session goes ahead or is cancelled; whether it has happened is the clock's."""

    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class Reply(StrEnum):
    """An invited person's answer; WAITING is a "going" that found the session full."""

    NONE = "none"
    GOING = "going"
    WAITING = "waiting"
    MAYBE = "maybe"
    NOT_GOING = "not_going"

    @property
    def label(self) -> str:
        return REPLY_LABELS[self]


REPLY_LABELS = {
    Reply.NONE: "Not replied",
    Reply.GOING: "Going",
    Reply.WAITING: "On the waiting list",
    Reply.MAYBE: "Maybe",
    Reply.NOT_GOING: "Not going",
}
# The replies a person may choose; WAITING is given, never chosen.
CHOSEN = (Reply.GOING, Reply.MAYBE, Reply.NOT_GOING)
# Those who hear of a change or a cancellation.
REPLIED = frozenset({Reply.GOING, Reply.WAITING, Reply.MAYBE, Reply.NOT_GOING})

_REPLY_VALUES = ", ".join(f"'{reply.value}'" for reply in Reply)
MAX_CAPACITY = 200


class GroupSeries(db.Model):
    """A monthly series: the nth (or last) weekday of each month at the same local time."""

    __tablename__ = "group_series"
    __table_args__ = (
        CheckConstraint("week_of_month IN (-1, 1, 2, 3, 4)", name="week_of_month_known"),
        CheckConstraint("weekday BETWEEN 0 AND 4", name="weekday_known"),
        CheckConstraint("starts < ends", name="starts_before_ends"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organiser_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    topic: Mapped[str] = mapped_column(String(120))
    week_of_month: Mapped[int] = mapped_column(SmallInteger)  # 1 to 4, or -1 for the last
    weekday: Mapped[int] = mapped_column(SmallInteger)  # Monday 0 to Friday 4
    starts: Mapped[time] = mapped_column(Time)
    ends: Mapped[time] = mapped_column(Time)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    organiser: Mapped[User] = relationship(foreign_keys=organiser_id)


class GroupSession(db.Model):
    """One group session: a topic, a time and place, places for so many, and its record."""

    __tablename__ = "group_sessions"
    __table_args__ = (
        CheckConstraint("starts_at < ends_at", name="starts_before_ends"),
        CheckConstraint(f"capacity BETWEEN 1 AND {MAX_CAPACITY}", name="capacity_range"),
        CheckConstraint("state IN ('scheduled', 'cancelled')", name="state_known"),
        Index("ix_group_sessions_organiser_time", "organiser_id", "starts_at"),
        Index("ix_group_sessions_series_time", "series_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The calendar event's UID: the same through every change, so calendars update it.
    uid: Mapped[str] = mapped_column(String(64), unique=True, default=lambda: str(uuid.uuid4()))
    series_id: Mapped[int | None] = mapped_column(
        ForeignKey("group_series.id", ondelete="SET NULL")
    )
    organiser_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    topic: Mapped[str] = mapped_column(String(120))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(String(300), default="")
    capacity: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(20), default=SessionState.SCHEDULED.value)
    sequence: Mapped[int] = mapped_column(default=0)  # rises with each change, for calendars
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The record, for every invited person: no case detail.
    notes: Mapped[str] = mapped_column(Text, default="")
    resources: Mapped[str] = mapped_column(Text, default="")
    notes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organiser: Mapped[User] = relationship(foreign_keys=organiser_id)
    series: Mapped[GroupSeries | None] = relationship()
    invites: Mapped[list["GroupInvite"]] = relationship(
        back_populates="session", cascade="all, delete-orphan"
    )
    guests: Mapped[list["GroupGuest"]] = relationship(
        back_populates="session", order_by="GroupGuest.id", cascade="all, delete-orphan"
    )

    @property
    def cancelled(self) -> bool:
        return self.state == SessionState.CANCELLED.value

    def has_started(self, now: datetime) -> bool:
        return self.starts_at <= now

    def may_reply(self, now: datetime) -> bool:
        """Replies may change until the session starts."""
        return not self.cancelled and not self.has_started(now)

    def may_change(self, now: datetime) -> bool:
        """The organiser moves, edits or cancels a session that has not started."""
        return not self.cancelled and not self.has_started(now)

    def may_mark_attendance(self, now: datetime) -> bool:
        """From the start, once it is under way or over."""
        return not self.cancelled and self.has_started(now)

    def may_write_record(self, now: datetime) -> bool:
        return not self.cancelled and self.has_started(now)


class GroupInvite(db.Model):
    """One invited person's place: their reply, their turn on the waiting list, attendance."""

    __tablename__ = "group_invites"
    __table_args__ = (
        CheckConstraint(f"reply IN ({_REPLY_VALUES})", name="reply_known"),
        Index("ix_group_invites_session_reply", "session_id", "reply", "queued_at"),
    )

    session_id: Mapped[int] = mapped_column(
        ForeignKey("group_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    reply: Mapped[str] = mapped_column(String(20), default=Reply.NONE.value)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When they joined the waiting list: the earliest moves up first.
    queued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # None until the organiser marks the register.
    attended: Mapped[bool | None] = mapped_column(Boolean)

    session: Mapped[GroupSession] = relationship(back_populates="invites")
    user: Mapped[User] = relationship()


class GroupGuest(db.Model):
    """An invited specialist: a member of staff, or someone from outside with no account,
    who gets the calendar invitation by email and nothing else."""

    __tablename__ = "group_guests"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("group_sessions.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(120), default="")
    organisation: Mapped[str] = mapped_column(String(120), default="")
    email: Mapped[str] = mapped_column(String(254))

    session: Mapped[GroupSession] = relationship(back_populates="guests")


class GroupFeedback(db.Model):
    """An attendee's rating and one line for the organiser, shown without their name."""

    __tablename__ = "group_feedback"
    __table_args__ = (CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),)

    session_id: Mapped[int] = mapped_column(
        ForeignKey("group_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    # Kept only so each attendee gives one; never shown beside the feedback.
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    rating: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
