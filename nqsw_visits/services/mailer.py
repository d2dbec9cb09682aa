"""Send queued emails over SMTP after the change that queued them has committed.

Without SMTP settings the emails go to the log instead. A failed send stays queued
and is tried again later, waiting longer each time; nothing is lost.
"""

import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

from sqlalchemy import select

from ..extensions import db
from ..models import utcnow
from ..models_requests import OutboxEmail

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 12


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to send."""

    host: str
    port: int = 25
    username: str = ""
    password: str = ""
    starttls: bool = False
    sender: str = "alongside@localhost"
    base_url: str = "http://127.0.0.1:5000"
    timeout: float = 10.0


def _retry_after(attempts: int) -> timedelta:
    return timedelta(minutes=min(2**attempts, 240))


def _message(email: OutboxEmail, settings: SmtpSettings) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = email.to_address
    message["Subject"] = email.subject
    message.set_content(email.body.replace("{base_url}", settings.base_url))
    return message


def send_due(settings: SmtpSettings, now: datetime | None = None, limit: int = 100) -> dict:
    """Send every queued email that is due; returns counts of sent and failed."""
    now = now or utcnow()
    due = db.session.scalars(
        select(OutboxEmail)
        .where(
            OutboxEmail.sent_at.is_(None),
            OutboxEmail.next_attempt_at <= now,
            OutboxEmail.attempts < MAX_ATTEMPTS,
        )
        .order_by(OutboxEmail.id)
        .limit(limit)
    ).all()
    counts = {"sent": 0, "failed": 0}
    if not due:
        return counts
    if not settings.host:
        for email in due:
            log.info(
                "email (no SMTP configured) to=%s subject=%s\n%s",
                email.to_address,
                email.subject,
                email.body.replace("{base_url}", settings.base_url),
            )
            email.sent_at = now
        counts["sent"] = len(due)
        db.session.commit()
        return counts
    try:
        with smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout) as smtp:
            if settings.starttls:
                smtp.starttls()
            if settings.username:
                smtp.login(settings.username, settings.password)
            for email in due:
                smtp.send_message(_message(email, settings))
                email.sent_at = utcnow()
                counts["sent"] += 1
                db.session.commit()
    except (OSError, smtplib.SMTPException) as error:
        for email in due:
            if email.sent_at is None:
                email.attempts += 1
                email.last_error = str(error)[:300]
                email.next_attempt_at = now + _retry_after(email.attempts)
                counts["failed"] += 1
        db.session.commit()
        log.warning("SMTP unavailable; %s email(s) stay queued: %s", counts["failed"], error)
    return counts
