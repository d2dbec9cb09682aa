"""Mentor availability: weekly patterns, exceptions, limits, bank holidays, and the time
requests, one-to-ones and group sessions hold in a mentor's diary."""

from datetime import date, datetime, time
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from nqsw_visits.core import clock
from nqsw_visits.core.columns import UTCDateTime
from nqsw_visits.core.extensions import db


class ExceptionKind(StrEnum):
    """Why a mentor is not available for a while."""

    LEAVE = "leave"
    TRAINING = "training"
    BLOCKED = "blocked"

    @property
    def label(self) -> str:
        return {"leave": "Leave", "training": "Training", "blocked": "Not available"}[self.value]


class AvailabilityPattern(db.Model):
    """One version of a mentor's weekly pattern, in force from a date until the next version."""

    __tablename__ = "availability_patterns"
    __table_args__ = (UniqueConstraint("mentor_id", "effective_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    effective_from: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    windows: Mapped[list["AvailabilityWindow"]] = relationship(
        back_populates="pattern",
        cascade="all, delete-orphan",
        order_by="(AvailabilityWindow.weekday, AvailabilityWindow.starts)",
    )


class AvailabilityWindow(db.Model):
    """A stretch of one weekday when the mentor can go out, in local time."""

    __tablename__ = "availability_windows"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint("starts < ends", name="starts_before_ends"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pattern_id: Mapped[int] = mapped_column(
        ForeignKey("availability_patterns.id", ondelete="CASCADE"), index=True
    )
    weekday: Mapped[int] = mapped_column()  # Monday is 0, as in date.weekday()
    starts: Mapped[time] = mapped_column(Time)
    ends: Mapped[time] = mapped_column(Time)

    pattern: Mapped[AvailabilityPattern] = relationship(back_populates="windows")


class AvailabilityException(db.Model):
    """Leave, training or other time a mentor is away, whole or part days."""

    __tablename__ = "availability_exceptions"
    __table_args__ = (
        CheckConstraint("starts_at < ends_at", name="starts_before_ends"),
        Index("ix_availability_exceptions_mentor_ends", "mentor_id", "ends_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class MentorLimits(db.Model):
    """A mentor's caps, travel time and notice; a missing row means the defaults."""

    __tablename__ = "mentor_limits"
    __table_args__ = (
        CheckConstraint("max_per_day >= 0 AND max_per_week >= 0", name="caps_not_negative"),
        CheckConstraint("travel_minutes BETWEEN 0 AND 240", name="travel_range"),
        CheckConstraint("notice_working_days BETWEEN 0 AND 20", name="notice_range"),
    )

    mentor_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    max_per_day: Mapped[int] = mapped_column(default=2)
    max_per_week: Mapped[int] = mapped_column(default=6)
    travel_minutes: Mapped[int] = mapped_column(default=30)
    notice_working_days: Mapped[int] = mapped_column(default=1)
    works_bank_holidays: Mapped[bool] = mapped_column(default=False)


class BankHoliday(db.Model):
    """A public holiday in England and Wales; closed unless a mentor says otherwise."""

    __tablename__ = "bank_holidays"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    title: Mapped[str] = mapped_column(String(120))


# What a hold in a mentor's diary is for, as pages name it: the kinds of support request,
# and the programme's sessions.
HOLD_KIND_LABELS = {
    "home_visit": "Home visit",
    "court_hearing": "Court hearing",
    "meeting": "Meeting",
    "case_discussion": "Case discussion",
    "one_to_one": "One-to-one",
    "start_meeting": "Start meeting",
    "group_session": "Group session",
}


class MentorHold(db.Model):
    """Time a request, a one-to-one or a group session holds in a mentor's diary; the
    database refuses two that overlap, whichever they belong to."""

    __tablename__ = "mentor_holds"
    __table_args__ = (
        CheckConstraint("starts_at < ends_at", name="starts_before_ends"),
        CheckConstraint(
            "(CASE WHEN request_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN one_to_one_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN group_session_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="holds_one_thing",
        ),
        Index("ix_mentor_holds_mentor_time", "mentor_id", "starts_at", "ends_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("support_requests.id", ondelete="CASCADE"), unique=True
    )
    one_to_one_id: Mapped[int | None] = mapped_column(
        ForeignKey("one_to_ones.id", ondelete="CASCADE"), unique=True
    )
    group_session_id: Mapped[int | None] = mapped_column(
        ForeignKey("group_sessions.id", ondelete="CASCADE"), unique=True
    )
    mentor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(32))
