"""What a review rests on: the NQSW's shared observations and held one-to-ones in a period."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from nqsw_visits.extensions import db
from nqsw_visits.models_observations import Observation
from nqsw_visits.one_to_ones.models import OneToOne, SessionKind, SessionStatus


@dataclass(frozen=True)
class Evidence:
    """One thing that happened: when, what kind, where it stands, and its page if open."""

    on: datetime
    kind: str
    status: str
    href: str | None


def for_review(agreement, mentor_id: int, viewer_id: int, starts, ends) -> list[Evidence]:
    """Shared observations and held one-to-ones from starts until ends, oldest first, in two
    queries; linked only where the viewer may open the page (the manager never a session)."""
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
    sessions = db.session.execute(
        select(OneToOne.id, OneToOne.starts_at, OneToOne.mentor_id, OneToOne.shared_onward).where(
            OneToOne.agreement_id == agreement.id,
            OneToOne.kind == SessionKind.ONE_TO_ONE.value,
            OneToOne.status == SessionStatus.HELD.value,
            OneToOne.starts_at >= starts,
            OneToOne.starts_at < ends,
        )
    ).all()
    found = []
    for id_, shared_at, nqsw_signed, mentor_signed, to_manager in observations:
        # The manager opens one only where the NQSW shared it with them.
        href = f"/observations/{id_}" if nqsw or mentor or to_manager else None
        status = "Signed" if nqsw_signed and mentor_signed else "Shared"
        found.append(Evidence(shared_at, "Observation", status, href))
    for id_, starts_at, held_by, onward in sessions:
        opens = nqsw or viewer_id == held_by or (mentor and onward)
        found.append(
            Evidence(starts_at, "One-to-one", "Held", f"/one-to-ones/{id_}" if opens else None)
        )
    return sorted(found, key=lambda item: item.on)
