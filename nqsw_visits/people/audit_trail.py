"""The audit trail read back: a page of it, newest first, counted only a few pages ahead."""

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from nqsw_visits.core.extensions import db
from nqsw_visits.people.models import AuditEvent, User

EVENTS_PER_PAGE = 50
PAGES_AHEAD = 10  # the trail is counted this many pages past the one shown, not to its end


@dataclass(frozen=True)
class TrailPage:
    """One page of the trail: its number, its rows, the total counted, and whether more."""

    number: int
    rows: list[AuditEvent]
    counted: int
    more: bool


def _count(at_most: int | None = None) -> int:
    rows = select(AuditEvent.id)
    if at_most is not None:
        rows = rows.limit(at_most)
    return db.session.scalar(select(func.count()).select_from(rows.subquery()))


def trail_page(number: int) -> TrailPage:
    """The page asked for, or the last page when it is past the end."""
    # Counting the whole trail (a council's runs to six figures) costs more than the page:
    # count a few pages past this one, and to the end only for a page past the end.
    bound = (number + PAGES_AHEAD) * EVENTS_PER_PAGE
    total = _count(bound + 1)
    if total <= (number - 1) * EVENTS_PER_PAGE and number > 1:
        total = _count()
        number = max(-(-total // EVENTS_PER_PAGE), 1)
    rows = db.session.scalars(
        select(AuditEvent)
        # The names only: one query for every actor on the page, and no roles.
        .options(selectinload(AuditEvent.actor).lazyload(User.role_rows))
        .order_by(AuditEvent.id.desc())
        .offset((number - 1) * EVENTS_PER_PAGE)
        .limit(EVENTS_PER_PAGE)
    ).all()
    return TrailPage(number, list(rows), min(total, bound), total > bound)
