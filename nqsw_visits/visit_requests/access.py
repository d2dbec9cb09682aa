"""Who may see or act on a support request: its parties, and the NQSW's practice manager."""

from flask_login import current_user

from nqsw_visits.extensions import db
from nqsw_visits.models_requests import SupportRequest
from nqsw_visits.security import not_found_unless
from nqsw_visits.services.people import manages


def request_for(request_id: int, *, manager_may_read: bool = False) -> SupportRequest:
    """The request if the current user is its NQSW or mentor (or may read it); else 404."""
    request = db.session.get(SupportRequest, request_id)
    allowed = request is not None and current_user.id in (request.nqsw_id, request.mentor_id)
    if request is not None and not allowed and manager_may_read:
        allowed = manages(current_user, request.nqsw)
    not_found_unless(allowed, "support request", request_id)
    return request
