"""The council demo's one-to-ones, their records and actions; sent emails and old sign-ins.

Each agreement in force meets at its rhythm from its first week until it ends, or three
months ahead. A session takes the first slot of the mentor's working-day timeline that
no hold covers (the requests' holds are already in), on its date or the next few
working days, so the no-overlap guard holds for one-to-ones as for requests. Booked and
held sessions hold time; missed and cancelled ones do not, as in the app.
"""

import json
from datetime import datetime, timedelta
from random import Random

from sqlalchemy import select

from nqsw_visits.availability.models import MentorHold
from nqsw_visits.core.extensions import db
from nqsw_visits.demo import scale as demo_scale
from nqsw_visits.demo.scale_history import AHEAD_DAYS, PAST_DAYS, SLOTS
from nqsw_visits.notifications.models import Notification, OutboxEmail
from nqsw_visits.one_to_ones.models import OneToOne, SessionAction
from nqsw_visits.people.models import User, UserSession

MINUTES, LOOK_AHEAD = 60, 5  # working days tried after a session's date
TALKED = "Went through the focus case: what went well on the visit, what to try next time."
ACTIONS = [
    "Read the latest assessment before the next visit",
    "Draft the plan for the core group",
    "Book a reflective session with the practice educator",
]
SUBJECTS = ["Someone asked you for support", "Your request was answered", "A one-to-one booked"]


def build(plans, rng: Random, days, now: datetime) -> dict[str, int]:
    """One-to-ones for every agreement in force, then emails and sign-ins; rows per table."""
    taken = _taken({plan.mentor for plan in plans}, days)
    rows = {key: [] for key in ("sessions", "holds", "actions", "notices", "audit")}
    next_id = demo_scale.next_id(OneToOne)
    for plan in plans:
        if not plan.confirmed:
            continue
        last = plan.ended_on or (now + timedelta(days=AHEAD_DAYS)).astimezone(days.zone).date()
        day, batch = plan.starts_on + timedelta(days=7), []
        while day < last:
            starts = _free(taken, plan.mentor, day, last, days)
            if starts is not None:
                batch.append(next_id)
                _session(rows, rng, plan, next_id, starts, now)
                next_id += 1
            if len(batch) == 12 or (batch and day + timedelta(weeks=plan.every_weeks) >= last):
                _booked(rows, plan, batch, now)
                batch = []
            day += timedelta(weeks=plan.every_weeks)
    for model, key in (
        (OneToOne, "sessions"),
        (MentorHold, "holds"),
        (SessionAction, "actions"),
        (Notification, "notices"),
    ):
        demo_scale.bulk(model, rows[key])
    demo_scale.audit_rows(rows["audit"])
    return {
        "one-to-ones": len(rows["sessions"]),
        "one-to-one actions": len(rows["actions"]),
        **_lifecycle(rng, now),
    }


def _taken(mentors: set[int], days) -> dict[tuple[int, object], list]:
    """Each mentor's held time by local day: the requests' holds and the ordinary demo's."""
    taken: dict[tuple[int, object], list] = {}
    held = select(MentorHold.mentor_id, MentorHold.starts_at, MentorHold.ends_at)
    for mentor, starts, ends in db.session.execute(held):
        if mentor in mentors:
            taken.setdefault((mentor, starts.astimezone(days.zone).date()), []).append(
                (starts, ends)
            )
    return taken


def _free(taken, mentor: int, day, last, days) -> datetime | None:
    """The first slot free of holds on the day or the next few working days; holds it."""
    tried = 0
    while tried < LOOK_AHEAD and day < last:
        if days.working(day):
            tried += 1
            busy = taken.setdefault((mentor, day), [])
            for hour, minute in SLOTS:
                starts = days.at(day, hour, minute)
                ends = starts + timedelta(minutes=MINUTES)
                if not any(a < ends and starts < b for a, b in busy):
                    busy.append((starts, ends))
                    return starts
        day += timedelta(days=1)
    return None


def _session(rows, rng: Random, plan, sid: int, starts: datetime, now: datetime) -> None:
    ends, roll = starts + timedelta(minutes=MINUTES), rng.random()
    status, reason, changed = "booked", "", None
    if ends > now:
        if roll < 0.05:
            status, reason, changed = "cancelled", "Mentor on leave", now
    elif roll < 0.07:
        status, reason, changed = "cancelled", "Mentor on leave", starts - timedelta(days=2)
    elif roll < 0.14:
        changed = min(ends + timedelta(hours=1), now)
        status, reason = "missed", "Called to an urgent visit"
    elif ends < now - timedelta(days=14) or roll < 0.8:
        status = "held"
    written = min(ends + timedelta(hours=2), now) if status == "held" else None
    rows["sessions"].append(
        {
            "id": sid,
            "agreement_id": plan.id,
            "mentor_id": plan.mentor,
            "nqsw_id": plan.nqsw,
            "starts_at": starts,
            "ends_at": ends,
            "status": status,
            "series": "",
            "booked_by_id": plan.mentor,
            "created_at": min(starts - timedelta(days=7), now),
            "reason": reason,
            "changed_by_id": plan.mentor if changed else None,
            "changed_at": changed,
            "talked_about": TALKED if written else "",
            "written_by_id": plan.mentor if written else None,
            "written_at": written,
            "shared_onward": False,
        }
    )
    if status in ("booked", "held"):
        rows["holds"].append(
            {
                "request_id": None,
                "one_to_one_id": sid,
                "mentor_id": plan.mentor,
                "starts_at": starts,
                "ends_at": ends,
                "kind": "one_to_one",
            }
        )
    if status in ("missed", "cancelled"):
        _audit(rows, f"one_to_one.{status}", plan.mentor, sid, changed)
    if not written:
        return
    _audit(rows, "one_to_one.written", plan.mentor, sid, written)
    for _ in range(rng.choice([0, 1, 1, 2])):
        owner = plan.nqsw if rng.random() < 0.7 else plan.mentor
        # Most are done by the next one-to-one; the rest are carried forward to it.
        done = written + timedelta(days=14) if rng.random() < 0.85 else None
        done = done if done and done < now else None
        rows["actions"].append(
            {
                "session_id": sid,
                "agreement_id": plan.id,
                "description": rng.choice(ACTIONS),
                "owner_id": owner,
                "due_on": (ends + timedelta(days=14)).date(),
                "created_by_id": plan.mentor,
                "created_at": written,
                "done_at": done,
                "done_by_id": owner if done else None,
            }
        )


def _booked(rows, plan, batch: list[int], now: datetime) -> None:
    """Name the sessions booked together as one series, as the app does."""
    first = rows["sessions"][-len(batch)]
    key, at = f"{plan.id}-{int(first['starts_at'].timestamp())}", first["created_at"]
    for session in rows["sessions"][-len(batch) :]:
        session["series"], session["created_at"] = key, at
    _audit(
        rows,
        "one_to_one.booked",
        plan.mentor,
        plan.id,
        at,
        "mentoringagreement",
        sessions=len(batch),
        series=key,
    )
    read = at + timedelta(hours=4) if at < now - timedelta(days=2) else None
    rows["notices"].append(
        {
            "user_id": plan.nqsw,
            "request_id": None,
            "created_at": at,
            "message": f"Your mentor booked {len(batch)} one-to-ones with you",
            "read_at": read,
        }
    )


def _audit(rows, action, actor, object_id, at, object_type="onetoone", **detail) -> None:
    rows["audit"].append(
        {
            "at": at,
            "actor_id": actor,
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            "detail": json.dumps(detail) if detail else None,
        }
    )


def _lifecycle(rng: Random, now: datetime) -> dict[str, int]:
    """Emails sent and sign-ins ended over the history, so `flask purge` has work to do."""
    emails, sessions = [], []
    for person, address in db.session.execute(select(User.id, User.email)):
        moment = now - timedelta(days=PAST_DAYS)
        while (moment := moment + timedelta(days=rng.randint(3, 9), hours=rng.randint(0, 9))) < now:
            emails.append(
                {
                    "to_address": address,
                    "subject": rng.choice(SUBJECTS),
                    "body": "Sign in to Alongside to see what changed.",
                    "created_at": moment,
                    "next_attempt_at": moment,
                    "attempts": 1,
                    "last_error": "",
                    "sent_at": moment + timedelta(seconds=30),
                }
            )
            ended = min(moment + timedelta(hours=rng.randint(1, 8)), now)
            sessions.append(
                {
                    "token_hash": f"{rng.getrandbits(256):064x}",
                    "user_id": person,
                    "created_at": moment,
                    "last_seen_at": ended,
                    "ended_at": ended,
                    "end_reason": rng.choice(["signed out", "idle timeout"]),
                }
            )
    demo_scale.bulk(OutboxEmail, emails)
    demo_scale.bulk(UserSession, sessions)
    return {"sent emails": len(emails), "ended sign-ins": len(sessions)}
