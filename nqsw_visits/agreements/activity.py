"""What has happened on each focus case: accompaniments, discussions, observations, actions."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

from sqlalchemy import and_, bindparam, case, func, select

from nqsw_visits.core.extensions import db
from nqsw_visits.observations.models import AgreedAction, Observation
from nqsw_visits.support_requests.models import RequestKind, SupportRequest

HAPPENING = ("accepted", "completed")  # planned or done, not refused or withdrawn


@dataclass
class CaseActivity:
    """Counts for one focus case."""

    accompaniments: int = 0
    discussions: int = 0
    observations: int = 0
    actions: int = 0
    actions_done: int = 0


def by_focus_case(case_ids: list[int]) -> dict[int, CaseActivity]:
    """The activity of each focus case, in one query whatever the history."""
    found: dict[int, CaseActivity] = defaultdict(CaseActivity)
    if not case_ids:
        return found
    rows = db.session.execute(_counts(), {"case_ids": case_ids})
    for case_id, accompaniments, discussions, observations, actions, done in rows:
        found[case_id] = CaseActivity(accompaniments, discussions, observations, actions, done)
    return found


@cache
def _counts():
    # Built once, for every agreement: its cases are bound (`case_ids`).
    happening = SupportRequest.status.in_(HAPPENING)
    discussion = SupportRequest.kind == RequestKind.CASE_DISCUSSION.value
    shared = Observation.shared_at.is_not(None)

    def distinct_ids(condition, column):
        return func.count(func.distinct(case((condition, column))))

    return (
        select(
            SupportRequest.focus_case_id,
            distinct_ids(and_(happening, ~discussion), SupportRequest.id),
            distinct_ids(and_(happening, discussion), SupportRequest.id),
            distinct_ids(shared, Observation.id),
            func.count(case((shared, AgreedAction.id))),
            func.count(case((shared, AgreedAction.done_at))),
        )
        .outerjoin(Observation, Observation.request_id == SupportRequest.id)
        .outerjoin(AgreedAction, AgreedAction.observation_id == Observation.id)
        .where(SupportRequest.focus_case_id.in_(bindparam("case_ids", expanding=True)))
        .group_by(SupportRequest.focus_case_id)
    )


LATEST = 5  # events shown under each focus case; the rest are counted


@dataclass(frozen=True)
class Event:
    """One thing that happened on a focus case, and its page if the viewer may open it."""

    on: datetime
    kind: str
    status: str
    href: str | None


@dataclass
class CaseHistory:
    """The latest events on a focus case, newest first, and how many more there were."""

    latest: list = field(default_factory=list)
    more: int = 0


@cache
def _events():
    # Built once, for every agreement: its cases are bound (`case_ids`).
    return (
        select(
            SupportRequest.focus_case_id,
            SupportRequest.id,
            SupportRequest.kind,
            SupportRequest.status,
            SupportRequest.starts_at,
            SupportRequest.nqsw_id,
            SupportRequest.mentor_id,
            Observation.id,
            Observation.shared_at,
            Observation.shared_with_manager,
        )
        .outerjoin(
            Observation,
            and_(Observation.request_id == SupportRequest.id, Observation.shared_at.is_not(None)),
        )
        .where(
            SupportRequest.focus_case_id.in_(bindparam("case_ids", expanding=True)),
            SupportRequest.status.in_(HAPPENING),
        )
    )


def history(case_ids: list[int], viewer_id: int, manager: bool) -> dict[int, CaseHistory]:
    """What happened on each focus case, in one query: requests planned or done and their
    shared observations; the manager opens an observation only where the NQSW shares it."""
    found: dict[int, CaseHistory] = defaultdict(CaseHistory)
    if not case_ids:
        return found
    rows = db.session.execute(_events(), {"case_ids": case_ids})
    events: dict[int, list[Event]] = defaultdict(list)
    for case_id, id_, kind, status, starts_at, nqsw_id, mentor_id, seen, shared, told in rows:
        party = viewer_id in (nqsw_id, mentor_id)
        what = "Case discussion" if kind == RequestKind.CASE_DISCUSSION.value else "Accompaniment"
        href = f"/requests/{id_}" if party or manager else None
        events[case_id].append(Event(starts_at, what, status.capitalize(), href))
        if seen is not None:
            opens = party or (manager and told)
            link = f"/observations/{seen}" if opens else None
            events[case_id].append(Event(shared, "Observation", "Shared", link))
    for case_id, happened in events.items():
        happened.sort(key=lambda event: event.on, reverse=True)
        found[case_id] = CaseHistory(happened[:LATEST], max(0, len(happened) - LATEST))
    return found
