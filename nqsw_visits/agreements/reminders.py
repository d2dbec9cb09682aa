"""A reminder a week before each review, to the NQSW and the mentor: once, without case detail."""

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from nqsw_visits.agreements.models import AgreementVersion, MentoringAgreement, ReviewReminder
from nqsw_visits.agreements.reviews import points
from nqsw_visits.agreements.rules import in_force
from nqsw_visits.availability.models import BankHoliday
from nqsw_visits.core.extensions import db
from nqsw_visits.notifications import notify
from nqsw_visits.people import audit

AHEAD = timedelta(days=7)


def _open_agreements() -> list[MentoringAgreement]:
    return list(
        db.session.scalars(
            select(MentoringAgreement)
            .where(MentoringAgreement.ended_on.is_(None))
            .options(
                selectinload(MentoringAgreement.versions).selectinload(
                    AgreementVersion.confirmations
                ),
                selectinload(MentoringAgreement.versions).selectinload(AgreementVersion.mentor),
                selectinload(MentoringAgreement.reviews),
                selectinload(MentoringAgreement.nqsw),
            )
        )
    )


def remind_due_reviews(today: date, now: datetime) -> int:
    """Remind about each review due within a week and not yet written; how many went out."""
    holidays = frozenset(db.session.scalars(select(BankHoliday.day)))
    sent = {(r.agreement_id, r.months) for r in db.session.scalars(select(ReviewReminder))}
    count = 0
    for agreement in _open_agreements():
        for at in points(agreement, holidays, today):
            due = at.point.due_on
            if at.review is not None or (agreement.id, at.point.months) in sent:
                continue
            if not due - AHEAD <= today <= due:
                continue
            if _claim(agreement, at.point.months, now):
                _tell(agreement, at.point.months, due)
                count += 1
    return count


def _claim(agreement: MentoringAgreement, months: int, now: datetime) -> bool:
    """Record the reminder; False when another run recorded it first."""
    try:
        with db.session.begin_nested():
            db.session.add(ReviewReminder(agreement_id=agreement.id, months=months, sent_at=now))
            db.session.flush()
    except IntegrityError:
        return False
    audit.record("agreement.review_reminded", obj=agreement, months=months)
    return True


def _tell(agreement: MentoringAgreement, months: int, due: date) -> None:
    version = in_force(agreement)
    message = (
        f"The {months}-month review of {agreement.nqsw.display_name}'s mentoring agreement "
        f"is due on {due.day} {due:%B %Y}"
    )
    for person in (version.mentor, agreement.nqsw):
        notify.notify(person, message, link=f"/agreements/{agreement.id}/reviews/{months}")
