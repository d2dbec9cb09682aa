"""What each person has to do on their mentoring agreements, for their home page: one query."""

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache

from sqlalchemy import bindparam, select

from nqsw_visits.agreements.models import (
    AgreementConfirmation,
    AgreementReview,
    AgreementVersion,
    MentoringAgreement,
)
from nqsw_visits.agreements.queries import mine
from nqsw_visits.agreements.reviews import points
from nqsw_visits.agreements.rules import in_force, latest, parties
from nqsw_visits.availability import holidays as bank_holidays
from nqsw_visits.core.extensions import db
from nqsw_visits.people.models import Role, TeamManager, User

MOST = 50  # open agreements looked at; a mentor or manager has far fewer


@dataclass(frozen=True)
class ToDo:
    """One thing to do, with the page to do it on; a review's item names its NQSW and state."""

    text: str
    href: str
    overdue: bool = False
    nqsw_id: int | None = None
    review: str = ""


@dataclass(frozen=True)
class _Person:
    display_name: str
    team_id: int | None


@dataclass(frozen=True)
class _Confirmation:
    person_id: int


@dataclass
class _Version:
    number: int
    starts_on: date
    mentor_id: int
    manager_id: int
    nine_month_review: bool
    confirmations: list[_Confirmation] = field(default_factory=list)


@dataclass(frozen=True)
class _Review:
    months: int
    confirmed_at: datetime | None
    nqsw_added_at: datetime | None


@dataclass
class _Agreement:
    """What the to-do list reads of an agreement, in the shape the agreement rules take."""

    id: int
    nqsw_id: int
    nqsw: _Person
    versions: list[_Version] = field(default_factory=list)
    reviews: list[_Review] = field(default_factory=list)
    team_managers: set[int] = field(default_factory=set)  # of the NQSW's team now


def _load(user: User) -> list[_Agreement]:
    # Plain rows, not ORM objects: every home page reads a busy mentor's or manager's open
    # agreements, and loading them as objects cost twice what the rest of the list did.
    agreements, versions, confirmed, reviewed = {}, {}, set(), set()
    for row in db.session.execute(_open_agreements(), {"user_id": user.id}):
        agreement = agreements.get(row.id)
        if agreement is None:
            nqsw = _Person(row.display_name, row.team_id)
            agreement = agreements[row.id] = _Agreement(row.id, row.nqsw_id, nqsw)
        version = versions.get(row.version_id)
        if version is None:
            version = versions[row.version_id] = _Version(
                row.number, row.starts_on, row.mentor_id, row.manager_id, row.nine_month_review
            )
            agreement.versions.append(version)
        if row.person_id is not None and (row.version_id, row.person_id) not in confirmed:
            confirmed.add((row.version_id, row.person_id))
            version.confirmations.append(_Confirmation(row.person_id))
        if row.review_id is not None and row.review_id not in reviewed:
            reviewed.add(row.review_id)
            agreement.reviews.append(_Review(row.months, row.confirmed_at, row.nqsw_added_at))
        if row.team_manager_id is not None:
            agreement.team_managers.add(row.team_manager_id)
    return list(agreements.values())


@cache
def _open_agreements():
    # Built once: every home page runs it, and building it took longer than running it.
    page = (
        select(MentoringAgreement.id)
        .where(mine(bindparam("user_id")), MentoringAgreement.ended_on.is_(None))
        .order_by(MentoringAgreement.id)
        .limit(MOST)
        .subquery()
    )
    version, confirmation, review = AgreementVersion, AgreementConfirmation, AgreementReview
    return (
        select(
            MentoringAgreement.id,
            MentoringAgreement.nqsw_id,
            User.display_name,
            User.team_id,
            version.id.label("version_id"),
            version.number,
            version.starts_on,
            version.mentor_id,
            version.manager_id,
            version.nine_month_review,
            confirmation.person_id,
            review.id.label("review_id"),
            review.months,
            review.confirmed_at,
            review.nqsw_added_at,
            TeamManager.user_id.label("team_manager_id"),
        )
        .join(page, page.c.id == MentoringAgreement.id)
        .join(User, User.id == MentoringAgreement.nqsw_id)
        # A team has one manager or two: each row comes once for each.
        .outerjoin(TeamManager, TeamManager.team_id == User.team_id)
        .join(version, version.agreement_id == MentoringAgreement.id)
        .outerjoin(confirmation, confirmation.version_id == version.id)
        .outerjoin(review, review.agreement_id == MentoringAgreement.id)
        .order_by(MentoringAgreement.id, version.number, review.months)
    )


def to_do(user: User, today: date) -> list[ToDo]:
    """Versions to confirm or take over, and reviews due, to write, add a view to or confirm."""
    found = _load(user)
    holidays = bank_holidays.every_day()
    is_manager = user.has_role(Role.PRACTICE_MANAGER)
    items = []
    for agreement in found:
        manages = is_manager and user.id in agreement.team_managers
        items += _confirm(user, agreement, manages, agreement.team_managers)
        items += _reviews(user, agreement, manages, holidays, today)
    return items


def _whose(user: User, agreement: _Agreement) -> str:
    return "your" if user.id == agreement.nqsw_id else f"{agreement.nqsw.display_name}'s"


def _confirm(user: User, agreement, manages: bool, now_managing: set[int]) -> list[ToDo]:
    version, base = latest(agreement), f"/agreements/{agreement.id}"
    confirmed = {row.person_id for row in version.confirmations}
    if user.id in parties(agreement, version).values() and user.id not in confirmed:
        return [ToDo(f"Confirm {_whose(user, agreement)} mentoring agreement", base)]
    if manages and version.manager_id not in now_managing:
        # The NQSW's manager changed: the agreement stays with the NQSW, for the new one to take.
        return [
            ToDo(f"Take over {_whose(user, agreement)} mentoring agreement and confirm it", base)
        ]
    return []


def _reviews(user: User, agreement, manages: bool, holidays, today: date) -> list[ToDo]:
    force, items = in_force(agreement), []
    if force is None:
        return items
    whose = _whose(user, agreement)
    for at in points(agreement, holidays, today):
        review = f"{whose} {at.point.months}-month review"
        due = f"{at.point.due_on.day} {at.point.due_on:%B %Y}"
        href = f"/agreements/{agreement.id}/reviews/{at.point.months}"
        late = at.state == "overdue"
        tagged = {"nqsw_id": agreement.nqsw_id, "review": at.state, "overdue": late}
        if at.state in ("due", "overdue"):
            if user.id == force.mentor_id:
                items.append(ToDo(f"Write {review}, due {due}", href, **tagged))
            elif user.id == agreement.nqsw_id or manages:
                text = f"{review[0].upper()}{review[1:]} is due {due}: the mentor writes it first"
                items.append(ToDo(text, href, **tagged))
        elif user.id == agreement.nqsw_id and at.state == "waiting for the NQSW":
            items.append(ToDo(f"Add your view to {review}", href))
        elif manages and at.state == "waiting for the manager":
            items.append(ToDo(f"Confirm {review}", href))
    return items
