"""Who may see or act on a support request: its parties, and the NQSW's practice manager."""

from flask_login import current_user

from nqsw_visits.core.extensions import db
from nqsw_visits.core.security import not_found_unless
from nqsw_visits.people.queries import manages
from nqsw_visits.support_requests.models import SupportRequest


def request_for(request_id: int, *, manager_may_read: bool = False) -> SupportRequest:
    """The request if the current user is its NQSW or mentor (or may read it); else 404."""
    request = db.session.get(SupportRequest, request_id)
    allowed = request is not None and current_user.id in (request.nqsw_id, request.mentor_id)
    if request is not None and not allowed and manager_may_read:
        allowed = manages(current_user, request.nqsw)
    not_found_unless(allowed, "support request", request_id)
    return request
