"""What has happened on each focus case: accompaniments, discussions, observations, actions."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

from sqlalchemy import bindparam, func, select

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
def _requests():
    # Built once, for every agreement: its cases are bound (`case_ids`). One row a request
    # (a request has at most one observation), with its observation's agreed actions counted.
    def actions(column):
        return (
            select(func.count(column))
            .where(AgreedAction.observation_id == Observation.id)
            .scalar_subquery()
        )

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
            actions(AgreedAction.id),
            actions(AgreedAction.done_at),
        )
        .outerjoin(Observation, Observation.request_id == SupportRequest.id)
        .where(SupportRequest.focus_case_id.in_(bindparam("case_ids", expanding=True)))
    )


def on_focus_cases(case_ids: list[int], viewer_id: int, manager: bool):
    """The counts and the history of each focus case, in one query whatever the history:
    requests planned or done, and their shared observations with the actions agreed in
    them; the manager opens an observation only where the NQSW shares it."""
    counts: dict[int, CaseActivity] = defaultdict(CaseActivity)
    found: dict[int, CaseHistory] = defaultdict(CaseHistory)
    if not case_ids:
        return counts, found
    events: dict[int, list[Event]] = defaultdict(list)
    for row in db.session.execute(_requests(), {"case_ids": case_ids}):
        case_id, id_, kind, status, starts_at, nqsw_id, mentor_id, seen, shared, told = row[:10]
        count = counts[case_id]
        if seen is not None and shared is not None:
            count.observations += 1
            count.actions += row[10]
            count.actions_done += row[11]
        if status not in HAPPENING:
            continue
        discussion = kind == RequestKind.CASE_DISCUSSION.value
        count.discussions += discussion
        count.accompaniments += not discussion
        party = viewer_id in (nqsw_id, mentor_id)
        href = f"/requests/{id_}" if party or manager else None
        what = "Case discussion" if discussion else "Accompaniment"
        events[case_id].append(Event(starts_at, what, status.capitalize(), href))
        if seen is not None and shared is not None:
            opens = party or (manager and told)
            link = f"/observations/{seen}" if opens else None
            events[case_id].append(Event(shared, "Observation", "Shared", link))
    for case_id, happened in events.items():
        happened.sort(key=lambda event: event.on, reverse=True)
        found[case_id] = CaseHistory(happened[:LATEST], max(0, len(happened) - LATEST))
    return counts, found
