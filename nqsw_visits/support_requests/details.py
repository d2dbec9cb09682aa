"""What an NQSW asks for, whether the mentor is free for it, and the rules' refusals."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from nqsw_visits.availability import free_time as availability
from nqsw_visits.availability.calendars import load_calendars
from nqsw_visits.core.refusal import Refusal
from nqsw_visits.people.models import User
from nqsw_visits.people.queries import mentor_ids_of
from nqsw_visits.support_requests.models import RequestKind


class SchedulingError(Refusal):
    """A request or change the rules refuse; `status` is the HTTP answer (409 or 422)."""


def conflict(message: str) -> SchedulingError:
    """Someone else changed things first: a 409 with words a person understands."""
    return SchedulingError(message, status=409)


@dataclass(frozen=True)
class Details:
    """What the NQSW says about the event; free text is checked for privacy by the form."""

    kind: RequestKind
    starts_at: datetime
    ends_at: datetime
    fixed_time: bool = True
    meeting_type: str | None = None
    case_reference: str | None = None
    focus_case: bool = False
    focus_case_id: int | None = None
    venue_type: str = ""
    area: str = ""
    purpose: str = ""
    feedback_on: str = ""
    feedback_on_second: str = ""
    consent: str = "not_applicable"


# The council's format (CASE_REFERENCE_PATTERN) is the form's to check; the rule holds
# what every format shares: present where the kind needs one, and short enough to store.
CASE_REFERENCE_MAX = 40


def check_case_reference(details: Details) -> None:
    """Refuse a missing case reference where the kind needs one, or one too long to keep."""
    reference = details.case_reference or ""
    needed = details.kind != RequestKind.CASE_DISCUSSION
    if (needed and not reference.strip()) or len(reference) > CASE_REFERENCE_MAX:
        raise SchedulingError(
            "Enter the case reference from the case system", field="case_reference"
        )


def check_free(
    mentor_id: int,
    kind: str,
    starts: datetime,
    ends: datetime,
    zone: ZoneInfo,
    now: datetime,
    ignore_ref: int | None = None,
) -> availability.Verdict:
    """The mentor's diary says yes to this time, or a 409 that says why not."""
    calendar = load_calendars([mentor_id], starts - timedelta(days=1), ends, zone)[mentor_id]
    verdict = availability.check(calendar, starts, ends, kind, now, ignore_ref)
    if not verdict.free:
        reasons = "; ".join(reason.text for reason in verdict.reasons)
        raise conflict(f"The mentor is not free at that time: {reasons}.")
    return verdict


def first_free_mentor(nqsw: User, details: Details, zone: ZoneInfo, now: datetime) -> int:
    """For "any of my mentors": the first of the NQSW's mentors free at that time."""
    mentor_ids = mentor_ids_of(nqsw.id)
    calendars = load_calendars(
        mentor_ids, details.starts_at - timedelta(days=1), details.ends_at, zone
    )
    free = availability.who_is_free(
        calendars, details.starts_at, details.ends_at, details.kind, now
    )
    if not free:
        raise conflict("None of your mentors is free at that time. Try another time.")
    return free[0]
