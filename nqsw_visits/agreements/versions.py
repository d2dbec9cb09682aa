"""Confirming, changing and ending an agreement: each change is a new version to confirm."""

from datetime import date, datetime

from nqsw_visits.agreements import meetings
from nqsw_visits.agreements.models import (
    AgreementConfirmation,
    AgreementVersion,
    MentoringAgreement,
)
from nqsw_visits.agreements.rules import (
    AgreementError,
    Terms,
    check_terms,
    is_confirmed,
    latest,
    new_version,
    parties,
    save_or_conflict,
    tell_others,
)
from nqsw_visits.people import audit
from nqsw_visits.people.models import User
from nqsw_visits.people.queries import manages


def confirm(actor: User, agreement: MentoringAgreement, number: int, now: datetime) -> bool:
    """The actor confirms a version; True when that makes all three. The caller commits."""
    _still_open(agreement)
    version = latest(agreement)
    if version.number != number:
        raise AgreementError(
            "The agreement has changed since you opened it: read the new version first",
            status=409,
        )
    if actor.id not in parties(agreement, version).values():
        raise AgreementError("Only the NQSW, the mentor and the practice manager confirm", 403)
    if any(row.person_id == actor.id for row in version.confirmations):
        raise AgreementError("You have already confirmed this version", status=409)
    version.confirmations.append(AgreementConfirmation(person_id=actor.id, confirmed_at=now))
    save_or_conflict("You have already confirmed this version")  # twice at once
    complete = is_confirmed(agreement, version)
    audit.record(
        "agreement.confirmed", actor=actor, obj=agreement, version=number, complete=complete
    )
    if complete:
        tell_others(actor, agreement, "A mentoring agreement is confirmed by all three of you")
    return complete


def change(
    actor: User, agreement: MentoringAgreement, terms: Terms, note: str, now: datetime
) -> AgreementVersion:
    """A new version with the changed terms, for all three to confirm. The caller commits."""
    _still_open(agreement)
    before = latest(agreement)
    if actor.id not in parties(agreement, before).values():
        raise AgreementError("Only the NQSW, the mentor and the practice manager change it", 403)
    number = before.number + 1
    kept_cases = [c for c in agreement.focus_cases if c.in_version(before.number)]
    kept_goals = [g for g in agreement.goals if g.in_version(before.number)]
    check_terms(
        agreement.nqsw,
        terms,
        len([c for c in kept_cases if c.id in terms.kept_focus_case_ids])
        + len(terms.new_focus_cases),
    )
    closed_cases = [c for c in kept_cases if c.id not in terms.kept_focus_case_ids]
    closed_goals = [g for g in kept_goals if g.id not in terms.kept_goal_ids]
    for part in [*closed_cases, *closed_goals]:
        part.closed_in = number
    summary = describe(before, terms, closed_cases, closed_goals)
    if not summary:
        raise AgreementError("Nothing has changed", field="what_changed")
    if note.strip():
        summary.append(note.strip())
    version = new_version(agreement, terms, actor, number, "\n".join(summary), now)
    save_or_conflict(f"Someone has just saved version {number}: read it before changing it again")
    audit.record("agreement.changed", actor=actor, obj=agreement, version=number)
    tell_others(
        actor, agreement, f"{actor.display_name} changed a mentoring agreement: please confirm it"
    )
    return version


def take_over(actor: User, agreement: MentoringAgreement, now: datetime) -> AgreementVersion:
    """The NQSW's new practice manager takes the agreement over: a version naming them."""
    _still_open(agreement)
    before = latest(agreement)
    if actor.id == before.manager_id or not manages(actor, agreement.nqsw):
        raise AgreementError("Only the NQSW's new practice manager can take it over", 403)
    number = before.number + 1
    terms = Terms(
        mentor=before.mentor,
        manager=actor,
        starts_on=before.starts_on,
        every_weeks=before.one_to_one_every_weeks,
        nine_month_review=before.nine_month_review,
    )
    summary = describe(before, terms, [], [])
    version = new_version(agreement, terms, actor, number, "\n".join(summary), now)
    save_or_conflict(f"Someone has just saved version {number}: read it before changing it again")
    audit.record("agreement.taken_over", actor=actor, obj=agreement, version=number)
    tell_others(
        actor,
        agreement,
        f"{actor.display_name} took over a mentoring agreement: please confirm it",
    )
    return version


def describe(before: AgreementVersion, terms: Terms, closed_cases, closed_goals) -> list[str]:
    """What a change alters, in plain words, one line each."""
    lines = []
    if terms.mentor.id != before.mentor_id:
        lines.append(f"Mentor: {terms.mentor.display_name} (was {before.mentor.display_name})")
    if terms.manager.id != before.manager_id:
        lines.append(
            f"Practice manager: {terms.manager.display_name} (was {before.manager.display_name})"
        )
    if terms.starts_on != before.starts_on:
        lines.append(f"Start date: {terms.starts_on:%-d %B %Y} (was {before.starts_on:%-d %B %Y})")
    if terms.every_weeks != before.one_to_one_every_weeks:
        lines.append(
            f"One-to-ones every {terms.every_weeks} weeks "
            f"(was every {before.one_to_one_every_weeks})"
        )
    if terms.nine_month_review != before.nine_month_review:
        lines.append(
            "9-month review added" if terms.nine_month_review else "9-month review removed"
        )
    lines += [f"Focus case {case.case_reference} closed" for case in closed_cases]
    lines += [
        f"Focus case {case.case_reference.strip().upper()} added" for case in terms.new_focus_cases
    ]
    lines += [f"Goal closed: {goal.description}" for goal in closed_goals]
    lines += [f"Goal added: {goal.description.strip()}" for goal in terms.new_goals]
    return lines


def end(actor: User, agreement: MentoringAgreement, on: date, now: datetime) -> None:
    """End the agreement on a day; its history stays readable. The caller commits."""
    _still_open(agreement)
    version = latest(agreement)
    if actor.id not in (version.mentor_id, version.manager_id):
        raise AgreementError("Only the mentor or the practice manager ends an agreement", 403)
    if on < version.starts_on:
        raise AgreementError("The end date must be on or after the start date", field="ended_on")
    agreement.ended_on = on
    audit.record("agreement.ended", actor=actor, obj=agreement, ended_on=on.isoformat())
    meetings.agreement_ended(actor, agreement, now)


def _still_open(agreement: MentoringAgreement) -> None:
    if agreement.ended_on is not None:
        raise AgreementError("This agreement has ended", status=409)
