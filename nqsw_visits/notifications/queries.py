"""What a person's notifications read: how many are unread, and the latest first."""

from functools import cache

from sqlalchemy import Select, bindparam, func, select

from nqsw_visits.core.extensions import db
from nqsw_visits.notifications.models import Notification
from nqsw_visits.people.models import User


def unread_figure():
    """How many notifications `User.id` has not read, as a column of another statement."""
    table = Notification.__table__
    unread = select(func.count(table.c.id)).where(
        table.c.user_id == User.id, table.c.read_at.is_(None)
    )
    return unread.scalar_subquery()


def unread_count(user_id: int) -> int:
    """How many notifications the person has not marked as read."""
    return db.session.scalar(_unread(), {"user_id": user_id})


@cache
def _unread():
    # Built once, of the table's columns: the layout shows the count on every page, and a
    # statement without mapped classes skips the ORM's work around it.
    table = Notification.__table__
    return select(func.count(table.c.id)).where(
        table.c.user_id == bindparam("user_id"), table.c.read_at.is_(None)
    )


def latest(user_id: int) -> Select:
    """The person's notifications, newest first, to page through."""
    return (
        select(Notification).where(Notification.user_id == user_id).order_by(Notification.id.desc())
    )
