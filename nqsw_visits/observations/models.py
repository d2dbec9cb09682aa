"""Observations after an accompaniment, and the professional standards they evidence."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from nqsw_visits.core import clock
from nqsw_visits.core.columns import UTCDateTime
from nqsw_visits.core.extensions import db
from nqsw_visits.people.models import User
from nqsw_visits.support_requests.models import SupportRequest


class Classification(StrEnum):
    """What kind of evidence an observation is."""

    FORMATIVE = "formative"
    ASYE_DIRECT = "asye_direct_observation"
    OTHER_PROFESSIONAL = "other_professional"

    @property
    def label(self) -> str:
        return CLASSIFICATION_LABELS[self]


CLASSIFICATION_LABELS = {
    Classification.FORMATIVE: "Formative (mentor)",
    Classification.ASYE_DIRECT: "Direct observation for the ASYE portfolio",
    Classification.OTHER_PROFESSIONAL: "Feedback from another professional",
}
_CLASSIFICATIONS = ", ".join(f"'{c.value}'" for c in Classification)


class Framework(db.Model):
    """A set of professional standards loaded from a data file (PCF, KSS, ...)."""

    __tablename__ = "frameworks"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(300), default="")
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    standards: Mapped[list["Standard"]] = relationship(
        back_populates="framework", order_by="Standard.position"
    )


class Standard(db.Model):
    """One standard of a framework; kept (retired) when a newer file leaves it out."""

    __tablename__ = "standards"
    __table_args__ = (UniqueConstraint("framework_id", "code", name="uq_standards_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    framework_id: Mapped[int] = mapped_column(ForeignKey("frameworks.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)
    retired: Mapped[bool] = mapped_column(default=False)

    framework: Mapped[Framework] = relationship(back_populates="standards", lazy="joined")


class TeamFramework(db.Model):
    """A framework a team uses; a team with none uses every framework loaded."""

    __tablename__ = "team_frameworks"

    team_id: Mapped[int] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True
    )
    framework_id: Mapped[int] = mapped_column(
        ForeignKey("frameworks.id", ondelete="CASCADE"), primary_key=True
    )


# The open observations' partial indexes: a statement must say both conditions to use them.
OPEN_OBSERVATIONS = text("shared_at IS NOT NULL AND locked_at IS NULL")


class Observation(db.Model):
    """The mentor's notes on a completed accompaniment, the NQSW's reflection, sign-off."""

    __tablename__ = "observations"
    __table_args__ = (
        CheckConstraint(f"classification IN ({_CLASSIFICATIONS})", name="classification_known"),
        Index("ix_observations_nqsw", "nqsw_id"),
        Index("ix_observations_mentor", "mentor_id"),
        # Shared and not yet locked: what waits for a reflection or a signature, a few
        # among a person's every observation. Home pages list them.
        Index(
            "ix_observations_open_nqsw",
            "nqsw_id",
            sqlite_where=OPEN_OBSERVATIONS,
            postgresql_where=OPEN_OBSERVATIONS,
        ),
        Index(
            "ix_observations_open_mentor",
            "mentor_id",
            sqlite_where=OPEN_OBSERVATIONS,
            postgresql_where=OPEN_OBSERVATIONS,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("support_requests.id"), unique=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    nqsw_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    classification: Mapped[str] = mapped_column(String(40), default=Classification.FORMATIVE)
    observed: Mapped[str] = mapped_column(Text, default="")
    strengths: Mapped[str] = mapped_column(Text, default="")
    to_develop: Mapped[str] = mapped_column(Text, default="")
    look_out_for: Mapped[str] = mapped_column(Text, default="")
    for_case_record: Mapped[bool] = mapped_column(default=False)
    reflection: Mapped[str] = mapped_column(Text, default="")
    do_differently: Mapped[str] = mapped_column(Text, default="")
    shared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    shared_with_manager: Mapped[bool] = mapped_column(default=False)
    mentor_signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    nqsw_signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    request: Mapped[SupportRequest] = relationship(
        backref=backref("observation", uselist=False, lazy="select")
    )
    mentor: Mapped[User] = relationship(foreign_keys=[mentor_id])
    nqsw: Mapped[User] = relationship(foreign_keys=[nqsw_id])
    standards: Mapped[list[Standard]] = relationship(
        secondary="observation_standards", order_by="Standard.position"
    )
    actions: Mapped[list["AgreedAction"]] = relationship(
        back_populates="observation", order_by="AgreedAction.id"
    )
    addenda: Mapped[list["Addendum"]] = relationship(order_by="Addendum.id")

    @property
    def label(self) -> str:
        return Classification(self.classification).label


class ObservationStandard(db.Model):
    """A standard the mentor saw in an observation."""

    __tablename__ = "observation_standards"

    observation_id: Mapped[int] = mapped_column(
        ForeignKey("observations.id", ondelete="CASCADE"), primary_key=True
    )
    standard_id: Mapped[int] = mapped_column(ForeignKey("standards.id"), primary_key=True)


# The open actions' partial index: a statement must say `done_at IS NULL` to use it.
OPEN_ACTIONS = text("done_at IS NULL")


class AgreedAction(db.Model):
    """Something agreed after an observation: what, who does it, by when."""

    __tablename__ = "agreed_actions"
    __table_args__ = (
        CheckConstraint("owner IN ('nqsw', 'mentor', 'both')", name="owner_known"),
        # Open actions only, a few hundred among every action ever agreed: progress pages.
        Index(
            "ix_agreed_actions_open",
            "observation_id",
            sqlite_where=OPEN_ACTIONS,
            postgresql_where=OPEN_ACTIONS,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    observation_id: Mapped[int] = mapped_column(
        ForeignKey("observations.id", ondelete="CASCADE"), index=True
    )
    what: Mapped[str] = mapped_column(String(500))
    owner: Mapped[str] = mapped_column(String(10))
    due_on: Mapped[date] = mapped_column()
    added_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    observation: Mapped[Observation] = relationship(back_populates="actions")


class Addendum(db.Model):
    """A dated note added to a signed, locked observation."""

    __tablename__ = "observation_addenda"

    id: Mapped[int] = mapped_column(primary_key=True)
    observation_id: Mapped[int] = mapped_column(
        ForeignKey("observations.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    author: Mapped[User] = relationship(lazy="joined")
