"""Guest speakers, the register, the record and feedback of a group session."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from nqsw_visits.core.extensions import db
from nqsw_visits.group_sessions import telling
from nqsw_visits.group_sessions.checks import free_text
from nqsw_visits.group_sessions.diary import invite_of, must_manage
from nqsw_visits.group_sessions.errors import GroupSessionError
from nqsw_visits.group_sessions.models import GroupFeedback, GroupGuest, GroupSession
from nqsw_visits.people import audit
from nqsw_visits.people.models import User
from nqsw_visits.people.rules import PeopleError, check_email, check_name

NOTES_MAX = 5000
RESOURCES_MAX = 2000
COMMENT_MAX = 200


@dataclass(frozen=True)
class Guest:
    """A guest speaker: a member of staff (user_id) or someone from outside with no account."""

    name: str
    email: str
    role: str = ""
    organisation: str = ""
    user_id: int | None = None


def _must_be_open(session: GroupSession, now: datetime) -> None:
    if session.cancelled or now >= session.ends_at:
        raise GroupSessionError("Guests change only until the session ends", 409)


def _checked(guest: Guest) -> Guest:
    """The guest as stored, or GroupSessionError on the first field that is wrong."""
    try:
        name = check_name(guest.name or "", field="name", what="the guest's name")
        email = check_email(guest.email or "")
    except PeopleError as error:
        raise GroupSessionError(str(error), field=error.field) from None
    role = free_text(guest.role, "role", 120, "their role")
    organisation = free_text(guest.organisation, "organisation", 120, "their organisation")
    if guest.user_id is not None and not db.session.scalar(
        select(User.active).where(User.id == guest.user_id)
    ):
        raise GroupSessionError("Choose a member of staff with an active account", field="user_id")
    return Guest(name, email, role, organisation, guest.user_id)


def add_guest(actor: User, session: GroupSession, guest: Guest, now: datetime) -> GroupGuest:
    """Invite a guest speaker; they get the calendar invitation by email, and nothing else."""
    must_manage(actor, session)
    _must_be_open(session, now)
    guest = _checked(guest)
    if any(other.email == guest.email for other in session.guests):
        raise GroupSessionError("This person is already a guest of the session", field="email")
    row = GroupGuest(
        session_id=session.id,
        user_id=guest.user_id,
        name=guest.name,
        role=guest.role,
        organisation=guest.organisation,
        email=guest.email,
    )
    session.guests.append(row)
    db.session.flush()
    audit.record("group_session.guest_added", actor=actor, obj=session, guest_id=row.id)
    telling.guest_invited(session, row)
    return row


def remove_guest(actor: User, session: GroupSession, guest_id: int, now: datetime) -> None:
    """A guest no longer needed: their calendar drops the event."""
    must_manage(actor, session)
    guest = db.session.get(GroupGuest, guest_id)
    if guest is None or guest.session_id != session.id:
        raise GroupSessionError("This guest is not invited to the session", 404)
    _must_be_open(session, now)
    telling.guest_removed(session, guest)
    session.guests.remove(guest)
    db.session.flush()
    audit.record("group_session.guest_removed", actor=actor, obj=session, guest_id=guest_id)


def mark_attendance(
    actor: User, session: GroupSession, user_id: int, attended: bool, now: datetime
) -> None:
    """Mark on the register whether an invited person came."""
    must_manage(actor, session)
    if not session.may_mark_attendance(now):
        raise GroupSessionError("The register opens when the session starts", 409)
    invite = invite_of(session, user_id)
    if invite is None:
        raise GroupSessionError("This person was not invited to the session", 404)
    invite.attended = bool(attended)
    audit.record(
        "group_session.attendance", actor=actor, obj=session, user_id=user_id, attended=attended
    )


def write_record(
    actor: User, session: GroupSession, notes: str, resources: str, now: datetime
) -> None:
    """The notes and links to resources every invited person may read: no case detail."""
    must_manage(actor, session)
    if not session.may_write_record(now):
        raise GroupSessionError("The record is written once the session has started", 409)
    session.notes = free_text(notes, "notes", NOTES_MAX, "the notes", private=True)
    session.resources = free_text(
        resources, "resources", RESOURCES_MAX, "the resources", private=True
    )
    session.notes_at = now
    audit.record("group_session.record_written", actor=actor, obj=session)


def give_feedback(
    person: User, session: GroupSession, rating: int, comment: str, now: datetime
) -> None:
    """An attendee's rating from 1 to 5 and one line, shown to the organiser without a name."""
    invite = invite_of(session, person.id)
    if invite is None or invite.attended is not True:
        raise GroupSessionError("Only people marked as there give feedback", 403)
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise GroupSessionError("Choose a rating from 1 to 5", field="rating")
    if "\n" in (comment or "") or "\r" in (comment or ""):
        raise GroupSessionError("Keep your comment to one line", field="comment")
    comment = free_text(comment, "comment", COMMENT_MAX, "your comment", private=True)
    feedback = db.session.get(GroupFeedback, (session.id, person.id))
    if feedback is None:
        feedback = GroupFeedback(session_id=session.id, user_id=person.id, created_at=now)
        db.session.add(feedback)
    feedback.rating, feedback.comment = rating, comment
    db.session.flush()
    # Feedback is unattributed: the audit row says that it was given, never what.
    audit.record("group_session.feedback_given", actor=person, obj=session)
