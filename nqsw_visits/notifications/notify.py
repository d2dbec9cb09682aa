"""Tell people that something changed: an in-app notice and a queued email, never case detail."""

from datetime import datetime

from sqlalchemy import update

from nqsw_visits.core.extensions import db
from nqsw_visits.notifications.models import Notification, OutboxEmail
from nqsw_visits.people.models import User


def notify(user: User, message: str, request=None, link: str | None = None) -> None:
    """Queue a notice and an email for one person, in the caller's transaction; a support
    request given is linked from both."""
    db.session.add(
        Notification(
            user_id=user.id, request_id=request.id if request else None, message=message[:200]
        )
    )
    link = link or (f"/requests/{request.id}" if request else "/")
    db.session.add(
        OutboxEmail(
            to_address=user.email,
            subject=f"Alongside: {message}"[:200],
            # The link is completed with the service's address when the email is sent.
            body=f"{message}\n\nSee the details in Alongside:\n{{base_url}}{link}\n",
        )
    )


def mark_all_read(user_id: int, now: datetime) -> None:
    """Mark every unread notification of the person as read, in the caller's transaction."""
    db.session.execute(
        update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=now)
    )
