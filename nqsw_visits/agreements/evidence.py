"""What a review rests on: the NQSW's shared observations in a period, and what the areas
above add (the one-to-ones add those held)."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from nqsw_visits.core.extensions import db
from nqsw_visits.observations.models import Observation


@dataclass(frozen=True)
class Evidence:
    """One thing that happened: when, what kind, where it stands, and its page if open."""

    on: datetime
    kind: str
    status: str
    href: str | None


# Each source takes (agreement, mentor_id, viewer_id, starts, ends) and gives Evidence.
SOURCES: list[Callable[..., list[Evidence]]] = []


def add_source(source: Callable[..., list[Evidence]]) -> None:
    """Let an area above add what else a review rests on."""
    if source not in SOURCES:
        SOURCES.append(source)


def for_review(agreement, mentor_id: int, viewer_id: int, starts, ends) -> list[Evidence]:
    """Shared observations and each source's evidence from starts until ends, oldest first,
    one query each; linked only where the viewer may open the page."""
    found = _observations(agreement, mentor_id, viewer_id, starts, ends)
    for source in SOURCES:
        found.extend(source(agreement, mentor_id, viewer_id, starts, ends))
    return sorted(found, key=lambda item: item.on)


def _observations(agreement, mentor_id: int, viewer_id: int, starts, ends) -> list[Evidence]:
    nqsw, mentor = viewer_id == agreement.nqsw_id, viewer_id == mentor_id
    observations = db.session.execute(
        select(
            Observation.id,
            Observation.shared_at,
            Observation.nqsw_signed_at,
            Observation.mentor_signed_at,
            Observation.shared_with_manager,
        ).where(
            Observation.nqsw_id == agreement.nqsw_id,
            Observation.shared_at >= starts,
            Observation.shared_at < ends,
        )
    ).all()
    found = []
    for id_, shared_at, nqsw_signed, mentor_signed, to_manager in observations:
        # The manager opens one only where the NQSW shared it with them.
        href = f"/observations/{id_}" if nqsw or mentor or to_manager else None
        status = "Signed" if nqsw_signed and mentor_signed else "Shared"
        found.append(Evidence(shared_at, "Observation", status, href))
    return found
