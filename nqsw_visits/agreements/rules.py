"""Rules of a mentoring agreement: who may start, confirm and change it, and its reviews."""

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy.exc import IntegrityError

from nqsw_visits.agreements.models import (
    AgreementConfirmation,
    AgreementGoal,
    AgreementVersion,
    FocusCase,
    MentoringAgreement,
    SupportLevel,
)
from nqsw_visits.core.extensions import db
from nqsw_visits.core.refusal import Refusal
from nqsw_visits.notifications import notify
from nqsw_visits.people import audit
from nqsw_visits.people.models import Role, User
from nqsw_visits.people.queries import manages

MAX_FOCUS_CASES = 2
REVIEW_MONTHS = (3, 6, 9, 12)


class AgreementError(Refusal):
    """A step the rules refuse; `status` is the HTTP answer (409 or 422)."""


@dataclass(frozen=True)
class NewFocusCase:
    """A focus case as typed at the start meeting or at a change."""

    case_reference: str
    learning_aim: str
    support_level: SupportLevel


@dataclass(frozen=True)
class NewGoal:
    """A goal as typed, with the professional standard it works towards, if any."""

    description: str
    standard_id: int | None = None


@dataclass(frozen=True)
class Terms:
    """What a version says: the three people, the start, the rhythm, cases and goals."""

    mentor: User
    manager: User
    starts_on: date
    every_weeks: int = 2
    nine_month_review: bool = False
    new_focus_cases: list[NewFocusCase] = field(default_factory=list)
    kept_focus_case_ids: frozenset[int] = frozenset()
    new_goals: list[NewGoal] = field(default_factory=list)
    kept_goal_ids: frozenset[int] = frozenset()


@dataclass(frozen=True)
class ReviewPoint:
    """A review due some months after the start, on a working day."""

    months: int
    due_on: date


def add_months(day: date, months: int) -> date:
    """The same day some months later, or the month's last day where it is shorter."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def next_working_day(day: date, holidays: frozenset[date]) -> date:
    """The day itself if it is a working day, otherwise the next one."""
    while day.weekday() >= 5 or day in holidays:
        day += timedelta(days=1)
    return day


def review_points(
    starts_on: date, nine_month: bool, holidays: frozenset[date]
) -> list[ReviewPoint]:
    """Reviews at 3, 6, (9) and 12 months from the start, moved off weekends and bank holidays."""
    return [
        ReviewPoint(months, next_working_day(add_months(starts_on, months), holidays))
        for months in REVIEW_MONTHS
        if months != 9 or nine_month
    ]


def parties(agreement: MentoringAgreement, version: AgreementVersion) -> dict[str, int]:
    """The three people a version binds, by their part in it."""
    return {"nqsw": agreement.nqsw_id, "mentor": version.mentor_id, "manager": version.manager_id}


def latest(agreement: MentoringAgreement) -> AgreementVersion:
    """The newest version, confirmed or not."""
    return agreement.versions[-1]


def is_confirmed(agreement: MentoringAgreement, version: AgreementVersion) -> bool:
    """True when all three people have confirmed the version."""
    confirmed = {row.person_id for row in version.confirmations}
    return set(parties(agreement, version).values()) <= confirmed


def in_force(agreement: MentoringAgreement) -> AgreementVersion | None:
    """The newest version all three have confirmed: what the agreement says today."""
    for version in reversed(agreement.versions):
        if is_confirmed(agreement, version):
            return version
    return None


def state(agreement: MentoringAgreement) -> str:
    """ended, active (a version in force), or awaiting confirmation."""
    if agreement.ended_on is not None:
        return "ended"
    return "active" if in_force(agreement) is not None else "awaiting confirmation"


def may_start(actor: User, nqsw: User) -> bool:
    """A mentor of the NQSW, or the practice manager of their team, may start an agreement."""
    if not nqsw.has_role(Role.NQSW) or not nqsw.active:
        return False
    if actor.has_role(Role.MENTOR) and actor in nqsw.mentors:
        return True
    return manages(actor, nqsw)


def check_terms(nqsw: User, terms: Terms, focus_count: int) -> None:
    if not terms.mentor.has_role(Role.MENTOR) or not terms.mentor.active:
        raise AgreementError("Choose a mentor", field="mentor")
    if terms.mentor.id == nqsw.id:
        raise AgreementError("The mentor cannot be the NQSW", field="mentor")
    if not manages(terms.manager, nqsw):
        raise AgreementError("Choose the practice manager of the NQSW's team", field="manager")
    if not 1 <= terms.every_weeks <= 8:
        raise AgreementError(
            "Choose how often to meet, from every week to every 8 weeks", field="every_weeks"
        )
    if not 1 <= focus_count <= MAX_FOCUS_CASES:
        raise AgreementError("Choose one or two focus cases", field="case_1")
    references = [case.case_reference.strip().upper() for case in terms.new_focus_cases]
    if any(not reference for reference in references):
        raise AgreementError("Enter the case reference of each focus case", field="case_1")


def _add_parts(agreement: MentoringAgreement, terms: Terms, number: int) -> None:
    for case in terms.new_focus_cases:
        agreement.focus_cases.append(
            FocusCase(
                case_reference=case.case_reference.strip().upper(),
                learning_aim=case.learning_aim.strip(),
                support_level=SupportLevel(case.support_level).value,
                added_in=number,
            )
        )
    for goal in terms.new_goals:
        agreement.goals.append(
            AgreementGoal(
                description=goal.description.strip(),
                standard_id=goal.standard_id,
                added_in=number,
            )
        )


def new_version(agreement, terms: Terms, actor: User, number: int, what_changed: str, now):
    version = AgreementVersion(
        number=number,
        mentor_id=terms.mentor.id,
        manager_id=terms.manager.id,
        starts_on=terms.starts_on,
        one_to_one_every_weeks=terms.every_weeks,
        nine_month_review=terms.nine_month_review,
        what_changed=what_changed,
        created_by_id=actor.id,
        created_at=now,
    )
    agreement.versions.append(version)
    _add_parts(agreement, terms, number)
    if actor.id in parties(agreement, version).values():
        # Whoever writes a version agrees with it; the other two still confirm.
        version.confirmations.append(AgreementConfirmation(person_id=actor.id, confirmed_at=now))
    return version


def save_or_conflict(message: str) -> None:
    """Flush in a savepoint: a row someone else saved the same moment is a 409, not a 500."""
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise AgreementError(message, status=409) from None


def start(actor: User, nqsw: User, terms: Terms, now: datetime) -> MentoringAgreement:
    """Start an agreement at version 1, confirmed by whoever started it; the caller commits."""
    if not may_start(actor, nqsw):
        raise AgreementError("You cannot start an agreement for this person", status=403)
    check_terms(nqsw, terms, len(terms.new_focus_cases))
    agreement = MentoringAgreement(nqsw_id=nqsw.id, started_by_id=actor.id, created_at=now)
    new_version(agreement, terms, actor, 1, "Agreement started", now)
    db.session.add(agreement)
    save_or_conflict("This NQSW already has a mentoring agreement: change that one instead")
    audit.record("agreement.started", actor=actor, obj=agreement, nqsw_id=nqsw.id)
    tell_others(
        actor, agreement, f"{actor.display_name} started a mentoring agreement: please confirm it"
    )
    return agreement


def tell_others(actor: User, agreement: MentoringAgreement, message: str) -> None:
    """Notify the people of the newest version other than the actor (no case detail)."""
    version = latest(agreement)
    people = {version.mentor, version.manager, agreement.nqsw} - {actor}
    for person in sorted(people, key=lambda p: p.id):
        notify.notify(person, message, link=f"/agreements/{agreement.id}")
