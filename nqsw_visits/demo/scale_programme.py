"""The council demo's mentoring programme: agreements, their versions and reviews, in bulk.

Most bulk NQSWs have an agreement confirmed by all three people, with one or two focus
cases and goals linked to standards; some have ended (a few followed by a new one), some
wait for confirmation, some have a change waiting. Reviews are written, viewed and
confirmed for the review points already past, with the NQSW's ratings. The one-to-ones
of each agreement come from demo_scale_one_to_ones. The demo NQSWs are left to the
ordinary agreement demo, which runs afterwards.
"""

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from random import Random

from sqlalchemy import bindparam, select, update

from nqsw_visits.agreements.models import (
    AgreementConfirmation,
    AgreementGoal,
    AgreementReview,
    AgreementVersion,
    FocusCase,
    GoalRating,
    MentoringAgreement,
)
from nqsw_visits.agreements.rules import next_working_day, review_points
from nqsw_visits.core.extensions import db
from nqsw_visits.demo import scale as demo_scale
from nqsw_visits.demo import scale_one_to_ones as demo_scale_one_to_ones
from nqsw_visits.notifications.models import Notification
from nqsw_visits.observations.models import Standard
from nqsw_visits.people.models import TeamManager, User
from nqsw_visits.support_requests.models import SupportRequest

AIMS = ["Plan a first home visit", "Write a court statement", "Chair a core group"]
GOALS = [
    "Plan each visit around what the child's day is like",
    "Write assessments that say what the child needs, plainly",
    "Hold difficult conversations with parents calmly",
    "Use supervision to reflect, not only to report",
]
STATES = ("none", "ended", "ended, then a new one", "awaiting", *["active"] * 10)
TABLES = ("mentoring_agreements", "agreement_versions", "focus_cases", "agreement_goals")


@dataclass
class Plan:
    """One agreement as built: who, from when to when, and whether it is in force."""

    id: int
    nqsw: int
    mentor: int
    manager: int
    starts_on: date
    ended_on: date | None
    confirmed: bool
    every_weeks: int
    cases: list[tuple[int, str]] = field(default_factory=list)


def build(staff, rng: Random, days, now: datetime) -> dict[str, int]:
    """Agreements for most bulk NQSWs, then their one-to-ones; returns rows per table."""
    today = now.astimezone(days.zone).date()
    mentor_of = {}
    for mentor in staff.mentors:
        for nqsw in staff.mentees.get(mentor) or []:
            mentor_of.setdefault(nqsw, mentor)
    teams = dict(db.session.execute(select(User.id, User.team_id)).all())
    managers = {}
    for team, manager in db.session.execute(select(TeamManager.team_id, TeamManager.user_id)):
        managers.setdefault(team, manager)
    standards = list(db.session.scalars(select(Standard.id).where(Standard.retired.is_(False))))
    rows = _Rows(rng, days, now, standards)
    bulk_nqsws = [(n, m) for n, m in mentor_of.items() if n not in staff.demo_nqsws]
    for index, (nqsw, mentor) in enumerate(bulk_nqsws):
        manager = managers.get(teams.get(nqsw))
        state = STATES[index % len(STATES)]  # every state even in the small scale
        if manager is None or state == "none":
            continue  # no agreement yet: listed as waiting for one
        if state.startswith("ended"):
            starts = today - timedelta(days=rng.randint(420, 540))
            ended = starts + timedelta(days=rng.randint(150, 300))
            rows.agreement(nqsw, mentor, manager, starts, ended, confirmed=True)
            if state == "ended, then a new one":
                again = ended + timedelta(days=rng.randint(14, 40))
                rows.agreement(nqsw, mentor, manager, again, None, confirmed=True)
        elif state == "awaiting":
            starts = today - timedelta(days=rng.randint(0, 20))
            rows.agreement(nqsw, mentor, manager, starts, None, confirmed=False)
        else:
            starts = today - timedelta(days=rng.randint(30, 540))
            rows.agreement(nqsw, mentor, manager, starts, None, confirmed=True)
    rows.save()
    _link_requests(rows.plans, rng)
    counts = {"agreements": len(rows.plans), "reviews": len(rows.reviews)}
    counts |= demo_scale_one_to_ones.build(rows.plans, rng, days, now)
    return counts


class _Rows:
    """The rows of every table, gathered agreement by agreement and inserted at the end."""

    def __init__(self, rng: Random, days, now: datetime, standards: list[int]):
        self.rng, self.days, self.now, self.standards = rng, days, now, standards
        self.today = now.astimezone(days.zone).date()
        self.ids = {
            m: demo_scale.next_id(m)
            for m in (MentoringAgreement, AgreementVersion, FocusCase, AgreementGoal)
        }
        self.plans: list[Plan] = []
        self.agreements, self.versions, self.confirmations = [], [], []
        self.cases, self.goals, self.reviews, self.ratings = [], [], [], []
        self.notices, self.audit = [], []

    def _id(self, model) -> int:
        self.ids[model] += 1
        return self.ids[model] - 1

    def _at(self, day: date, hour: int) -> datetime:
        """A moment on a working day, never after now."""
        return min(self.days.at(next_working_day(day, self.days.holidays), hour), self.now)

    def agreement(self, nqsw, mentor, manager, starts: date, ended, *, confirmed: bool) -> None:
        rng = self.rng
        starts = next_working_day(starts, self.days.holidays)
        aid, starter = self._id(MentoringAgreement), rng.choice([mentor, manager])
        made = self._at(starts, 11)
        plan = Plan(aid, nqsw, mentor, manager, starts, ended, confirmed, rng.choice([2, 2, 2, 3]))
        self.plans.append(plan)
        self.agreements.append(
            {
                "id": aid,
                "nqsw_id": nqsw,
                "started_by_id": starter,
                "created_at": made,
                "ended_on": ended,
            }
        )
        nine = rng.random() < 0.3
        self._version(plan, 1, starter, made, "Agreement started", nine, all_three=confirmed)
        self._audit("agreement.started", starter, aid, made, nqsw_id=nqsw)
        for person in {nqsw, mentor, manager} - {starter}:
            self._notice(person, "A mentoring agreement was started: please confirm it", made)
        for number in range(rng.choice([1, 2])):
            reference = f"CR-{rng.randrange(10000, 99999)}"
            cid = self._id(FocusCase)
            plan.cases.append((cid, reference))
            self.cases.append(
                {
                    "id": cid,
                    "agreement_id": aid,
                    "case_reference": reference,
                    "learning_aim": AIMS[number % len(AIMS)],
                    "added_in": 1,
                    "closed_in": None,
                    "support_level": rng.choice(["accompany", "talk_through"]),
                }
            )
        first = [self._goal(aid, 1) for _ in range(rng.choice([2, 3]))]
        added = [self._change(plan, nine)] if confirmed and rng.random() < 0.3 else []
        if confirmed:
            self._reviews(plan, nine, first, first + added)

    def _version(self, plan: Plan, number, author, made, what, nine, *, all_three) -> None:
        vid = self._id(AgreementVersion)
        self.versions.append(
            {
                "id": vid,
                "agreement_id": plan.id,
                "number": number,
                "mentor_id": plan.mentor,
                "manager_id": plan.manager,
                "starts_on": plan.starts_on,
                "nine_month_review": nine,
                "one_to_one_every_weeks": plan.every_weeks,
                "what_changed": what,
                "created_by_id": author,
                "created_at": made,
            }
        )
        people = [plan.nqsw, plan.mentor, plan.manager] if all_three else [author]
        for person in dict.fromkeys([author, *people]):
            at = (
                made
                if person == author
                else min(made + timedelta(hours=self.rng.randint(2, 60)), self.now)
            )
            self.confirmations.append({"version_id": vid, "person_id": person, "confirmed_at": at})
            self._audit("agreement.confirmed", person, plan.id, at, version=number)

    def _goal(self, aid: int, number: int) -> int:
        gid = self._id(AgreementGoal)
        self.goals.append(
            {
                "id": gid,
                "agreement_id": aid,
                "added_in": number,
                "description": self.rng.choice(GOALS),
                "standard_id": self.rng.choice(self.standards) if self.standards else None,
            }
        )
        return gid

    def _change(self, plan: Plan, nine: bool) -> int:
        """Version 2 adds a goal (and closes a second focus case); recent ones wait."""
        last = plan.ended_on or self.today
        made = self._at(plan.starts_on + timedelta(days=self.rng.randint(40, 120)), 15)
        waiting = plan.ended_on is None and self.rng.random() < 0.3
        if waiting:
            made = self.now - timedelta(days=self.rng.randint(1, 10), hours=3)
        if made.date() >= last or made.date() <= plan.starts_on:
            made = self._at(plan.starts_on + timedelta(days=1), 15)
        what = "Added a goal"
        if len(plan.cases) == 2:
            self.cases[-1]["closed_in"] = 2
            what += f"\nClosed focus case {plan.cases[-1][1]}"
        self._version(plan, 2, plan.mentor, made, what, nine, all_three=not waiting)
        return self._goal(plan.id, 2)

    def _reviews(self, plan: Plan, nine: bool, first: list[int], goals: list[int]) -> None:
        rng, last = self.rng, plan.ended_on or self.today
        rated = self._at(plan.starts_on + timedelta(days=3), 16)
        if rng.random() < 0.85:
            self.ratings += [
                {"goal_id": g, "point": 0, "rating": rng.randint(1, 3), "rated_at": rated}
                for g in first
            ]
        past = [
            p for p in review_points(plan.starts_on, nine, self.days.holidays) if p.due_on <= last
        ]
        for index, point in enumerate(past):
            stage = 3 if index < len(past) - 1 or plan.ended_on else rng.choice([0, 1, 2, 3, 3, 3])
            if stage == 0:
                continue  # overdue: not written yet
            moments = [self._at(point.due_on - timedelta(days=2 - n), 10 + n) for n in range(3)]
            self.reviews.append(
                {
                    "agreement_id": plan.id,
                    "months": point.months,
                    "progress": "Plans visits well; reports are clearer.",
                    "what_next": "Lead a core group with support.",
                    "written_by_id": plan.mentor,
                    "written_at": moments[0],
                    "nqsw_view": "I feel more confident" if stage >= 2 else "",
                    "nqsw_added_at": moments[1] if stage >= 2 else None,
                    "confirmed_by_id": plan.manager if stage == 3 else None,
                    "confirmed_at": moments[2] if stage == 3 else None,
                }
            )
            self._audit("agreement.review_written", plan.mentor, plan.id, moments[0])
            if stage >= 2:
                rating = min(5, 1 + point.months // 3)
                self.ratings += [
                    {"goal_id": g, "point": point.months, "rating": rating, "rated_at": moments[1]}
                    for g in goals
                ]

    def _notice(self, user: int, message: str, at: datetime) -> None:
        read = at + timedelta(hours=5) if at < self.now - timedelta(days=2) else None
        self.notices.append(
            {
                "user_id": user,
                "request_id": None,
                "message": message,
                "created_at": at,
                "read_at": read,
            }
        )

    def _audit(self, action: str, actor: int, aid: int, at: datetime, **detail) -> None:
        self.audit.append(
            {
                "at": at,
                "actor_id": actor,
                "action": action,
                "object_type": "mentoringagreement",
                "object_id": aid,
                "detail": json.dumps(detail) if detail else None,
            }
        )

    def save(self) -> None:
        for model, rows in (
            (MentoringAgreement, self.agreements),
            (AgreementVersion, self.versions),
            (AgreementConfirmation, self.confirmations),
            (FocusCase, self.cases),
            (AgreementGoal, self.goals),
            (AgreementReview, self.reviews),
            (GoalRating, self.ratings),
            (Notification, self.notices),
        ):
            demo_scale.bulk(model, rows)
        demo_scale.audit_rows(self.audit)


def _link_requests(plans: list[Plan], rng: Random) -> None:
    """Point the NQSWs' focus-case requests made during an agreement at one of its cases."""
    by_nqsw: dict[int, list[Plan]] = {}
    for plan in plans:
        if plan.confirmed:
            by_nqsw.setdefault(plan.nqsw, []).append(plan)
    found = db.session.execute(
        select(SupportRequest.id, SupportRequest.nqsw_id, SupportRequest.starts_at).where(
            SupportRequest.focus_case.is_(True)
        )
    )
    links = []
    for rid, nqsw, starts in found:
        for plan in by_nqsw.get(nqsw, ()):
            if plan.starts_on <= starts.date() and (plan.ended_on or date.max) > starts.date():
                case_id, reference = rng.choice(plan.cases)
                links.append({"rid": rid, "case_id": case_id, "reference": reference})
                break
    table = SupportRequest.__table__
    change = (
        update(table)
        .where(table.c.id == bindparam("rid"))
        .values(focus_case_id=bindparam("case_id"), case_reference=bindparam("reference"))
    )
    for first in range(0, len(links), 5000):
        db.session.execute(change, links[first : first + 5000])
