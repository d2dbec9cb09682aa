"""The purge window: while a purge transaction holds a row here, old audit rows may go."""

from datetime import datetime

from sqlalchemy.orm import Mapped, mapped_column

from nqsw_visits.core.columns import UTCDateTime
from nqsw_visits.core.extensions import db


class AuditPurgeWindow(db.Model):
    """Opened and closed inside one purge transaction, so no other one ever sees it.

    The audit trail's delete guard (a trigger, on both engines) lets a row go only while
    such a window is open and the row is older than its `purge_before`.
    """

    __tablename__ = "audit_purge_windows"

    id: Mapped[int] = mapped_column(primary_key=True)
    purge_before: Mapped[datetime] = mapped_column(UTCDateTime)
