"""Who a group session invites: whole teams, a cohort by the month their mentoring started,
and named people by email address, resolved to the ids of active accounts."""

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import or_, select

from nqsw_visits.agreements.models import AgreementVersion, MentoringAgreement
from nqsw_visits.core.extensions import db
from nqsw_visits.core.refusal import Refusal
from nqsw_visits.people.models import User
from nqsw_visits.people.signin import normalise_email

MAX_NAMED = 200  # email addresses in one list


class AudienceError(Refusal):
    """The audience cannot be resolved: the message says why, `field` says where."""

    def __init__(self, message: str, field: str = "people", status: int = 422):
        super().__init__(message, status=status, field=field)


@dataclass(frozen=True)
class Audience:
    """Teams (ids), a cohort (the first day of the month mentoring started), named people."""

    team_ids: frozenset[int] = frozenset()
    cohort: date | None = None
    emails: tuple[str, ...] = field(default_factory=tuple)


def parse_emails(text: str) -> tuple[str, ...]:
    """Email addresses one a line (commas and semicolons also part them), each once."""
    found = []
    for line in (text or "").replace(",", "\n").replace(";", "\n").splitlines():
        email = normalise_email(line)
        if email and email not in found:
            found.append(email)
    return tuple(found)


def month_label(month: date) -> str:
    """How a cohort is named: NQSWs whose mentoring started in September 2026."""
    return f"NQSWs whose mentoring started in {month:%B %Y}"


def _started_on():
    """Each agreement's first day: its first version's start."""
    return (
        select(AgreementVersion.agreement_id, AgreementVersion.starts_on)
        .where(AgreementVersion.number == 1)
        .subquery()
    )


def cohort_months() -> list[date]:
    """The months mentoring agreements started in, newest first (the first of each)."""
    started = _started_on()
    days = db.session.scalars(select(started.c.starts_on).distinct())
    return sorted({day.replace(day=1) for day in days}, reverse=True)


def _cohort(month: date, today: date) -> set[int]:
    started = _started_on()
    last = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    agreement = MentoringAgreement
    return set(
        db.session.scalars(
            select(agreement.nqsw_id)
            .join(started, started.c.agreement_id == agreement.id)
            .join(User, User.id == agreement.nqsw_id)
            .where(
                started.c.starts_on >= month,
                started.c.starts_on < last,
                or_(agreement.ended_on.is_(None), agreement.ended_on >= today),
                User.active,
            )
        )
    )


def _named(emails: tuple[str, ...]) -> set[int]:
    if len(emails) > MAX_NAMED:
        raise AudienceError(f"Enter {MAX_NAMED} email addresses or fewer")
    found = dict(
        db.session.execute(
            # Addresses are stored as normalise_email leaves them (a check constraint).
            select(User.email, User.id).where(User.email.in_(emails), User.active)
        ).all()
    )
    unknown = [email for email in emails if email not in found]
    if unknown:
        raise AudienceError(
            f"No one with an account has the email address {unknown[0]}: "
            "check it, or add them as a guest"
        )
    return set(found.values())


def resolve(audience: Audience, organiser_id: int, today: date) -> list[int]:
    """The ids of the active people invited, the organiser left out, in order."""
    ids = _named(audience.emails)
    if audience.team_ids:
        members = select(User.id).where(User.team_id.in_(audience.team_ids), User.active)
        ids |= set(db.session.scalars(members))
    if audience.cohort is not None:
        ids |= _cohort(audience.cohort, today)
    ids.discard(organiser_id)
    if not ids:
        raise AudienceError(
            "Choose a team or a cohort, or enter the email addresses of the people to invite"
        )
    return sorted(ids)


def staff_id(email: str) -> int | None:
    """The id of the active account with this email address, if there is one (a guest)."""
    return db.session.scalar(
        select(User.id).where(User.email == normalise_email(email), User.active)
    )
