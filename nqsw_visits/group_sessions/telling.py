"""Tell people about a group session: staff in-app and by email, guests by email with a
calendar invitation and never a link into the app. No case detail is ever written here."""

from sqlalchemy import select

from nqsw_visits.core import clock
from nqsw_visits.core.dates import twelve_hour
from nqsw_visits.core.extensions import db
from nqsw_visits.group_sessions.calendar import session_ics
from nqsw_visits.group_sessions.models import REPLIED, GroupGuest, GroupInvite, GroupSession
from nqsw_visits.notifications import notify
from nqsw_visits.notifications.models import OutboxEmail
from nqsw_visits.people.models import User


def when(session: GroupSession) -> str:
    """The local start as the pages write it: Tuesday 4 March 2025 at 2:00pm."""
    local = session.starts_at.astimezone(clock.zone())
    return f"{local:%A} {local.day} {local:%B %Y} at {twelve_hour(local)}"


def _until(session: GroupSession) -> str:
    return twelve_hour(session.ends_at.astimezone(clock.zone()))


def tell_staff(session: GroupSession, user_ids, message: str) -> None:
    """An in-app notice and an email to each of these people, linking to the session."""
    link = f"/group-sessions/{session.id}"
    people = db.session.scalars(
        select(User).where(User.id.in_(set(user_ids))).order_by(User.id)
    ).all()
    for person in people:
        notify.notify(person, message, link=link)


def _repliers(session: GroupSession) -> list[int]:
    """Those who have answered the invitation: they hear of changes and cancellations."""
    return list(
        db.session.scalars(
            select(GroupInvite.user_id).where(
                GroupInvite.session_id == session.id,
                GroupInvite.reply.in_(sorted(reply.value for reply in REPLIED)),
            )
        )
    )


def _email_guest(
    session: GroupSession, guest: GroupGuest, subject: str, opening: str, cancelled=False
) -> None:
    """A plain email with the invitation attached: what, when, where, who; no link."""
    lines = [
        f"Dear {guest.name},",
        "",
        opening,
        "",
        f"What: {session.topic}",
        f"When: {when(session)} to {_until(session)}",
        f"Where: {session.place or 'to be confirmed by the organiser'}",
        f"Organised by: {session.organiser.display_name}",
        "",
        "The calendar invitation is attached. You do not need an account: "
        "reply to the organiser if you have any questions.",
    ]
    db.session.add(
        OutboxEmail(
            to_address=guest.email,
            subject=subject[:200],
            body="\n".join(lines) + "\n",
            calendar=session_ics(session, clock.now(), cancelled=cancelled),
        )
    )


def _told_with_an_earlier_date(session: GroupSession) -> bool:
    """A later date of a series booked in the same step: its first date told everyone."""
    if session.series_id is None:
        return False
    return (
        db.session.scalar(
            select(GroupSession.id)
            .where(
                GroupSession.series_id == session.series_id,
                GroupSession.created_at == session.created_at,
                GroupSession.starts_at < session.starts_at,
            )
            .limit(1)
        )
        is not None
    )


def invited(session: GroupSession, user_ids, actor: User) -> None:
    """Tell newly invited people, in-app and by email: once for a whole new series."""
    if _told_with_an_earlier_date(session):
        return
    what = "monthly group sessions" if session.series_id else "a group session"
    first = "starting " if session.series_id else ""
    tell_staff(
        session,
        set(user_ids) - {actor.id},
        f"{session.organiser.display_name} invited you to {what}: "
        f"{session.topic}, {first}{when(session)}",
    )


def invited_more(session: GroupSession, user_ids, actor: User, dates: int) -> None:
    """Tell people added to a session that is already set up, or to the rest of a series."""
    what = f"{dates} monthly group sessions" if dates > 1 else "a group session"
    first = "from " if dates > 1 else ""
    tell_staff(
        session,
        set(user_ids) - {actor.id},
        f"{session.organiser.display_name} invited you to {what}: "
        f"{session.topic}, {first}{when(session)}",
    )


def guest_invited(session: GroupSession, guest: GroupGuest) -> None:
    """Email a guest speaker the invitation with its calendar file."""
    _email_guest(
        session,
        guest,
        f"Invitation: {session.topic}, {when(session)}",
        f"{session.organiser.display_name} has invited you to speak at a group session "
        "for newly qualified social workers.",
    )


def changed(session: GroupSession, actor: User) -> None:
    """Tell those who replied, and every guest with an updated calendar file."""
    tell_staff(
        session,
        set(_repliers(session)) - {actor.id},
        f"A group session has changed: {session.topic}, now {when(session)}",
    )
    for guest in session.guests:
        _email_guest(
            session,
            guest,
            f"Updated: {session.topic}, {when(session)}",
            "The group session you are invited to has changed. Here are its details now.",
        )


def cancelled(session: GroupSession, actor: User) -> None:
    """Tell those who replied, and every guest with a cancelling calendar file."""
    tell_staff(
        session,
        set(_repliers(session)) - {actor.id},
        f"A group session is cancelled: {session.topic}, {when(session)}",
    )
    for guest in session.guests:
        _email_guest(
            session,
            guest,
            f"Cancelled: {session.topic}, {when(session)}",
            "The group session you were invited to is cancelled. "
            "The attachment removes it from your calendar.",
            cancelled=True,
        )


def guest_removed(session: GroupSession, guest: GroupGuest) -> None:
    """Tell a guest they are no longer expected; their calendar drops the event."""
    _email_guest(
        session,
        guest,
        f"No longer needed: {session.topic}, {when(session)}",
        "The organiser no longer needs you at this group session. "
        "The attachment removes it from your calendar.",
        cancelled=True,
    )


def moved_up(session: GroupSession, user_id: int) -> None:
    """Tell someone from the waiting list that a place came free and they are going."""
    tell_staff(
        session,
        {user_id},
        f"A place came free: you are now going to {session.topic}, {when(session)}",
    )
