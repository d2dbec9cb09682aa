"""Who may see or act on a support request: its parties, and the NQSW's practice manager."""

from functools import cache

from flask_login import current_user
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from nqsw_visits.core.extensions import db
from nqsw_visits.core.security import not_found_unless
from nqsw_visits.people.models import User
from nqsw_visits.people.queries import manages
from nqsw_visits.support_requests.models import SupportRequest


def request_for(request_id: int, *, manager_may_read: bool = False) -> SupportRequest:
    """The request if the current user is its NQSW or mentor (or may read it); else 404."""
    request = db.session.execute(_with_people(), {"id": request_id}).unique().scalar()
    allowed = request is not None and current_user.id in (request.nqsw_id, request.mentor_id)
    if request is not None and not allowed and manager_may_read:
        allowed = manages(current_user, request.nqsw)
    not_found_unless(allowed, "support request", request_id)
    return request


@cache
def _with_people():
    # Built once: every request page shows both people's names, which were two statements
    # more (the other person, then their roles); the roles are read only if asked for.
    return (
        select(SupportRequest)
        .where(SupportRequest.id == bindparam("id"))
        .options(
            joinedload(SupportRequest.nqsw).lazyload(User.role_rows),
            joinedload(SupportRequest.mentor).lazyload(User.role_rows),
        )
    )
