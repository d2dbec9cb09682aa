"""Who may see or change which mentor's availability."""

from functools import cache

from flask_login import current_user
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from nqsw_visits.core.extensions import db
from nqsw_visits.core.security import not_found_unless
from nqsw_visits.people.models import MentorAssignment, Role, User


def _is_mentor(user: User | None) -> bool:
    return user is not None and user.active and user.has_role(Role.MENTOR)


def mentor_to_edit(mentor_id: int) -> User:
    """The mentor whose availability the current user may change (themselves, or any for
    an admin); 404 otherwise."""
    mentor = db.session.get(User, mentor_id)
    allowed = _is_mentor(mentor) and (
        mentor.id == current_user.id or current_user.has_role(Role.ADMIN)
    )
    not_found_unless(allowed, "mentor availability", mentor_id)
    return mentor


def mentor_to_view(mentor_id: int) -> User:
    """A mentor whose free time the current user may see: their own mentor if an NQSW,
    any mentor if a mentor or admin; 404 otherwise."""
    found = db.session.execute(
        _mentor_for_viewer(), {"mentor_id": mentor_id, "viewer_id": current_user.id}
    )
    mentor, assigned = found.unique().first() or (None, False)
    allowed = _is_mentor(mentor) and (current_user.has_role(Role.MENTOR, Role.ADMIN) or assigned)
    not_found_unless(allowed, "mentor free time", mentor_id)
    return mentor


@cache
def _mentor_for_viewer():
    # One statement, built once: the mentor, their roles, and whether the viewer is their
    # NQSW (three statements before, on each look at a mentor's free time).
    assigned = (
        select(MentorAssignment.mentor_id)
        .where(
            MentorAssignment.nqsw_id == bindparam("viewer_id"),
            MentorAssignment.mentor_id == User.id,
        )
        .exists()
    )
    return (
        select(User, assigned.label("assigned"))
        .where(User.id == bindparam("mentor_id"))
        .options(joinedload(User.role_rows))
    )
