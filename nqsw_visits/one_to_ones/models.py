"""One-to-one sessions of a mentoring agreement, their private record and agreed actions."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from nqsw_visits.agreements.models import MentoringAgreement
from nqsw_visits.core import clock
from nqsw_visits.core.columns import UTCDateTime
from nqsw_visits.core.extensions import db
from nqsw_visits.people.models import User


class SessionStatus(StrEnum):
    """Where a one-to-one stands: booked, then held, missed or cancelled."""

    BOOKED = "booked"
    HELD = "held"
    MISSED = "missed"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return STATUS_TAGS[self.value][0]


# Each status as a tag: its words and its GOV.UK tag colour; "to_write" is a booked one
# that has started and has no record yet.
STATUS_TAGS = {
    "to_write": ("To write up", "yellow"),
    "booked": ("Booked", "blue"),
    "held": ("Held", "green"),
    "missed": ("Missed", "red"),
    "cancelled": ("Cancelled", "grey"),
}


class SessionKind(StrEnum):
    """A one-to-one of the mentor and the NQSW, or the agreement's start meeting with the
    practice manager too."""

    ONE_TO_ONE = "one_to_one"
    START_MEETING = "start_meeting"


# A session that was missed or cancelled can no longer be written up.
ENDED = frozenset({SessionStatus.MISSED, SessionStatus.CANCELLED})


# The start meetings' partial index: a statement must name the kind, not pass a parameter.
START_MEETINGS = text("kind = 'start_meeting'")


class OneToOne(db.Model):
    """A one-to-one between the mentor and the NQSW of an agreement."""

    __tablename__ = "one_to_ones"
    __table_args__ = (
        CheckConstraint("starts_at < ends_at", name="starts_before_ends"),
        CheckConstraint(
            "status IN ('booked', 'held', 'missed', 'cancelled')", name="session_status"
        ),
        CheckConstraint("kind IN ('one_to_one', 'start_meeting')", name="session_kind"),
        Index("ix_one_to_ones_agreement_time", "agreement_id", "starts_at"),
        # Start meetings only, one an agreement among thousands of one-to-ones: for feeds.
        Index(
            "ix_one_to_ones_start_meetings",
            "starts_at",
            sqlite_where=START_MEETINGS,
            postgresql_where=START_MEETINGS,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("mentoring_agreements.id", ondelete="CASCADE")
    )
    mentor_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    nqsw_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(
        String(20), default=SessionKind.ONE_TO_ONE.value, server_default="one_to_one"
    )
    # Invited to the start meeting only.
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20), default=SessionStatus.BOOKED.value)
    series: Mapped[str] = mapped_column(String(32), default="")
    booked_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    # Why it was cancelled or missed, by whom and when.
    reason: Mapped[str] = mapped_column(Text, default="")
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The record, private to the mentor and the NQSW.
    talked_about: Mapped[str] = mapped_column(Text, default="")
    written_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    written_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The NQSW lets a later mentor of the agreement read this record.
    shared_onward: Mapped[bool] = mapped_column(Boolean, default=False)

    agreement: Mapped[MentoringAgreement] = relationship()
    mentor: Mapped[User] = relationship(foreign_keys=mentor_id)
    nqsw: Mapped[User] = relationship(foreign_keys=nqsw_id)
    manager: Mapped[User | None] = relationship(foreign_keys=manager_id)
    written_by: Mapped[User | None] = relationship(foreign_keys=written_by_id)
    actions: Mapped[list["SessionAction"]] = relationship(
        back_populates="session", order_by="SessionAction.id", cascade="all, delete-orphan"
    )

    @property
    def state(self) -> SessionStatus:
        return SessionStatus(self.status)

    def has_started(self, now: datetime) -> bool:
        return self.starts_at <= now

    def may_cancel(self, now: datetime) -> bool:
        return self.state == SessionStatus.BOOKED and not self.has_started(now)

    def may_mark_missed(self, now: datetime) -> bool:
        return self.state == SessionStatus.BOOKED and self.has_started(now)

    def may_write(self, now: datetime) -> bool:
        return self.state not in ENDED and self.has_started(now)

    def tag(self, now: datetime) -> tuple[str, str]:
        """The words and colour of the session's status tag at this moment."""
        due = self.state == SessionStatus.BOOKED and self.has_started(now)
        return STATUS_TAGS["to_write" if due else self.status]

    @property
    def ended(self) -> bool:
        """Missed or cancelled: no calendar file, and no record to write."""
        return self.state in ENDED

    def may_add_action(self) -> bool:
        return self.state != SessionStatus.CANCELLED


class SessionAction(db.Model):
    """An action agreed at a one-to-one, carried to the next ones until it is done."""

    __tablename__ = "one_to_one_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("one_to_ones.id", ondelete="CASCADE"), index=True
    )
    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("mentoring_agreements.id", ondelete="CASCADE"), index=True
    )
    description: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    due_on: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    session: Mapped[OneToOne] = relationship(back_populates="actions")
    owner: Mapped[User] = relationship(foreign_keys=owner_id)
