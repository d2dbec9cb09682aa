"""What is past its keep period, and deleting it in short batches."""

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, delete, insert, or_, select

from nqsw_visits.core.database import writing
from nqsw_visits.core.extensions import db
from nqsw_visits.notifications.models import Notification, OutboxEmail
from nqsw_visits.people import audit
from nqsw_visits.people.audit_window import AuditPurgeWindow
from nqsw_visits.people.models import AuditEvent, UserSession

BATCH_SIZE = 1000
# Below this a typing slip (RETAIN_AUDIT_DAYS=0) would empty the audit trail.
MIN_AUDIT_KEEP = timedelta(days=365)


@dataclass(frozen=True)
class KeepPeriods:
    """How long each kind of record is kept after it is done with."""

    read_notifications: timedelta
    sent_emails: timedelta
    ended_sessions: timedelta
    audit: timedelta
    session_idle: timedelta
    session_absolute: timedelta

    @classmethod
    def from_config(cls, config) -> "KeepPeriods":
        """The keep periods the app's settings give."""
        return cls(
            read_notifications=timedelta(days=config["RETAIN_READ_NOTIFICATIONS_DAYS"]),
            sent_emails=timedelta(days=config["RETAIN_SENT_EMAILS_DAYS"]),
            ended_sessions=timedelta(days=config["RETAIN_ENDED_SESSIONS_DAYS"]),
            audit=timedelta(days=config["RETAIN_AUDIT_DAYS"]),
            session_idle=config["SESSION_IDLE_TIMEOUT"],
            session_absolute=config["SESSION_ABSOLUTE_TIMEOUT"],
        )

    def problems(self) -> list[str]:
        """Why these periods are unsafe to purge with; empty when they are fine."""
        found = [
            f"{name} must not be negative"
            for name, period in (
                ("RETAIN_READ_NOTIFICATIONS_DAYS", self.read_notifications),
                ("RETAIN_SENT_EMAILS_DAYS", self.sent_emails),
                ("RETAIN_ENDED_SESSIONS_DAYS", self.ended_sessions),
            )
            if period < timedelta(0)
        ]
        if self.audit < MIN_AUDIT_KEEP:
            found.append(f"RETAIN_AUDIT_DAYS must be at least {MIN_AUDIT_KEEP.days}")
        return found


def read_notifications(now: datetime, periods: KeepPeriods) -> ColumnElement[bool]:
    """Notifications read longer ago than their keep period; unread ones always stay."""
    return and_(
        Notification.read_at.is_not(None),
        Notification.read_at < now - periods.read_notifications,
    )


def sent_emails(now: datetime, periods: KeepPeriods) -> ColumnElement[bool]:
    """Emails sent longer ago than their keep period; unsent ones always stay."""
    return and_(OutboxEmail.sent_at.is_not(None), OutboxEmail.sent_at < now - periods.sent_emails)


def ended_sessions(now: datetime, periods: KeepPeriods) -> ColumnElement[bool]:
    """Sessions over for longer than their keep period: ended, or expired unnoticed.

    A session nobody came back to is never marked ended, but it is over once its idle
    or absolute timeout has passed; an open one matches neither.
    """
    cutoff = now - periods.ended_sessions
    return or_(
        and_(UserSession.ended_at.is_not(None), UserSession.ended_at < cutoff),
        and_(
            UserSession.ended_at.is_(None),
            or_(
                UserSession.last_seen_at < cutoff - periods.session_idle,
                UserSession.created_at < cutoff - periods.session_absolute,
            ),
        ),
    )


def old_audit_rows(now: datetime, periods: KeepPeriods) -> ColumnElement[bool]:
    """Audit rows older than the audit keep period."""
    return AuditEvent.at < now - periods.audit


# (label, model, rule): the order they are purged in; the audit trail goes last.
KINDS: list[tuple[str, type, Callable[[datetime, KeepPeriods], ColumnElement[bool]]]] = [
    ("read notifications", Notification, read_notifications),
    ("sent emails", OutboxEmail, sent_emails),
    ("ended sessions", UserSession, ended_sessions),
    ("audit rows", AuditEvent, old_audit_rows),
]


def _delete_batch(model, rule: ColumnElement[bool], limit: int, audit_before) -> tuple[int, int]:
    """Delete up to `limit` matching rows in one short write transaction: (found, deleted)."""
    db.session.commit()  # each batch is a transaction of its own
    try:
        with writing():
            ids = db.session.scalars(
                select(model.id).where(rule).order_by(model.id).limit(limit)
            ).all()
            deleted = 0
            if ids:
                if audit_before is not None:
                    db.session.execute(insert(AuditPurgeWindow).values(purge_before=audit_before))
                deleted = db.session.execute(
                    delete(model)
                    .where(model.id.in_(ids), rule)
                    .execution_options(synchronize_session=False)
                ).rowcount
                if audit_before is not None:
                    # Closed before commit: no other transaction ever sees the window.
                    db.session.execute(delete(AuditPurgeWindow))
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return len(ids), deleted


def purge(
    now: datetime, periods: KeepPeriods, *, batch_size: int = BATCH_SIZE, pause: float = 0.0
) -> dict[str, int]:
    """Delete everything past its keep period, batch by batch; how many went, by kind."""
    problems = periods.problems()
    if problems:
        raise ValueError("; ".join(problems))
    deleted: dict[str, int] = {}
    for label, model, rule_for in KINDS:
        rule = rule_for(now, periods)
        audit_before = now - periods.audit if model is AuditEvent else None
        deleted[label] = 0
        while True:
            found, gone = _delete_batch(model, rule, batch_size, audit_before)
            deleted[label] += gone
            if found < batch_size:
                break
            # Waiting writers get the lock between batches rather than queueing behind all.
            # (An Event's wait, not time.sleep: it holds under a shifted system clock too.)
            if pause:
                threading.Event().wait(pause)
    if any(deleted.values()):
        with writing():
            audit.record("retention.purged", **{k.replace(" ", "_"): n for k, n in deleted.items()})
        db.session.commit()
    return deleted
