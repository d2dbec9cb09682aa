"""A mentoring agreement, its confirmed versions, focus cases and goals."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from nqsw_visits.core import clock
from nqsw_visits.core.columns import UTCDateTime
from nqsw_visits.core.extensions import db
from nqsw_visits.observations.models import Standard
from nqsw_visits.people.models import User

OPEN = text("ended_on IS NULL")


class SupportLevel(StrEnum):
    """How the mentor supports the NQSW on a focus case."""

    TALK_THROUGH = "talk_through"
    ACCOMPANY = "accompany"

    @property
    def label(self) -> str:
        return {
            "talk_through": "Talk it through point by point",
            "accompany": "Come along to visits, court and meetings",
        }[self.value]


class MentoringAgreement(db.Model):
    """One NQSW's mentoring agreement; its content lives in numbered versions."""

    __tablename__ = "mentoring_agreements"
    __table_args__ = (
        # An NQSW has at most one agreement that has not ended.
        Index(
            "one_open_agreement_per_nqsw",
            "nqsw_id",
            unique=True,
            sqlite_where=OPEN,
            postgresql_where=OPEN,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    nqsw_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    started_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    ended_on: Mapped[date | None] = mapped_column(Date)

    nqsw: Mapped[User] = relationship(foreign_keys=nqsw_id)
    versions: Mapped[list["AgreementVersion"]] = relationship(
        back_populates="agreement",
        order_by="AgreementVersion.number",
        cascade="all, delete-orphan",
    )
    focus_cases: Mapped[list["FocusCase"]] = relationship(
        back_populates="agreement", order_by="FocusCase.id", cascade="all, delete-orphan"
    )
    goals: Mapped[list["AgreementGoal"]] = relationship(
        back_populates="agreement", order_by="AgreementGoal.id", cascade="all, delete-orphan"
    )
    reviews: Mapped[list["AgreementReview"]] = relationship(
        order_by="AgreementReview.months", cascade="all, delete-orphan"
    )


class AgreementVersion(db.Model):
    """What the three people agreed at one time: who, from when, how often, what changed."""

    __tablename__ = "agreement_versions"
    __table_args__ = (
        UniqueConstraint("agreement_id", "number"),
        CheckConstraint("one_to_one_every_weeks BETWEEN 1 AND 8", name="rhythm_range"),
        CheckConstraint("number >= 1", name="number_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("mentoring_agreements.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column()
    mentor_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    manager_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    one_to_one_every_weeks: Mapped[int] = mapped_column(default=2)
    nine_month_review: Mapped[bool] = mapped_column(Boolean, default=False)
    what_changed: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    agreement: Mapped[MentoringAgreement] = relationship(back_populates="versions")
    mentor: Mapped[User] = relationship(foreign_keys=mentor_id)
    manager: Mapped[User] = relationship(foreign_keys=manager_id)
    created_by: Mapped[User] = relationship(foreign_keys=created_by_id)
    confirmations: Mapped[list["AgreementConfirmation"]] = relationship(
        back_populates="version",
        order_by="AgreementConfirmation.confirmed_at",
        cascade="all, delete-orphan",
    )


class AgreementConfirmation(db.Model):
    """One of the three people confirming one version."""

    __tablename__ = "agreement_confirmations"

    version_id: Mapped[int] = mapped_column(
        ForeignKey("agreement_versions.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    version: Mapped[AgreementVersion] = relationship(back_populates="confirmations")


class _InVersions:
    """A part of the agreement from the version that added it until the one that closed it."""

    added_in: Mapped[int] = mapped_column()
    closed_in: Mapped[int | None] = mapped_column()

    def in_version(self, number: int) -> bool:
        """True when this part belongs to the given version."""
        return self.added_in <= number and (self.closed_in is None or number < self.closed_in)


class FocusCase(_InVersions, db.Model):
    """A case chosen to learn from, named by its case reference only."""

    __tablename__ = "focus_cases"
    __table_args__ = (
        CheckConstraint("support_level IN ('talk_through', 'accompany')", name="support_level"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("mentoring_agreements.id", ondelete="CASCADE"), index=True
    )
    case_reference: Mapped[str] = mapped_column(String(40))
    learning_aim: Mapped[str] = mapped_column(Text, default="")
    support_level: Mapped[str] = mapped_column(String(20))

    agreement: Mapped[MentoringAgreement] = relationship(back_populates="focus_cases")

    @property
    def level(self) -> SupportLevel:
        return SupportLevel(self.support_level)


class AgreementGoal(_InVersions, db.Model):
    """A development goal, linked to a professional standard where one fits."""

    __tablename__ = "agreement_goals"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("mentoring_agreements.id", ondelete="CASCADE"), index=True
    )
    description: Mapped[str] = mapped_column(Text)
    standard_id: Mapped[int | None] = mapped_column(
        ForeignKey("standards.id", ondelete="SET NULL"), index=True
    )

    agreement: Mapped[MentoringAgreement] = relationship(back_populates="goals")
    standard: Mapped[Standard | None] = relationship()
    ratings: Mapped[list["GoalRating"]] = relationship(
        order_by="GoalRating.point", cascade="all, delete-orphan"
    )


class AgreementReview(db.Model):
    """The review at one review point: the mentor's, the NQSW's view, the manager's nod."""

    __tablename__ = "agreement_reviews"
    __table_args__ = (
        UniqueConstraint("agreement_id", "months"),
        CheckConstraint("months IN (3, 6, 9, 12)", name="review_point"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("mentoring_agreements.id", ondelete="CASCADE"), index=True
    )
    months: Mapped[int] = mapped_column()
    progress: Mapped[str] = mapped_column(Text, default="")
    what_next: Mapped[str] = mapped_column(Text, default="")
    written_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    written_at: Mapped[datetime] = mapped_column(UTCDateTime)
    nqsw_view: Mapped[str] = mapped_column(Text, default="")
    nqsw_added_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    written_by: Mapped[User] = relationship(foreign_keys=written_by_id)
    lines: Mapped[list["ReviewProgress"]] = relationship(
        order_by="ReviewProgress.id", cascade="all, delete-orphan"
    )


class ReviewProgress(db.Model):
    """The mentor's short line on progress on one goal or one focus case, in one review."""

    __tablename__ = "review_progress"
    __table_args__ = (
        CheckConstraint("(goal_id IS NULL) <> (focus_case_id IS NULL)", name="goal_or_case"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(
        ForeignKey("agreement_reviews.id", ondelete="CASCADE"), index=True
    )
    goal_id: Mapped[int | None] = mapped_column(
        ForeignKey("agreement_goals.id", ondelete="CASCADE")
    )
    focus_case_id: Mapped[int | None] = mapped_column(
        ForeignKey("focus_cases.id", ondelete="CASCADE")
    )
    text: Mapped[str] = mapped_column(Text, default="")


class GoalRating(db.Model):
    """How the NQSW rates themselves on a goal, at the start (point 0) or a review point."""

    __tablename__ = "goal_ratings"
    __table_args__ = (
        CheckConstraint("point IN (0, 3, 6, 9, 12)", name="rating_point"),
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),
    )

    goal_id: Mapped[int] = mapped_column(
        ForeignKey("agreement_goals.id", ondelete="CASCADE"), primary_key=True
    )
    point: Mapped[int] = mapped_column(primary_key=True)
    rating: Mapped[int] = mapped_column()
    rated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ReviewReminder(db.Model):
    """A reminder sent a week before a review: one per review point, whoever runs it."""

    __tablename__ = "review_reminders"

    agreement_id: Mapped[int] = mapped_column(
        ForeignKey("mentoring_agreements.id", ondelete="CASCADE"), primary_key=True
    )
    months: Mapped[int] = mapped_column(primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
