"""Send queued emails over SMTP after the change that queued them has committed.

Each sender first claims a batch in a short write transaction, then sends with no
transaction open, then marks each email sent in another short transaction, only while
it still holds the claim. So two senders (the after-response thread, `flask
send-emails` on another machine) never both send one email, and a claim left by a
sender that died lapses and the email goes later.

Delivery is at least once, not exactly once: if the process dies after the SMTP server
accepted an email but before its row is marked sent, the claim lapses and the email is
sent again. Each email is marked in its own transaction straight after the server
accepts it, so that window holds one email, for the time of one small UPDATE. Its
Message-ID stays the same on every try, so a mail client can spot the repeat.

Without SMTP settings the emails go to the log instead. A failed send stays queued
and is tried again later, waiting longer each time; nothing is lost.
"""

import logging
import smtplib
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime

from sqlalchemy import or_, select, update

from nqsw_visits.core import clock
from nqsw_visits.core.database import writing
from nqsw_visits.core.extensions import db
from nqsw_visits.notifications.models import OutboxEmail

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
    claim_for: timedelta = timedelta(minutes=5)


@dataclass(frozen=True)
class Claimed:
    """One claimed email, copied out of the database so sending needs no transaction."""

    id: int
    to_address: str
    subject: str
    body: str
    created_at: datetime
    calendar: str | None = None  # an iCalendar invitation to attach


def _retry_after(attempts: int) -> timedelta:
    return timedelta(minutes=min(2**attempts, 240))


@contextmanager
def _short_write():
    """A transaction of its own that writes (IMMEDIATE on SQLite), committed at the end."""
    db.session.commit()  # ends whatever the caller left open; sending needs none
    try:
        with writing():
            yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


def claim(now: datetime, token: str, *, limit: int, hold: timedelta) -> list[Claimed]:
    """Claim up to `limit` due emails for the sender holding `token`, until now + hold."""
    due = (
        OutboxEmail.sent_at.is_(None),
        OutboxEmail.next_attempt_at <= now,
        OutboxEmail.attempts < MAX_ATTEMPTS,
        or_(OutboxEmail.claimed_until.is_(None), OutboxEmail.claimed_until <= now),
    )
    with _short_write():
        # On PostgreSQL, SKIP LOCKED lets a second sender take other emails instead of
        # waiting; SQLite drops it, and its IMMEDIATE transaction serialises claims.
        # Two statements, not UPDATE ... IN (subquery): PostgreSQL may run that subquery
        # again for each row, and with SKIP LOCKED it then claims far more than `limit`.
        ids = db.session.scalars(
            select(OutboxEmail.id)
            .where(*due)
            .order_by(OutboxEmail.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        ).all()
        if not ids:
            return []
        db.session.execute(
            update(OutboxEmail)
            .where(OutboxEmail.id.in_(ids), *due)
            .values(claim_token=token, claimed_until=now + hold)
            .execution_options(synchronize_session=False)
        )
        rows = db.session.execute(
            select(
                OutboxEmail.id,
                OutboxEmail.to_address,
                OutboxEmail.subject,
                OutboxEmail.body,
                OutboxEmail.created_at,
                OutboxEmail.calendar,
            )
            .where(OutboxEmail.claim_token == token, OutboxEmail.sent_at.is_(None))
            .order_by(OutboxEmail.id)
        ).all()
    return [Claimed(*row) for row in rows]


def mark_sent(email_id: int, token: str, at: datetime) -> bool:
    """Mark one email sent if this sender still holds its claim; True when it did."""
    with _short_write():
        result = db.session.execute(
            update(OutboxEmail)
            .where(
                OutboxEmail.id == email_id,
                OutboxEmail.claim_token == token,
                OutboxEmail.sent_at.is_(None),
            )
            .values(sent_at=at, claim_token=None, claimed_until=None)
            .execution_options(synchronize_session=False)
        )
    return result.rowcount == 1


def mark_failed(token: str, error: Exception, now: datetime) -> int:
    """Count a failed try on each email still claimed by `token`; each waits longer."""
    with _short_write():
        rows = db.session.execute(
            select(OutboxEmail.id, OutboxEmail.attempts).where(
                OutboxEmail.claim_token == token, OutboxEmail.sent_at.is_(None)
            )
        ).all()
        for email_id, attempts in rows:
            db.session.execute(
                update(OutboxEmail)
                .where(OutboxEmail.id == email_id, OutboxEmail.claim_token == token)
                .values(
                    attempts=attempts + 1,
                    last_error=str(error)[:300],
                    next_attempt_at=now + _retry_after(attempts + 1),
                    claim_token=None,
                    claimed_until=None,
                )
                .execution_options(synchronize_session=False)
            )
    return len(rows)


def release(token: str) -> None:
    """Give back the emails `token` claimed and did not send, for the next sender."""
    with _short_write():
        db.session.execute(
            update(OutboxEmail)
            .where(OutboxEmail.claim_token == token, OutboxEmail.sent_at.is_(None))
            .values(claim_token=None, claimed_until=None)
            .execution_options(synchronize_session=False)
        )


def _message(email: Claimed, settings: SmtpSettings) -> EmailMessage:
    message = EmailMessage()
    domain = settings.sender.rpartition("@")[2] or "localhost"
    # The same on every try of this email, so a repeat after a crash can be recognised.
    message["Message-ID"] = f"<outbox.{email.id}.{email.created_at:%Y%m%d%H%M%S}@{domain}>"
    message["Date"] = format_datetime(clock.now())
    message["From"] = settings.sender
    message["To"] = email.to_address
    message["Subject"] = email.subject
    message.set_content(email.body.replace("{base_url}", settings.base_url))
    if email.calendar:
        message.add_attachment(
            email.calendar.encode(),
            maintype="text",
            subtype="calendar",
            filename="invitation.ics",
            params={"method": "PUBLISH", "charset": "utf-8"},
        )
    return message


def _log_instead(emails: list[Claimed], token: str, settings: SmtpSettings) -> int:
    sent = 0
    for email in emails:
        log.info(
            "email (no SMTP configured) to=%s subject=%s\n%s",
            email.to_address,
            email.subject,
            email.body.replace("{base_url}", settings.base_url),
        )
        sent += mark_sent(email.id, token, clock.now())
    return sent


def send_due(settings: SmtpSettings, now: datetime | None = None, limit: int = 100) -> dict:
    """Claim and send the queued emails that are due; returns counts of sent and failed."""
    now = now or clock.now()
    token = uuid.uuid4().hex
    emails = claim(now, token, limit=limit, hold=settings.claim_for)
    counts = {"sent": 0, "failed": 0}
    if not emails:
        return counts
    if not settings.host:
        counts["sent"] = _log_instead(emails, token, settings)
        return counts
    # Start no send once half the claim has gone, so none is sent after it could lapse.
    stop_at = clock.monotonic() + settings.claim_for.total_seconds() / 2
    try:
        with smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout) as smtp:
            if settings.starttls:
                smtp.starttls()
            if settings.username:
                smtp.login(settings.username, settings.password)
            for email in emails:
                if clock.monotonic() > stop_at:
                    break
                smtp.send_message(_message(email, settings))
                if mark_sent(email.id, token, clock.now()):
                    counts["sent"] += 1
                else:
                    log.warning("email %s was sent after its claim was taken over", email.id)
    except (OSError, smtplib.SMTPException) as error:
        counts["failed"] = mark_failed(token, error, now)
        log.warning("SMTP unavailable; %s email(s) stay queued: %s", counts["failed"], error)
    finally:
        release(token)
    return counts
