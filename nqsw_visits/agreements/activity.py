"""What has happened on each focus case: accompaniments, discussions, observations, actions."""

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import and_, case, func, select

from ..extensions import db
from ..models_observations import AgreedAction, Observation
from ..models_requests import RequestKind, SupportRequest

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
    happening = SupportRequest.status.in_(HAPPENING)
    discussion = SupportRequest.kind == RequestKind.CASE_DISCUSSION.value
    shared = Observation.shared_at.is_not(None)

    def distinct_ids(condition, column):
        return func.count(func.distinct(case((condition, column))))

    rows = db.session.execute(
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
        .where(SupportRequest.focus_case_id.in_(case_ids))
        .group_by(SupportRequest.focus_case_id)
    )
    for case_id, accompaniments, discussions, observations, actions, done in rows:
        found[case_id] = CaseActivity(accompaniments, discussions, observations, actions, done)
    return found
