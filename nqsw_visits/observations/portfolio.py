"""Who may see an observation, an NQSW's progress, and their portfolio."""

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import ColumnElement, Select, bindparam, exists, func, or_, select
from sqlalchemy.orm import joinedload

from nqsw_visits.core.extensions import db
from nqsw_visits.core.loading import fill
from nqsw_visits.observations.models import (
    Addendum,
    AgreedAction,
    Classification,
    Observation,
    ObservationStandard,
    Standard,
)
from nqsw_visits.observations.standards import standards_marked
from nqsw_visits.people.models import MentorAssignment, TeamManager, User
from nqsw_visits.people.queries import manages
from nqsw_visits.support_requests.models import SupportRequest

ASYE_DIRECT_OBSERVATIONS = 3  # what the ASYE asks for


def _person(relationship):
    # A name to show: in the same query, and without the person's roles.
    return joinedload(relationship).lazyload(User.role_rows)


def _mentors(viewer: User, nqsw: User) -> bool:
    return db.session.get(MentorAssignment, (nqsw.id, viewer.id)) is not None


def view_level(viewer: User, observation: Observation) -> str | None:
    """'full', 'summary' or None (not to be seen at all) for this viewer."""
    if viewer.id == observation.mentor_id:
        return "full"
    if observation.shared_at is None:
        return None
    if viewer.id == observation.nqsw_id:
        return "full"
    if manages(viewer, observation.nqsw):
        return "full" if observation.shared_with_manager else "summary"
    if _mentors(viewer, observation.nqsw):
        return "summary"
    return None


@cache  # one for practice managers, one for everyone else; run with {"viewer_id": ...}
def may_see_progress(manager: bool) -> ColumnElement[bool]:
    """Whether the viewer may see the progress of the person of a `User` row: the NQSW, their
    current mentors and, for a practice manager (`manager`), the NQSW's team's manager."""
    viewer_id = bindparam("viewer_id")
    allowed = [
        User.id == viewer_id,
        exists().where(
            MentorAssignment.nqsw_id == User.id, MentorAssignment.mentor_id == viewer_id
        ),
    ]
    if manager:
        allowed.append(
            exists().where(TeamManager.team_id == User.team_id, TeamManager.user_id == viewer_id)
        )
    return or_(*allowed)


@dataclass(frozen=True)
class Progress:
    """An NQSW's observations so far, against what the ASYE asks for (counts, not the list)."""

    counts: dict[str, int]
    asye_signed: int
    asye_unsigned: int
    evidenced: list[Standard]
    not_seen: list[Standard]
    needed: int = ASYE_DIRECT_OBSERVATIONS

    @property
    def shared(self) -> int:
        return sum(self.counts.values())


def _shared_with(nqsw_id):
    return (Observation.nqsw_id == nqsw_id) & Observation.shared_at.is_not(None)


def of(nqsw: User, start: datetime | None = None, end: datetime | None = None) -> dict:
    """The bind parameters of the statements below, built once, for one NQSW (and span)."""
    return {"nqsw_id": nqsw.id, "start": start, "end": end}


@cache  # built once, run with `of(nqsw)`, like those below: the progress page runs them
def observations_query() -> Select:
    """The NQSW's shared observations, newest first, with what the list shows."""
    return (
        select(Observation)
        .join(SupportRequest, SupportRequest.id == Observation.request_id)
        .where(_shared_with(bindparam("nqsw_id")))
        .options(joinedload(Observation.request), _person(Observation.mentor))
        .order_by(SupportRequest.starts_at.desc(), Observation.id.desc())
    )


@cache
def open_actions_query() -> Select:
    """Actions agreed in the NQSW's shared observations and not yet done, soonest due first."""
    return (
        select(AgreedAction)
        .join(Observation, Observation.id == AgreedAction.observation_id)
        .where(_shared_with(bindparam("nqsw_id")), AgreedAction.done_at.is_(None))
        .order_by(AgreedAction.due_on, AgreedAction.id)
    )


def progress(nqsw: User) -> Progress:
    """The counts and standards the progress page shows, in a fixed number of queries."""
    counted, seen_ids = _progress_statements()
    rows = db.session.execute(counted, of(nqsw)).all()
    counts = {kind: number for kind, number, _ in rows}
    signed = {kind: number for kind, _, number in rows}.get(Classification.ASYE_DIRECT, 0)
    marked = standards_marked(nqsw.team_id, seen_ids, {"nqsw_id": nqsw.id})
    seen = [standard for standard, _, was_seen in marked if was_seen]
    return Progress(
        counts={c.value: counts.get(c.value, 0) for c in Classification},
        asye_signed=signed,
        asye_unsigned=counts.get(Classification.ASYE_DIRECT, 0) - signed,
        evidenced=sorted(seen, key=lambda s: (s.framework.name, s.position)),
        not_seen=[standard for standard, used, was_seen in marked if used and not was_seen],
    )


@cache
def _progress_statements():
    shared = _shared_with(bindparam("nqsw_id"))
    counted = (
        select(Observation.classification, func.count(), func.count(Observation.locked_at))
        .where(shared)
        .group_by(Observation.classification)
    )
    seen_ids = (
        select(ObservationStandard.standard_id)
        .join(Observation, Observation.id == ObservationStandard.observation_id)
        .where(shared)
    )
    return counted, seen_ids


@cache
def portfolio_query() -> Select:
    """The NQSW's signed observations of accompaniments in [start, end), with all they show."""
    return (
        select(Observation)
        .join(SupportRequest, SupportRequest.id == Observation.request_id)
        .where(
            _shared_with(bindparam("nqsw_id")),
            Observation.locked_at.is_not(None),
            SupportRequest.starts_at >= bindparam("start"),
            SupportRequest.starts_at < bindparam("end"),
        )
        .options(
            joinedload(Observation.request)
            .joinedload(SupportRequest.nqsw)
            .lazyload(User.role_rows),
            joinedload(Observation.request)
            .joinedload(SupportRequest.mentor)
            .lazyload(User.role_rows),
            _person(Observation.mentor),
            # Few have addenda: joined in the page's own query, which keeps its LIMIT inside.
            joinedload(Observation.addenda).joinedload(Addendum.author).lazyload(User.role_rows),
        )
        .order_by(SupportRequest.starts_at.desc(), Observation.id.desc())
    )


def with_details(observations: list[Observation]) -> list[Observation]:
    """A page of the portfolio with each observation's standards and agreed actions."""
    statements = _details()
    fill(observations, "standards", statements["standards"])
    fill(observations, "actions", statements["actions"])
    return observations


@cache
def _details() -> dict:
    ids = bindparam("ids", expanding=True)
    return {
        "standards": select(ObservationStandard.observation_id, Standard)
        .join(Standard, Standard.id == ObservationStandard.standard_id)
        .where(ObservationStandard.observation_id.in_(ids))
        .order_by(Standard.position, Standard.id),
        "actions": select(AgreedAction.observation_id, AgreedAction)
        .where(AgreedAction.observation_id.in_(ids))
        .order_by(AgreedAction.id),
    }


def unsigned_count(nqsw: User, start: datetime, end: datetime) -> int:
    """How many shared observations in [start, end) are not yet signed by both."""
    return db.session.scalar(_unsigned(), of(nqsw, start, end))


@cache
def _unsigned():
    return (
        select(func.count())
        .select_from(Observation)
        .join(SupportRequest, SupportRequest.id == Observation.request_id)
        .where(
            _shared_with(bindparam("nqsw_id")),
            Observation.locked_at.is_(None),
            SupportRequest.starts_at >= bindparam("start"),
            SupportRequest.starts_at < bindparam("end"),
        )
    )
