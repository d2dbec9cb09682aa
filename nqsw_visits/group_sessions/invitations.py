"""Inviting more people once a session is set up: to it, or to it and the later dates of
its series, until it starts."""

from datetime import datetime

from sqlalchemy import select

from nqsw_visits.core.extensions import db
from nqsw_visits.group_sessions import telling
from nqsw_visits.group_sessions.details import invitees
from nqsw_visits.group_sessions.diary import later_dates, lock_afresh, must_manage
from nqsw_visits.group_sessions.errors import GroupSessionError
from nqsw_visits.group_sessions.models import GroupInvite, GroupSession
from nqsw_visits.people import audit
from nqsw_visits.people.models import User

SCOPES = ("one", "future")


def invite_more(
    actor: User, session: GroupSession, invitee_ids, scope: str, now: datetime
) -> list[int]:
    """Add people to the invitation; those already invited keep their reply. Returns the
    people newly invited to at least one session."""
    must_manage(actor, session)
    if scope not in SCOPES:
        raise GroupSessionError("Choose which sessions", field="scope")
    lock_afresh(session)
    if not session.may_change(now):
        raise GroupSessionError("People are invited only until the session starts", 409)
    wanted = invitees(session.organiser, invitee_ids)
    sessions = [session, *(later_dates(session) if scope == "future" else [])]
    already = set(
        db.session.execute(
            select(GroupInvite.session_id, GroupInvite.user_id).where(
                GroupInvite.session_id.in_([each.id for each in sessions]),
                GroupInvite.user_id.in_(wanted),
            )
        ).all()
    )
    added = set()
    for each in sessions:
        for user_id in wanted:
            if (each.id, user_id) not in already:
                db.session.add(GroupInvite(session_id=each.id, user_id=user_id))
                added.add(user_id)
    db.session.flush()
    if added:
        audit.record(
            "group_session.invited",
            actor=actor,
            obj=session,
            people=len(added),
            dates=len(sessions),
        )
        telling.invited_more(session, sorted(added), actor, len(sessions))
    return sorted(added)
