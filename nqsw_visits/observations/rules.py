"""The record after an accompaniment: the mentor's observation, the NQSW's reflection,
agreed actions, sign-off and lock, and addenda after the lock.

Every change locks the observation row first (FOR UPDATE on PostgreSQL; SQLite
transactions begin IMMEDIATE), so two people signing or editing at once see each
other's change. A change to a record someone has signed clears the signatures: a
signature is for what was there when it was given.
"""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from nqsw_visits.core.extensions import db
from nqsw_visits.core.refusal import Refusal
from nqsw_visits.notifications.notify import notify
from nqsw_visits.observations.models import (
    Addendum,
    AgreedAction,
    Classification,
    Observation,
    Standard,
)
from nqsw_visits.people import audit
from nqsw_visits.people.models import User
from nqsw_visits.support_requests.models import RequestStatus, SupportRequest


class ObservationError(Refusal):
    """A change the rules refuse; `status` is the HTTP answer (404, 409 or 422)."""


@dataclass(frozen=True)
class Notes:
    """What the mentor writes."""

    classification: Classification
    observed: str
    strengths: str = ""
    to_develop: str = ""
    look_out_for: str = ""
    for_case_record: bool = False
    standard_ids: tuple[int, ...] = ()


def _lock(observation: Observation) -> None:
    db.session.execute(
        select(Observation.id).where(Observation.id == observation.id).with_for_update()
    )
    db.session.refresh(observation)


def _party(actor: User, observation: Observation, *, mentor=True, nqsw=True) -> str:
    """'mentor' or 'nqsw' for the actor, or a 404 for anyone else."""
    if mentor and actor.id == observation.mentor_id:
        return "mentor"
    if nqsw and actor.id == observation.nqsw_id and observation.shared_at is not None:
        return "nqsw"
    raise ObservationError("You cannot change this observation", status=404)


def _unlocked(observation: Observation) -> None:
    if observation.locked_at is not None:
        raise ObservationError(
            "This observation is signed and locked. Add an addendum instead.", status=409
        )


def _changed(actor: User, observation: Observation, action: str, now: datetime, **detail) -> None:
    """Record a change; any signature given before it no longer stands."""
    observation.updated_at = now
    if observation.mentor_signed_at or observation.nqsw_signed_at:
        observation.mentor_signed_at = observation.nqsw_signed_at = None
        detail["signatures_cleared"] = True
    audit.record(f"observation.{action}", actor=actor, obj=observation, **detail)


def _other(actor: User, observation: Observation) -> User:
    return observation.nqsw if actor.id == observation.mentor_id else observation.mentor


def start(mentor: User, request: SupportRequest) -> Observation:
    """The mentor's draft for a completed accompaniment (the existing one if there is one)."""
    if mentor.id != request.mentor_id:
        raise ObservationError("You cannot write this observation", status=404)
    found = db.session.scalar(select(Observation).where(Observation.request_id == request.id))
    if found is not None:
        return found
    if request.status != RequestStatus.COMPLETED:
        raise ObservationError("You can write an observation once the event has happened")
    observation = Observation(request_id=request.id, mentor_id=mentor.id, nqsw_id=request.nqsw_id)
    db.session.add(observation)
    db.session.flush()
    audit.record("observation.started", actor=mentor, obj=observation)
    return observation


def save_notes(mentor: User, observation: Observation, notes: Notes, now: datetime) -> None:
    """Save the mentor's notes (draft or shared) while the record is unlocked."""
    _lock(observation)
    _party(mentor, observation, nqsw=False)
    _unlocked(observation)
    chosen = list(db.session.scalars(select(Standard).where(Standard.id.in_(notes.standard_ids))))
    if len(chosen) != len(set(notes.standard_ids)):
        raise ObservationError("Choose standards from the list", field="standards")
    observation.classification = notes.classification.value
    observation.observed = notes.observed
    observation.strengths = notes.strengths
    observation.to_develop = notes.to_develop
    observation.look_out_for = notes.look_out_for
    observation.for_case_record = notes.for_case_record
    observation.standards = chosen
    _changed(mentor, observation, "saved", now)


def share(mentor: User, observation: Observation, now: datetime) -> None:
    """Let the NQSW read the observation and add their reflection."""
    _lock(observation)
    _party(mentor, observation, nqsw=False)
    if not observation.observed.strip():
        raise ObservationError("Write what you observed before you share it", field="observed")
    if observation.shared_at is None:
        observation.shared_at = now
        audit.record("observation.shared", actor=mentor, obj=observation)
        notify(
            observation.nqsw,
            f"{mentor.display_name} shared an observation with you",
            observation.request,
            link=f"/observations/{observation.id}",
        )


def reflect(
    nqsw: User, observation: Observation, reflection: str, do_differently: str, now: datetime
) -> None:
    """The NQSW's reflection on the feedback, and what they will do differently."""
    _lock(observation)
    _party(nqsw, observation, mentor=False)
    _unlocked(observation)
    observation.reflection = reflection
    observation.do_differently = do_differently
    _changed(nqsw, observation, "reflected", now)


def share_with_manager(nqsw: User, observation: Observation, shared: bool) -> None:
    """The NQSW lets their practice manager read the full text (or stops it)."""
    _lock(observation)
    _party(nqsw, observation, mentor=False)
    observation.shared_with_manager = shared
    audit.record("observation.manager_sharing", actor=nqsw, obj=observation, shared=shared)


def add_action(
    actor: User, observation: Observation, what: str, owner: str, due_on: date, now: datetime
) -> AgreedAction:
    """An agreed action: what, who does it (the NQSW, the mentor or both), by when."""
    _lock(observation)
    _party(actor, observation)
    _unlocked(observation)
    if owner not in ("nqsw", "mentor", "both"):
        raise ObservationError("Choose who will do it", field="owner")
    action = AgreedAction(
        observation_id=observation.id, what=what, owner=owner, due_on=due_on, added_by_id=actor.id
    )
    db.session.add(action)
    db.session.flush()
    _changed(actor, observation, "action_added", now, action_id=action.id)
    return action


def set_action_done(actor: User, action: AgreedAction, done: bool, now: datetime) -> None:
    """Mark an agreed action done (or not); allowed after the lock, it is follow-up."""
    observation = action.observation
    _lock(observation)
    _party(actor, observation)
    action.done_at = now if done else None
    audit.record(
        "observation.action_done", actor=actor, obj=observation, action_id=action.id, done=done
    )


def sign(actor: User, observation: Observation, now: datetime) -> None:
    """The actor signs; once both have signed, the record locks."""
    _lock(observation)
    side = _party(actor, observation)
    _unlocked(observation)
    if observation.shared_at is None:
        raise ObservationError("Share the observation with the NQSW before you sign it")
    if side == "nqsw" and not observation.reflection.strip():
        raise ObservationError("Add your reflection before you sign", field="reflection")
    if side == "mentor":
        observation.mentor_signed_at = observation.mentor_signed_at or now
    else:
        observation.nqsw_signed_at = observation.nqsw_signed_at or now
    audit.record("observation.signed", actor=actor, obj=observation, side=side)
    if observation.mentor_signed_at and observation.nqsw_signed_at:
        observation.locked_at = now
        audit.record("observation.locked", actor=actor, obj=observation)
        message = f"{actor.display_name} signed: the observation is complete"
    else:
        message = f"{actor.display_name} signed an observation: it needs your signature"
    notify(
        _other(actor, observation),
        message,
        observation.request,
        link=f"/observations/{observation.id}",
    )


def add_addendum(actor: User, observation: Observation, text: str) -> Addendum:
    """A dated note on a locked record (the record itself no longer changes)."""
    _lock(observation)
    _party(actor, observation)
    if observation.locked_at is None:
        raise ObservationError("Change the record itself until both of you have signed it")
    addendum = Addendum(observation_id=observation.id, author_id=actor.id, text=text)
    db.session.add(addendum)
    db.session.flush()
    audit.record("observation.addendum", actor=actor, obj=observation, addendum_id=addendum.id)
    notify(
        _other(actor, observation),
        f"{actor.display_name} added a note to a signed observation",
        observation.request,
        link=f"/observations/{observation.id}",
    )
    return addendum


def record_read(reader: User, observation: Observation, view: str = "full") -> None:
    """Every read of an observation's full text is audited (in a page read, at once)."""
    audit.record_read("observation.read", actor=reader, obj=observation, view=view)


def record_portfolio_read(reader: User, nqsw: User, shown: list[Observation]) -> None:
    """A portfolio view is one audited read that names every observation it shows."""
    # Read before writing() ends the read transaction, which would load each one again.
    shown_ids, nqsw_id = [observation.id for observation in shown], nqsw.id
    audit.record_read(
        "observation.read",
        actor=reader,
        object_type="portfolio",
        object_id=nqsw_id,
        view="portfolio",
        observation_ids=shown_ids,
    )
