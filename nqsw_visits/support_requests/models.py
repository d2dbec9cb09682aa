"""Support requests: what an NQSW asks a mentor for, and its history."""

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from nqsw_visits.availability.models import HOLD_KIND_LABELS
from nqsw_visits.core import clock
from nqsw_visits.core.columns import UTCDateTime
from nqsw_visits.core.extensions import db
from nqsw_visits.people.models import User


class RequestKind(StrEnum):
    """What the NQSW wants the mentor to come to."""

    HOME_VISIT = "home_visit"
    COURT_HEARING = "court_hearing"
    MEETING = "meeting"
    CASE_DISCUSSION = "case_discussion"

    @property
    def label(self) -> str:
        return HOLD_KIND_LABELS[self.value]


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
        return MEETING_TYPE_LABELS[self.value]


MEETING_TYPE_LABELS = {
    "child_protection_conference": "Child protection conference",
    "core_group": "Core group",
    "strategy_meeting": "Strategy meeting",
    "child_in_need_review": "Child in need review",
    "looked_after_child_review": "Looked after child review",
    "other": "Other",
}
# The family's consent, as a request's page shows the NQSW's answer.
CONSENT_LABELS = {"yes": "Yes", "no": "No", "not_applicable": "Not applicable"}


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


_S = RequestStatus
# Waiting for someone's answer: the mentor's to a request, the NQSW's to another time.
AWAITING = frozenset({_S.REQUESTED, _S.ALTERNATIVE_PROPOSED})
# The statuses in which a request holds the mentor's time: waiting, or going ahead.
HOLDING = AWAITING | {_S.ACCEPTED}
# The state machine: each step and the statuses it may be taken from. The rules move a
# request only from these; pages offer a step only where `SupportRequest.may` says so.
STEPS = {
    "accept": frozenset({_S.REQUESTED}),
    "decline": frozenset({_S.REQUESTED}),
    "hand_over": frozenset({_S.REQUESTED}),
    "propose": frozenset({_S.REQUESTED, _S.ACCEPTED}),
    "take_proposal": frozenset({_S.ALTERNATIVE_PROPOSED}),
    "withdraw": AWAITING,
    "change_time": frozenset({_S.REQUESTED, _S.ACCEPTED}),
    "cancel": frozenset({_S.ACCEPTED}),
    "complete": frozenset({_S.ACCEPTED}),
    "did_not_happen": frozenset({_S.ACCEPTED, _S.COMPLETED}),
    "write_up": frozenset({_S.COMPLETED}),
}

# Each status as a tag: its words and its GOV.UK tag colour.
STATUS_TAGS = {
    "requested": ("Waiting for an answer", "blue"),
    "alternative_proposed": ("Another time offered", "yellow"),
    "accepted": ("Accepted", "green"),
    "declined": ("Declined", "red"),
    "withdrawn": ("Withdrawn", "grey"),
    "cancelled": ("Cancelled", "grey"),
    "completed": ("Completed", "purple"),
    "did_not_happen": ("Did not happen", "grey"),
}
# A step in a request's history, as its page tells it after the person's name.
EVENT_LABELS = {
    "asked": "asked",
    "accepted": "accepted",
    "declined": "declined",
    "proposed": "proposed",
    "took_proposal": "took proposal",
    "time_changed": "time changed",
    "withdrawn": "withdrawn",
    "handed_over": "handed over",
    "cancelled": "cancelled",
    "did_not_happen": "did not happen",
    "completed": "completed",
}

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

    def may(self, step: str) -> bool:
        """True where the state machine allows this step from the request's status."""
        return self.status in STEPS[step]


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
