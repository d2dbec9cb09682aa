"""Append-only audit trail: one row for each sign-in event and change of state."""

import json

from sqlalchemy import insert

from nqsw_visits.core.database import writing
from nqsw_visits.core.extensions import db
from nqsw_visits.people.models import AuditEvent, User

# A plain insert: a page read's audit row needs no object in the session, nor a flush.
_INSERT_ROW = insert(AuditEvent.__table__)


def _row(action, actor, obj, object_type, object_id, detail) -> dict:
    if obj is not None:
        object_type = type(obj).__name__.lower()
        object_id = obj.id
    return {
        "action": action,
        "actor_id": actor.id if actor is not None else None,
        "object_type": object_type,
        "object_id": object_id,
        "detail": json.dumps(detail, sort_keys=True, default=str) if detail else None,
    }


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
    event = AuditEvent(**_row(action, actor, obj, object_type, object_id, detail))
    db.session.add(event)
    return event


def record_read(
    action: str,
    *,
    actor: User,
    obj: object | None = None,
    object_type: str | None = None,
    object_id: int | None = None,
    **detail: object,
) -> None:
    """Write the audit row of what a page read showed, at once and on its own (`writing()`)."""
    with writing():
        db.session.execute(_INSERT_ROW, _row(action, actor, obj, object_type, object_id, detail))
