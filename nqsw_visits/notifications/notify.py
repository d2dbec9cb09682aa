"""Tell people that something changed: an in-app notice and a queued email, never case detail."""

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
