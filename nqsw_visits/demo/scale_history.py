"""The council demo's requests, holds, history, notices and observations, in bulk.

Each mentor's requests sit on their own timeline of working-day slots that never
overlap, so every hold the app would keep (asked, offered, accepted, completed) fits the
database's no-overlap guard. Observations are inserted open and locked afterwards, as the
lock triggers allow.
"""

import uuid
from datetime import datetime, timedelta
from random import Random

from sqlalchemy import or_, select

from nqsw_visits.availability.models import MentorHold
from nqsw_visits.core.extensions import db
from nqsw_visits.demo import scale as demo_scale
from nqsw_visits.demo import scale_observations as demo_scale_observations
from nqsw_visits.notifications.models import Notification
from nqsw_visits.people.models import User
from nqsw_visits.support_requests.models import (
    MeetingType,
    RequestEvent,
    RequestKind,
    SupportRequest,
)
from nqsw_visits.support_requests.models import RequestStatus as S

PAST_DAYS, AHEAD_DAYS = 548, 92
CHUNK = 40  # mentors
SLOTS = [(9, 0), (10, 30), (12, 0), (13, 30), (15, 0)]
PAST = [
    (S.COMPLETED, 74),
    (S.CANCELLED, 7),
    (S.DECLINED, 7),
    (S.WITHDRAWN, 6),
    (S.DID_NOT_HAPPEN, 6),
]
FUTURE = [
    (S.ACCEPTED, 55),
    (S.REQUESTED, 30),
    (S.ALTERNATIVE_PROPOSED, 8),
    (S.DECLINED, 4),
    (S.WITHDRAWN, 3),
]
HOLDS = {S.REQUESTED, S.ALTERNATIVE_PROPOSED, S.ACCEPTED, S.COMPLETED}
KINDS = [
    (RequestKind.HOME_VISIT, 45),
    (RequestKind.MEETING, 25),
    (RequestKind.CASE_DISCUSSION, 20),
    (RequestKind.COURT_HEARING, 10),
]
VENUE = {
    "home_visit": "family_home",
    "meeting": "office",
    "court_hearing": "court",
    "case_discussion": "office",
}
ANSWER = {
    S.ACCEPTED: ("accepted", "{m} will come with you"),
    S.DECLINED: ("declined", "{m} cannot come"),
    S.ALTERNATIVE_PROPOSED: ("proposed", "{m} offered another time"),
}


def _pick(rng: Random, weighted):
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


def build(staff, scale, rng: Random, days, now: datetime) -> dict[str, int]:
    """Add every mentor's requests and what followed them; returns rows per table."""
    names = dict(db.session.execute(select(User.id, User.display_name)).all())
    slots = _slots(days, now)
    counts = dict.fromkeys(("requests", "holds", "events", "notifications", "audit"), 0)
    counts["observations"] = 0
    next_id = demo_scale.next_id(SupportRequest)
    others = staff.mentors[1:]
    share = (scale.requests - scale.heavy_mentor) // max(len(others), 1)
    # A few dozen mentors at a time, so a region's rows never all sit in memory at once.
    for first in range(0, len(staff.mentors), CHUNK):
        rows = {key: [] for key in ("requests", "holds", "events", "notices", "audit")}
        for mentor in staff.mentors[first : first + CHUNK]:
            heavy = mentor == staff.heavy_mentor
            free = _free(slots, mentor) if heavy else list(range(len(slots)))
            count = min(scale.heavy_mentor if heavy else share, len(free))
            chosen = sorted(rng.sample(free, count))
            mentees = [n for n in staff.mentees.get(mentor) or [] if n != staff.heavy_nqsw]
            if not mentees:
                continue
            for number, index in enumerate(chosen):
                # The heavy NQSW's requests are spread along the heavy mentor's timeline.
                spread = heavy and number % max(count // scale.heavy_nqsw, 1) == 0
                nqsw = staff.heavy_nqsw if spread else rng.choice(mentees)
                _request(rows, rng, next_id, mentor, nqsw, slots[index], names, now)
                next_id += 1
        demo_scale.bulk(SupportRequest, rows["requests"])
        demo_scale.bulk(MentorHold, rows["holds"])
        demo_scale.bulk(RequestEvent, rows["events"])
        counts["observations"] += demo_scale_observations.build(rows, scale, rng, now)
        if first + CHUNK >= len(staff.mentors):
            _signins(rows, staff, rng, now)
        demo_scale.bulk(Notification, rows["notices"])
        demo_scale.audit_rows(rows["audit"])
        for key, name in (("requests", "requests"), ("holds", "holds"), ("events", "events"),
                          ("notices", "notifications"), ("audit", "audit")):  # fmt: skip
            counts[name] += len(rows[key])
    return counts


def _slots(days, now: datetime) -> list[datetime]:
    first = (now - timedelta(days=PAST_DAYS)).astimezone(days.zone).date()
    out = []
    for offset in range(PAST_DAYS + AHEAD_DAYS):
        day = first + timedelta(days=offset)
        if days.working(day):
            out.extend(days.at(day, hour, minute) for hour, minute in SLOTS)
    return out


def _free(slots: list[datetime], mentor: int) -> list[int]:
    """Slot indexes clear of this mentor's requests from the ordinary demo."""
    taken = db.session.execute(
        select(
            SupportRequest.starts_at,
            SupportRequest.ends_at,
            SupportRequest.proposed_starts_at,
            SupportRequest.proposed_ends_at,
        ).where(or_(SupportRequest.mentor_id == mentor))
    ).all()
    busy = [(a, b) for row in taken for a, b in (row[:2], row[2:]) if a is not None]
    margin = timedelta(minutes=90)
    return [
        index
        for index, start in enumerate(slots)
        if not any(a < start + margin and start < b for a, b in busy)
    ]


def _request(rows, rng, rid, mentor, nqsw, starts, names, now) -> None:
    ends = starts + timedelta(minutes=rng.choice([60, 90]))
    status = _pick(rng, PAST if ends <= now else FUTURE)
    if starts <= now < ends:
        status = S.ACCEPTED
    kind = _pick(rng, KINDS)
    asked = min(starts - timedelta(days=rng.randint(3, 21), hours=rng.randint(0, 6)), now)
    if status in (S.REQUESTED, S.ALTERNATIVE_PROPOSED):
        asked = now - timedelta(hours=rng.randint(2, 70))
    answered = min(asked + timedelta(hours=rng.randint(2, 30)), now)
    proposed = status == S.ALTERNATIVE_PROPOSED
    held = (starts, ends)
    if proposed:
        starts, ends = starts - timedelta(days=1), ends - timedelta(days=1)
    rows["requests"].append(
        {
            "id": rid,
            "uid": str(uuid.UUID(int=rng.getrandbits(128))),
            "nqsw_id": nqsw,
            "mentor_id": mentor,
            "kind": kind.value,
            "meeting_type": MeetingType.CORE_GROUP.value if kind == "meeting" else None,
            "fixed_time": True,
            "starts_at": starts,
            "ends_at": ends,
            "proposed_starts_at": held[0] if proposed else None,
            "proposed_ends_at": held[1] if proposed else None,
            "case_reference": f"CR-{rng.randrange(1000, 99999)}",
            "focus_case": rng.random() < 0.2,
            "venue_type": VENUE[kind.value],
            "area": "East",
            "purpose": "Review the plan",
            "feedback_on": "How I explain why we are there",
            "feedback_on_second": "",
            "consent": "yes" if kind == "home_visit" else "not_applicable",
            "urgent": False,
            "status": status.value,
            "sequence": 0 if status == S.REQUESTED else 1,
            "created_at": asked,
            "updated_at": answered,
        }
    )
    if status in HOLDS:
        rows["holds"].append(
            {
                "request_id": rid,
                "mentor_id": mentor,
                "starts_at": held[0],
                "ends_at": held[1],
                "kind": kind.value,
            }
        )
    m, n = names[mentor], names[nqsw]
    _event(rows, rid, nqsw, "asked", None, S.REQUESTED, asked)
    notice(rows, mentor, rid, f"{n} asked you for support", asked, now)
    if status == S.REQUESTED:
        return
    if status == S.WITHDRAWN:
        _event(rows, rid, nqsw, "withdrawn", S.REQUESTED, status, answered, "Plans changed")
        notice(rows, mentor, rid, f"{n} withdrew a request", answered, now)
        return
    action, message = ANSWER.get(status, ANSWER[S.ACCEPTED])
    answer = status if status in ANSWER else S.ACCEPTED
    _event(
        rows,
        rid,
        mentor,
        action,
        S.REQUESTED,
        answer,
        answered,
        "" if answer == S.ACCEPTED else "Already out at that time",
    )
    notice(rows, nqsw, rid, message.format(m=m), answered, now)
    done = min(ends, now)
    if status == S.COMPLETED:
        _event(rows, rid, None, "completed", S.ACCEPTED, status, done)
    elif status == S.CANCELLED:
        _event(rows, rid, nqsw, "cancelled", S.ACCEPTED, status, answered, "Visit moved")
        notice(rows, mentor, rid, f"{n} cancelled a planned request", answered, now)
    elif status == S.DID_NOT_HAPPEN:
        _event(rows, rid, mentor, "did_not_happen", S.ACCEPTED, status, done, "Family out")


def _event(rows, rid, actor, action, before, after, at, reason="") -> None:
    rows["events"].append(
        {
            "request_id": rid,
            "actor_id": actor,
            "action": action,
            "from_status": before.value if before else None,
            "to_status": after.value,
            "reason": reason,
            "at": at,
        }
    )


def notice(rows, user, rid, message, at, now) -> None:
    read = at + timedelta(hours=3) if at < now - timedelta(days=1) else None
    rows["notices"].append(
        {"user_id": user, "request_id": rid, "message": message, "created_at": at, "read_at": read}
    )


def _signins(rows, staff, rng: Random, now: datetime) -> None:
    """A sign-in row for each person about once a week."""
    for person in staff.everyone:
        moment = now - timedelta(days=PAST_DAYS)
        while True:
            moment += timedelta(days=rng.randint(4, 10), minutes=rng.randint(0, 600))
            if moment >= now:
                break
            rows["audit"].append(
                {
                    "at": moment,
                    "actor_id": person,
                    "action": "signin.succeeded",
                    "object_type": None,
                    "object_id": None,
                    "detail": None,
                }
            )
