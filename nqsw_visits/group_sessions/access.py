"""Who may open a group session: the organiser, an invited person, or an administrator;
who may run it: the organiser, or an administrator acting for them."""

from flask import abort, current_app
from flask_login import current_user
from sqlalchemy.orm import joinedload

from nqsw_visits.core.extensions import db
from nqsw_visits.core.security import not_found_unless
from nqsw_visits.group_sessions import rules
from nqsw_visits.group_sessions.diary import may_manage
from nqsw_visits.group_sessions.models import GroupSession
from nqsw_visits.people.models import User


def session_for(session_id: int) -> GroupSession:
    """The group session, if the signed-in person may see it; otherwise 404."""
    session = db.session.get(
        GroupSession,
        session_id,
        options=[joinedload(GroupSession.organiser).lazyload(User.role_rows)],
    )
    allowed = session is not None and rules.may_see(current_user, session)
    not_found_unless(allowed, "group session", session_id)
    return session


def organised(session_id: int) -> GroupSession:
    """The group session, if the signed-in person runs it; 404 unseen, 403 only invited."""
    session = session_for(session_id)
    if not may_manage(current_user, session):
        current_app.logger.warning(
            "organiser refused: user %s on group session %s", current_user.id, session_id
        )
        abort(403)
    return session
