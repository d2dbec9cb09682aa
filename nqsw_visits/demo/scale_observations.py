"""The council demo's observations: write-ups of completed requests, older ones locked.

They are inserted open, with their standards and actions, and locked afterwards, as
the lock triggers allow.
"""

import json
from datetime import datetime, timedelta
from random import Random

from sqlalchemy import bindparam, select, update

from nqsw_visits.core.extensions import db
from nqsw_visits.demo import scale as demo_scale
from nqsw_visits.demo import scale_history as demo_scale_history
from nqsw_visits.observations.models import AgreedAction, Observation, ObservationStandard, Standard
from nqsw_visits.support_requests.models import RequestStatus as S

SHARED = "Your mentor shared an observation with you"
NOTE = "Checked the plan point by point; kept the child's needs at the centre."


def _audit(rows, action, actor, object_id, at, **detail) -> None:
    rows["audit"].append(
        {
            "at": at,
            "actor_id": actor,
            "action": action,
            "object_type": "observation",
            "object_id": object_id,
            "detail": json.dumps(detail) if detail else None,
        }
    )


def build(rows, scale, rng: Random, now: datetime) -> int:
    """Write-ups of completed requests: older ones mostly signed and locked."""
    completed = [r for r in rows["requests"] if r["status"] == S.COMPLETED.value]
    wanted = scale.observations * len(rows["requests"]) / scale.requests
    chance = min(wanted / max(len(completed), 1), 1.0)
    standards = list(db.session.scalars(select(Standard.id).where(Standard.retired.is_(False))))
    observations, links, actions, locks = [], [], [], []
    next_id = demo_scale.next_id(Observation)
    for request in completed:
        if rng.random() >= chance:
            continue
        oid, next_id = next_id, next_id + 1
        ends, mentor, nqsw = request["ends_at"], request["mentor_id"], request["nqsw_id"]
        old = now - ends > timedelta(days=30)
        stage = rng.random()
        locked = stage < (0.8 if old else 0.3)
        shared = locked or stage < (0.95 if old else 0.7)
        at = [min(ends + timedelta(days=d, hours=2), now) for d in range(5)]
        observations.append(
            {
                "id": oid,
                "request_id": request["id"],
                "mentor_id": mentor,
                "nqsw_id": nqsw,
                "classification": rng.choice(["formative", "asye_direct_observation"]),
                "observed": NOTE,
                "strengths": "Calm, clear language.",
                "to_develop": "Leave more space after a question.",
                "look_out_for": "",
                "for_case_record": False,
                "reflection": "I rushed the ending." if locked else "",
                "do_differently": "",
                "shared_at": at[1] if shared else None,
                "shared_with_manager": locked and rng.random() < 0.5,
                "mentor_signed_at": at[2] if locked else None,
                "nqsw_signed_at": at[3] if locked else None,
                "locked_at": None,
                "created_at": at[0],
                "updated_at": at[3] if locked else at[1],
            }
        )
        for standard in rng.sample(standards, min(3, len(standards))):
            links.append({"observation_id": oid, "standard_id": standard})
        if rng.random() < 0.5:
            actions.append(
                {
                    "observation_id": oid,
                    "what": "Read the team's guidance on consent",
                    "owner": "nqsw",
                    "due_on": (ends + timedelta(days=14)).date(),
                    "added_by_id": mentor,
                    "done_at": at[4] if old else None,
                    "created_at": at[0],
                }
            )
        _audit(rows, "observation.started", mentor, oid, at[0])
        if shared:
            _audit(rows, "observation.shared", mentor, oid, at[1])
            demo_scale_history.notice(
                rows, nqsw, request["id"], "Your mentor shared an observation", at[1], now
            )
        if locked:
            _audit(rows, "observation.signed", mentor, oid, at[2], side="mentor")
            _audit(rows, "observation.signed", nqsw, oid, at[3], side="nqsw")
            _audit(rows, "observation.locked", nqsw, oid, at[3])
            locks.append({"oid": oid, "moment": at[3]})
    demo_scale.bulk(Observation, observations)
    demo_scale.bulk(ObservationStandard, links)
    demo_scale.bulk(AgreedAction, actions)
    table = Observation.__table__
    lock = update(table).where(table.c.id == bindparam("oid"))
    for first in range(0, len(locks), 5000):
        db.session.execute(lock.values(locked_at=bindparam("moment")), locks[first : first + 5000])
    return len(observations)
