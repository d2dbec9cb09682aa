"""Append-only audit trail: one row for each sign-in event and change of state."""

import json

from nqsw_visits.core.extensions import db
from nqsw_visits.people.models import AuditEvent, User


def record(
    action: str,
    *,
    actor: User | None = None,
    obj: object | None = None,
    object_type: str | None = None,
    object_id: int | None = None,
    **detail: object,
) -> AuditEvent:
    """Add an audit row to the current transaction; the caller commits."""
    if obj is not None:
        object_type = type(obj).__name__.lower()
        object_id = obj.id
    event = AuditEvent(
        action=action,
        actor_id=actor.id if actor is not None else None,
        object_type=object_type,
        object_id=object_id,
        detail=json.dumps(detail, sort_keys=True, default=str) if detail else None,
    )
    db.session.add(event)
    return event
