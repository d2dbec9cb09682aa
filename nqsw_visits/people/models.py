"""Database models: people, roles, teams, mentor assignments, sessions and audit."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from nqsw_visits.core import clock
from nqsw_visits.core.columns import UTCDateTime
from nqsw_visits.core.extensions import db


class Role(StrEnum):
    """What a person may do; one person can hold several roles."""

    NQSW = "nqsw"
    MENTOR = "mentor"
    PRACTICE_MANAGER = "practice_manager"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.NQSW: "Newly qualified social worker",
    Role.MENTOR: "Mentor",
    Role.PRACTICE_MANAGER: "Practice manager",
    Role.ADMIN: "Administrator",
}

_ROLE_VALUES = ", ".join(f"'{role.value}'" for role in Role)


def _team_name_key(context) -> str:
    from nqsw_visits.people.rules import name_key  # the one rule for comparing names

    return name_key(context.get_current_parameters()["name"])


class Team(db.Model):
    """A social work team; NQSWs belong to one, practice managers lead one or more."""

    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    # The name as compared (NFC, spacing, case folded): unique, so "Öst" and "ÖST" are one team.
    name_key: Mapped[str] = mapped_column(String(255), unique=True, default=_team_name_key)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    members: Mapped[list["User"]] = relationship(
        back_populates="team", foreign_keys="User.team_id", order_by="User.display_name"
    )
    managers: Mapped[list["User"]] = relationship(
        secondary="team_managers", order_by="User.display_name", viewonly=True
    )


class User(db.Model):
    """A member of staff who can sign in."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint("email = lower(email)", name="email_lowercase"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("teams.id", ondelete="SET NULL"), index=True
    )
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    # sha256 of the secret in the person's calendar feed address; None until they ask for one.
    calendar_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)

    team: Mapped[Team | None] = relationship(back_populates="members", foreign_keys=team_id)
    role_rows: Mapped[list["UserRole"]] = relationship(
        cascade="all, delete-orphan", lazy="selectin"
    )
    managed_teams: Mapped[list[Team]] = relationship(
        secondary="team_managers", order_by=Team.name, viewonly=True
    )
    mentors: Mapped[list["User"]] = relationship(
        secondary="mentor_assignments",
        primaryjoin="User.id == MentorAssignment.nqsw_id",
        secondaryjoin="User.id == MentorAssignment.mentor_id",
        order_by="User.display_name",
        viewonly=True,
    )
    mentees: Mapped[list["User"]] = relationship(
        secondary="mentor_assignments",
        primaryjoin="User.id == MentorAssignment.mentor_id",
        secondaryjoin="User.id == MentorAssignment.nqsw_id",
        order_by="User.display_name",
        viewonly=True,
    )

    # Set by the session layer: the opaque token this request signed in with, and the
    # figures other areas read with it (signin.read_with_session).
    session_token = None
    session_figures = None

    @property
    def roles(self) -> set[Role]:
        return {Role(row.role) for row in self.role_rows}

    def has_role(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def sorted_roles(self) -> list[Role]:
        held = self.roles
        return [role for role in Role if role in held]

    # Flask-Login protocol: the id in the cookie is the per-session token, not the user id.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str | None:
        return self.session_token


class UserRole(db.Model):
    """One role held by one person."""

    __tablename__ = "user_roles"
    __table_args__ = (CheckConstraint(f"role IN ({_ROLE_VALUES})", name="role_known"),)

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(32), primary_key=True)


class TeamManager(db.Model):
    """A practice manager who leads a team."""

    __tablename__ = "team_managers"

    team_id: Mapped[int] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class MentorAssignment(db.Model):
    """A mentor whom an NQSW may ask for support."""

    __tablename__ = "mentor_assignments"
    __table_args__ = (CheckConstraint("nqsw_id <> mentor_id", name="not_self"),)

    nqsw_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    mentor_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class UserSession(db.Model):
    """A server-side sign-in session; the cookie holds only its random token."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(String(40))

    user: Mapped[User] = relationship()


class AuditEvent(db.Model):
    """An append-only record of who did what to which object, and when."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str | None] = mapped_column(Text)

    actor: Mapped[User | None] = relationship()
