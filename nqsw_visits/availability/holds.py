"""Time held in a mentor's diary: the lock that serialises changes to it, and taking a hold."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from nqsw_visits.availability.models import MentorHold
from nqsw_visits.core.extensions import db
from nqsw_visits.people.models import User


def lock_mentor(*mentor_ids: int) -> None:
    """Hold the mentors' diaries for this transaction, in id order."""
    # FOR UPDATE serialises changes to one mentor's diary on PostgreSQL; SQLAlchemy drops
    # it on SQLite, where every transaction here already holds the write lock. Every
    # change takes it before touching the request row, and several in id order: a change
    # that locked the request first would deadlock with one holding the mentor (the
    # notification's foreign key waits for the mentor row).
    for mentor_id in sorted(set(mentor_ids)):
        db.session.execute(select(User.id).where(User.id == mentor_id).with_for_update())


def take_hold(mentor_id: int, starts_at: datetime, ends_at: datetime, kind: str, **owner) -> bool:
    """Hold time in a mentor's diary for its owner (`one_to_one_id=` or `group_session_id=`);
    False when the database finds the time taken after all."""
    try:
        with db.session.begin_nested():
            db.session.add(
                MentorHold(
                    mentor_id=mentor_id, starts_at=starts_at, ends_at=ends_at, kind=kind, **owner
                )
            )
            db.session.flush()
    except IntegrityError:
        return False
    return True
