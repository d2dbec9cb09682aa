"""What each person has to do on their mentoring agreements, for their home page: two queries."""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import User
from .models import AgreementVersion, MentoringAgreement
from .queries import holidays_between, mine
from .reviews import points
from .rules import in_force, latest, parties

MOST = 50  # open agreements looked at; a mentor or manager has far fewer


@dataclass(frozen=True)
class ToDo:
    """One thing to do, with the page to do it on."""

    text: str
    href: str
    overdue: bool = False


def _load(user: User) -> list[MentoringAgreement]:
    query = (
        select(MentoringAgreement)
        .where(mine(user), MentoringAgreement.ended_on.is_(None))
        .options(
            joinedload(MentoringAgreement.nqsw).lazyload(User.role_rows),
            joinedload(MentoringAgreement.versions).joinedload(AgreementVersion.confirmations),
            joinedload(MentoringAgreement.reviews),
        )
        .order_by(MentoringAgreement.id)
        .limit(MOST)
    )
    return list(db.session.scalars(query).unique())


def to_do(user: User, today: date) -> list[ToDo]:
    """Versions to confirm, and reviews to write, add a view to or confirm."""
    found = _load(user)
    starts = [v.starts_on for a in found if (v := in_force(a)) is not None]
    holidays = (
        holidays_between(min(starts), max(starts) + timedelta(days=400)) if starts else frozenset()
    )
    items = []
    for agreement in found:
        items += _for(user, agreement, holidays, today)
    return items


def _for(user: User, agreement: MentoringAgreement, holidays, today: date) -> list[ToDo]:
    items, whose = (
        [],
        "your" if user.id == agreement.nqsw_id else f"{agreement.nqsw.display_name}'s",
    )
    version, base = latest(agreement), f"/agreements/{agreement.id}"
    confirmed = {row.person_id for row in version.confirmations}
    if user.id in parties(agreement, version).values() and user.id not in confirmed:
        items.append(ToDo(f"Confirm {whose} mentoring agreement", base))
    force = in_force(agreement)
    for at in points(agreement, holidays, today):
        review = f"{whose} {at.point.months}-month review"
        due = f"{at.point.due_on.day} {at.point.due_on:%B %Y}"
        href = f"{base}/reviews/{at.point.months}"
        if user.id == force.mentor_id and at.state in ("due", "overdue"):
            items.append(ToDo(f"Write {review}, due {due}", href, at.state == "overdue"))
        elif user.id == agreement.nqsw_id and at.state == "waiting for the NQSW":
            items.append(ToDo(f"Add your view to {review}", href))
        elif user.id == force.manager_id and at.state == "waiting for the manager":
            items.append(ToDo(f"Confirm {review}", href))
    return items
