"""Who may see an observation, what is waiting for whom, and an NQSW's progress."""

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from ..models import MentorAssignment, User
from ..models_availability import BankHoliday
from ..models_observations import AgreedAction, Classification, Observation, Standard
from ..models_requests import RequestStatus, SupportRequest
from .availability import add_working_days
from .frameworks import standards_for_team
from .people import manages

ASYE_DIRECT_OBSERVATIONS = 3  # what the ASYE asks for
WRITE_UP_WORKING_DAYS = 5  # an observation not written by then is overdue


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


def may_see_progress(viewer: User, nqsw: User) -> bool:
    """The NQSW, their current mentors and their practice manager."""
    return viewer.id == nqsw.id or _mentors(viewer, nqsw) or manages(viewer, nqsw)


@dataclass(frozen=True)
class ToWrite:
    """A completed accompaniment whose observation is not yet shared."""

    request: SupportRequest
    observation: Observation | None
    overdue: bool


def to_write(mentor: User, now: datetime, zone: ZoneInfo) -> list[ToWrite]:
    """The mentor's completed accompaniments with no shared observation, oldest first."""
    rows = db.session.execute(
        select(SupportRequest, Observation)
        .outerjoin(Observation, Observation.request_id == SupportRequest.id)
        .where(
            SupportRequest.mentor_id == mentor.id,
            SupportRequest.status == RequestStatus.COMPLETED,
            Observation.shared_at.is_(None),
        )
        .options(joinedload(SupportRequest.nqsw))
        .order_by(SupportRequest.ends_at)
    ).all()
    holidays = frozenset(db.session.scalars(select(BankHoliday.day))) if rows else frozenset()
    return [
        ToWrite(
            request,
            observation,
            add_working_days(request.ends_at, WRITE_UP_WORKING_DAYS, zone, holidays) <= now,
        )
        for request, observation in rows
    ]


def waiting_for(person: User) -> list[Observation]:
    """Shared, unlocked observations that wait for this person's reflection or signature."""
    mine = ((Observation.nqsw_id == person.id) & Observation.nqsw_signed_at.is_(None)) | (
        (Observation.mentor_id == person.id) & Observation.mentor_signed_at.is_(None)
    )
    return list(
        db.session.scalars(
            select(Observation)
            .where(Observation.shared_at.is_not(None), Observation.locked_at.is_(None), mine)
            .options(joinedload(Observation.request), joinedload(Observation.nqsw))
            .options(joinedload(Observation.mentor))
            .order_by(Observation.shared_at)
        )
    )


@dataclass(frozen=True)
class Progress:
    """An NQSW's observations so far, against what the ASYE asks for."""

    observations: list[Observation]
    counts: dict[str, int]
    asye_signed: int
    asye_unsigned: int
    evidenced: list[Standard]
    not_seen: list[Standard]
    open_actions: list[AgreedAction]
    needed: int = ASYE_DIRECT_OBSERVATIONS


def progress(nqsw: User) -> Progress:
    """Everything the progress page shows, in a fixed number of queries."""
    observations = list(
        db.session.scalars(
            select(Observation)
            .join(SupportRequest, SupportRequest.id == Observation.request_id)
            .where(Observation.nqsw_id == nqsw.id, Observation.shared_at.is_not(None))
            .options(
                joinedload(Observation.request),
                joinedload(Observation.mentor),
                selectinload(Observation.standards),
                selectinload(Observation.actions),
                selectinload(Observation.addenda),
            )
            .order_by(SupportRequest.starts_at.desc())
        ).unique()
    )
    counts = Counter(o.classification for o in observations)
    direct = [o for o in observations if o.classification == Classification.ASYE_DIRECT]
    signed = sum(1 for o in direct if o.locked_at)
    seen = {s.id: s for o in observations for s in o.standards}
    offered = standards_for_team(nqsw.team_id)
    return Progress(
        observations=observations,
        counts={c.value: counts.get(c.value, 0) for c in Classification},
        asye_signed=signed,
        asye_unsigned=len(direct) - signed,
        evidenced=sorted(seen.values(), key=lambda s: (s.framework.name, s.position)),
        not_seen=[s for s in offered if s.id not in seen],
        open_actions=sorted(
            (a for o in observations for a in o.actions if a.done_at is None),
            key=lambda a: a.due_on,
        ),
    )
