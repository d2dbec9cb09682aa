"""Lists of agreements and of the NQSWs still without one, each in a fixed number of queries."""

from functools import cache

from sqlalchemy import and_, bindparam, exists, func, or_, select
from sqlalchemy.orm import aliased, joinedload, lazyload, selectinload

from nqsw_visits.agreements.models import (
    AgreementGoal,
    AgreementReview,
    AgreementVersion,
    FocusCase,
    MentoringAgreement,
)
from nqsw_visits.core.extensions import db
from nqsw_visits.core.loading import fill
from nqsw_visits.people.models import MentorAssignment, Role, User
from nqsw_visits.people.queries import ids_with_role, managed_team_ids, managers_of
from nqsw_visits.support_requests.focus_cases import FocusChoice


def _latest_versions():
    newest = (
        select(
            AgreementVersion.agreement_id.label("agreement_id"),
            func.max(AgreementVersion.number).label("number"),
        )
        .group_by(AgreementVersion.agreement_id)
        .subquery()
    )
    return select(AgreementVersion).join(
        newest,
        and_(
            AgreementVersion.agreement_id == newest.c.agreement_id,
            AgreementVersion.number == newest.c.number,
        ),
    )


def mine(user_id):
    """Agreements a person is in: as the NQSW, the mentor of the newest version, or the
    NQSW's practice manager now (not a manager they had before). `user_id` is a bind
    parameter where the condition is built once for everyone."""
    # Mentor of a version with no newer one: found from the person's own versions, where
    # working out every agreement's newest version first read the whole table.
    newer = aliased(AgreementVersion)
    as_mentor = select(AgreementVersion.agreement_id).where(
        AgreementVersion.mentor_id == user_id,
        ~exists().where(
            newer.agreement_id == AgreementVersion.agreement_id,
            newer.number > AgreementVersion.number,
        ),
    )
    teams = managed_team_ids(user_id)
    in_my_teams = select(User.id).where(User.team_id.in_(teams))
    return or_(
        MentoringAgreement.nqsw_id == user_id,
        MentoringAgreement.id.in_(as_mentor),
        MentoringAgreement.nqsw_id.in_(in_my_teams),
    )


def person(user: User) -> dict:
    """The bind parameters of the statements below built once for everyone."""
    return {"user_id": user.id}


@cache  # built once, run with `person(user)`
def agreements_of():
    """A query of the agreements the person is in, open ones first."""
    return (
        select(MentoringAgreement)
        .where(mine(bindparam("user_id")))
        .options(joinedload(MentoringAgreement.nqsw).lazyload(User.role_rows))
        .order_by(MentoringAgreement.ended_on.is_not(None), MentoringAgreement.id.desc())
    )


def with_versions(agreements: list[MentoringAgreement]) -> list[MentoringAgreement]:
    """A page of agreements with each one's versions and their confirmations."""
    fill(agreements, "versions", _versions_of())
    return agreements


@cache
def _versions_of():
    return (
        select(AgreementVersion.agreement_id, AgreementVersion)
        .where(AgreementVersion.agreement_id.in_(bindparam("ids", expanding=True)))
        .options(joinedload(AgreementVersion.confirmations))
        .order_by(AgreementVersion.agreement_id, AgreementVersion.number)
    )


def _person(path):
    return path.lazyload(User.role_rows)


def load_people(agreements) -> list[User]:
    """Load the mentors, managers and writers of every version in one query (names only)."""
    ids = {
        person_id
        for agreement in agreements
        for version in agreement.versions
        for person_id in (version.mentor_id, version.manager_id, version.created_by_id)
    }
    # While the caller holds this list, each version's people load from the session's
    # identity map without a query (the map keeps only objects something refers to).
    return list(
        db.session.scalars(select(User).options(lazyload(User.role_rows)).where(User.id.in_(ids)))
    )


def focus_case_choices(nqsw: User) -> list[FocusChoice]:
    """The open focus cases of the NQSW's agreement (its newest version), for the ask form."""
    agreement = db.session.scalar(
        select(MentoringAgreement)
        .where(MentoringAgreement.nqsw_id == nqsw.id, MentoringAgreement.ended_on.is_(None))
        .options(
            selectinload(MentoringAgreement.versions), selectinload(MentoringAgreement.focus_cases)
        )
    )
    if agreement is None:
        return []
    number = agreement.versions[-1].number
    return [
        FocusChoice(case.id, case.case_reference, case.learning_aim)
        for case in agreement.focus_cases
        if case.in_version(number)
    ]


def open_agreement_of(nqsw: User) -> MentoringAgreement | None:
    """The NQSW's agreement that has not ended, if there is one."""
    return db.session.scalar(
        select(MentoringAgreement).where(
            MentoringAgreement.nqsw_id == nqsw.id, MentoringAgreement.ended_on.is_(None)
        )
    )


def without_agreement(user: User) -> list[User]:
    """Active NQSWs the person mentors or manages who have no open agreement."""
    return list(db.session.scalars(_without_agreement(), person(user)))


@cache  # built once: the agreements page runs it for every mentor and manager
def _without_agreement():
    user_id = bindparam("user_id")
    mentees = select(MentorAssignment.nqsw_id).where(MentorAssignment.mentor_id == user_id)
    teams = managed_team_ids(user_id)
    is_nqsw = ids_with_role(Role.NQSW.value)
    with_open = select(MentoringAgreement.nqsw_id).where(MentoringAgreement.ended_on.is_(None))
    return (
        select(User)
        .options(lazyload(User.role_rows))  # names only: no query for their roles
        .where(
            User.active,
            User.id.in_(is_nqsw),
            or_(User.id.in_(mentees), User.team_id.in_(teams)),
            User.id.not_in(with_open),
        )
        .order_by(User.display_name)
        .limit(200)
    )


_PARTS = ("focus_cases", "goals", "reviews")  # read only for the whole agreement


def one_agreement(agreement_id: int, whole: bool) -> MentoringAgreement | None:
    """An agreement by id with what its pages show: the agreement with its versions (few,
    each with its people and confirmations joined in), then a statement for each other
    part, each goal's standard and ratings joined in. Not whole: the NQSW and the versions
    only, for pages about its sessions."""
    statements = _agreement_parts()
    found = db.session.scalars(statements["agreement"], {"agreement_id": agreement_id})
    agreement = found.unique().one_or_none()
    if agreement is None or not whole:
        return agreement
    for part in _PARTS:
        fill([agreement], part, statements[part])
    return agreement


@cache
def _agreement_parts() -> dict:
    ids = bindparam("ids", expanding=True)
    return {
        "agreement": select(MentoringAgreement)
        .where(MentoringAgreement.id == bindparam("agreement_id"))
        .options(
            _person(joinedload(MentoringAgreement.nqsw)),
            joinedload(MentoringAgreement.versions).options(
                joinedload(AgreementVersion.confirmations),
                _person(joinedload(AgreementVersion.mentor)),
                _person(joinedload(AgreementVersion.manager)),
                _person(joinedload(AgreementVersion.created_by)),
            ),
        ),
        "focus_cases": select(FocusCase.agreement_id, FocusCase)
        .where(FocusCase.agreement_id.in_(ids))
        .order_by(FocusCase.id),
        "goals": select(AgreementGoal.agreement_id, AgreementGoal)
        .where(AgreementGoal.agreement_id.in_(ids))
        .order_by(AgreementGoal.id)
        .options(joinedload(AgreementGoal.standard), joinedload(AgreementGoal.ratings)),
        "reviews": select(AgreementReview.agreement_id, AgreementReview)
        .where(AgreementReview.agreement_id.in_(ids))
        .order_by(AgreementReview.months)
        .options(joinedload(AgreementReview.lines)),
    }


def mentors_and_managers_for(nqsw: User) -> tuple[list[User], list[User]]:
    """Active mentors (the NQSW's own first), and the practice managers of their team."""
    mentor_ids = ids_with_role(Role.MENTOR.value)
    mentors = list(
        db.session.scalars(
            select(User)
            .where(User.active, User.id.in_(mentor_ids), User.id != nqsw.id)
            .order_by(User.display_name)
        )
    )
    own = {mentor.id for mentor in nqsw.mentors}
    mentors.sort(key=lambda mentor: mentor.id not in own)
    managers = managers_of(nqsw)
    return mentors, managers
