"""Support requests: what an NQSW asks a mentor for, its history, and the time it holds."""

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from nqsw_visits import clock
from nqsw_visits.extensions import db
from nqsw_visits.models import User, UTCDateTime


class RequestKind(StrEnum):
    """What the NQSW wants the mentor to come to."""

    HOME_VISIT = "home_visit"
    COURT_HEARING = "court_hearing"
    MEETING = "meeting"
    CASE_DISCUSSION = "case_discussion"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class MeetingType(StrEnum):
    """The sub-kind of a meeting."""

    CHILD_PROTECTION_CONFERENCE = "child_protection_conference"
    CORE_GROUP = "core_group"
    STRATEGY_MEETING = "strategy_meeting"
    CHILD_IN_NEED_REVIEW = "child_in_need_review"
    LOOKED_AFTER_REVIEW = "looked_after_child_review"
    OTHER = "other"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class RequestStatus(StrEnum):
    """Where a request is in its life."""

    REQUESTED = "requested"
    ALTERNATIVE_PROPOSED = "alternative_proposed"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    CANCELLED = "cancelled"
    COMPLETED = "completed"
    DID_NOT_HAPPEN = "did_not_happen"


# The statuses in which a request holds the mentor's time.
HOLDING = frozenset(
    {RequestStatus.REQUESTED, RequestStatus.ALTERNATIVE_PROPOSED, RequestStatus.ACCEPTED}
)

_STATUS_VALUES = ", ".join(f"'{status.value}'" for status in RequestStatus)
_KIND_VALUES = ", ".join(f"'{kind.value}'" for kind in RequestKind)


class SupportRequest(db.Model):
    """An NQSW's request for a mentor to come with them, or to talk a case through."""

    __tablename__ = "support_requests"
    __table_args__ = (
        CheckConstraint(f"status IN ({_STATUS_VALUES})", name="status_known"),
        CheckConstraint(f"kind IN ({_KIND_VALUES})", name="kind_known"),
        CheckConstraint("starts_at < ends_at", name="starts_before_ends"),
        CheckConstraint("consent IN ('yes', 'no', 'not_applicable')", name="consent_known"),
        Index("ix_support_requests_mentor_status", "mentor_id", "status"),
        Index("ix_support_requests_nqsw_status", "nqsw_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(64), unique=True, default=lambda: str(uuid.uuid4()))
    nqsw_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    mentor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(32))
    meeting_type: Mapped[str | None] = mapped_column(String(40))
    fixed_time: Mapped[bool] = mapped_column(default=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    proposed_starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    proposed_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    case_reference: Mapped[str | None] = mapped_column(String(40))
    focus_case: Mapped[bool] = mapped_column(default=False)
    # The mentoring agreement's focus case this is about, when the NQSW chose one.
    focus_case_id: Mapped[int | None] = mapped_column(
        ForeignKey("focus_cases.id", ondelete="SET NULL"), index=True
    )
    venue_type: Mapped[str] = mapped_column(String(40), default="")
    area: Mapped[str] = mapped_column(String(80), default="")
    purpose: Mapped[str] = mapped_column(Text, default="")
    feedback_on: Mapped[str] = mapped_column(Text, default="")
    feedback_on_second: Mapped[str] = mapped_column(Text, default="")
    consent: Mapped[str] = mapped_column(String(20), default="not_applicable")
    urgent: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(32), default=RequestStatus.REQUESTED.value)
    sequence: Mapped[int] = mapped_column(default=0)  # rises with each change, for calendars
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    nqsw: Mapped[User] = relationship(foreign_keys=[nqsw_id])
    mentor: Mapped[User] = relationship(foreign_keys=[mentor_id])
    events: Mapped[list["RequestEvent"]] = relationship(
        back_populates="request", order_by="RequestEvent.id", cascade="all, delete-orphan"
    )


class RequestEvent(db.Model):
    """One step in a request's history: who moved it, from what to what, when and why."""

    __tablename__ = "request_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("support_requests.id", ondelete="CASCADE"), index=True
    )
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[str | None] = mapped_column(String(32))
    to_status: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    request: Mapped[SupportRequest] = relationship(back_populates="events")
    # Joined: a request's history names each actor, in the same query.
    actor: Mapped[User | None] = relationship(lazy="joined")


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


class Notification(db.Model):
    """An in-app message that something changed; it names no case and quotes no notes."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_unread", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("support_requests.id", ondelete="CASCADE")
    )
    message: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OutboxEmail(db.Model):
    """An email queued in the same transaction as the change it reports, sent after commit."""

    __tablename__ = "outbox_emails"
    __table_args__ = (Index("ix_outbox_emails_pending", "sent_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    # An iCalendar file sent with the email as an invitation, for guests without an account.
    calendar: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(String(300), default="")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A sender holds a claim (its token, until a moment) while it sends; one left by a
    # sender that died lapses at claimed_until and another sender takes the email.
    claim_token: Mapped[str | None] = mapped_column(String(32))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
