"""Who may see a one-to-one: its mentor and NQSW; a later mentor if the NQSW shares it."""

from functools import cache

from flask_login import current_user
from sqlalchemy import bindparam, case, func, select
from sqlalchemy.orm import joinedload, selectinload

from nqsw_visits.agreements.models import (
    AgreementConfirmation,
    AgreementVersion,
    MentoringAgreement,
)
from nqsw_visits.core.extensions import db
from nqsw_visits.core.security import not_found_unless
from nqsw_visits.one_to_ones import rules
from nqsw_visits.one_to_ones.models import OneToOne, SessionAction, SessionKind
from nqsw_visits.people.models import User


def current_mentor_id(agreement_id: int) -> int | None:
    """The mentor of the version in force (the newest all three confirmed), in one query: a
    mentor proposed in a version not yet confirmed reads no shared record until it is."""
    return db.session.scalar(_current_mentor(), {"agreement_id": agreement_id})


@cache  # built once: every one-to-one page asks it
def _current_mentor():
    return _mentor_in_force(bindparam("agreement_id"))


def _mentor_in_force(agreement_id):
    version, agreement = AgreementVersion, MentoringAgreement
    confirmed = (
        select(func.count())
        .where(
            AgreementConfirmation.version_id == version.id,
            AgreementConfirmation.person_id.in_(
                [agreement.nqsw_id, version.mentor_id, version.manager_id]
            ),
        )
        .scalar_subquery()
    )
    people = case((version.mentor_id == version.manager_id, 2), else_=3)
    return (
        select(version.mentor_id)
        .join(agreement, agreement.id == version.agreement_id)
        .where(version.agreement_id == agreement_id, confirmed == people)
        .order_by(version.number.desc())
        .limit(1)
    )


def session_for(session_id: int) -> OneToOne:
    """The one-to-one, if the signed-in person may read it; otherwise 404."""
    return session_and_mentor(session_id)[0]


def session_and_mentor(session_id: int) -> tuple[OneToOne, int | None]:
    """The one-to-one, if the signed-in person may read it (otherwise 404), and the mentor
    of its agreement's version in force, read with it."""
    row = db.session.execute(_one_session(), {"session_id": session_id}).first()
    session, mentor_id = row if row is not None else (None, None)
    # A start meeting has no record of its own: the agreement is its record.
    allowed = (
        session is not None
        and session.kind == SessionKind.ONE_TO_ONE.value
        and rules.may_read(current_user, session, mentor_id)
    )
    not_found_unless(allowed, "one-to-one", session_id)
    return session, mentor_id


@cache  # built once: every one-to-one page loads its session so
def _one_session():
    in_force = _mentor_in_force(OneToOne.agreement_id).scalar_subquery()
    return (
        select(OneToOne, in_force)
        .where(OneToOne.id == bindparam("session_id"))
        .options(
            joinedload(OneToOne.mentor).lazyload(User.role_rows),
            joinedload(OneToOne.nqsw).lazyload(User.role_rows),
            selectinload(OneToOne.actions).joinedload(SessionAction.owner).lazyload(User.role_rows),
        )
    )


def action_of(session: OneToOne, action_id: int) -> SessionAction:
    """An open or done action the person may see: of this session or carried to it."""
    action = db.session.get(SessionAction, action_id)
    allowed = (
        action is not None
        and action.agreement_id == session.agreement_id
        and rules.may_read(current_user, action.session, current_mentor_id(session.agreement_id))
    )
    not_found_unless(allowed, "one-to-one action", action_id)
    return action
