"""Who may see or change a mentoring agreement: its three people, and no one else."""

from flask_login import current_user

from nqsw_visits.agreements import queries, rules
from nqsw_visits.agreements.models import MentoringAgreement
from nqsw_visits.core.extensions import db
from nqsw_visits.core.security import not_found_unless
from nqsw_visits.people.models import User
from nqsw_visits.people.queries import manages


def is_party(user: User, agreement: MentoringAgreement) -> bool:
    """The NQSW, the mentor of the newest version or the one in force, or the NQSW's
    practice manager now: a manager who no longer manages the NQSW loses the agreement."""
    if user.id == agreement.nqsw_id:
        return True
    versions = {rules.latest(agreement), rules.in_force(agreement)} - {None}
    if any(user.id == v.mentor_id for v in versions):
        return True
    # A new practice manager sees the agreement from their first day, to take it over.
    return manages(user, agreement.nqsw)


def agreement_for(agreement_id: int, *, whole: bool = True) -> MentoringAgreement:
    """The agreement, if the signed-in person is one of its people; otherwise 404.

    With whole=False only its NQSW and versions load, for pages about its sessions that
    show neither focus cases, goals nor reviews.
    """
    agreement = queries.one_agreement(agreement_id, whole)
    not_found_unless(
        agreement is not None and is_party(current_user, agreement), "agreement", agreement_id
    )
    return agreement


def nqsw_to_start_for(nqsw_id: int) -> User:
    """An NQSW the signed-in mentor or manager may start an agreement for; otherwise 404."""
    nqsw = db.session.get(User, nqsw_id)
    not_found_unless(
        nqsw is not None and rules.may_start(current_user, nqsw), "agreement for user", nqsw_id
    )
    return nqsw
