"""What a person's notifications read: how many are unread, and the latest first."""

from sqlalchemy import Select, func, select

from nqsw_visits.core.extensions import db
from nqsw_visits.notifications.models import Notification


def unread_count(user_id: int) -> int:
    """How many notifications the person has not marked as read."""
    return db.session.scalar(
        select(func.count(Notification.id)).where(
            Notification.user_id == user_id, Notification.read_at.is_(None)
        )
    )


def latest(user_id: int) -> Select:
    """The person's notifications, newest first, to page through."""
    return (
        select(Notification).where(Notification.user_id == user_id).order_by(Notification.id.desc())
    )
