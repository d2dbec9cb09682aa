"""Demo agreements: one in each state, and one whose first review is due next week."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from nqsw_visits.agreements import rules, versions
from nqsw_visits.agreements.models import SupportLevel
from nqsw_visits.agreements.rules import NewFocusCase, NewGoal, Terms
from nqsw_visits.core.extensions import db
from nqsw_visits.demo.team import SHORT
from nqsw_visits.demo.timeline import dated
from nqsw_visits.people.models import User


def _terms(mentor: User, manager: User, starts_on: date, *cases: NewFocusCase) -> Terms:
    return Terms(
        mentor=mentor,
        manager=manager,
        starts_on=starts_on,
        new_focus_cases=list(cases),
        new_goals=[NewGoal("Plan each visit around what the child's day is like")],
    )


def load(now: datetime, zone: ZoneInfo) -> None:
    """Add the agreements to the demo team loaded by `flask demo-data` (the caller commits)."""
    emails = {**SHORT, "priya": "manager@example.org"}
    found = {
        u.email: u for u in db.session.scalars(select(User).where(User.email.in_(emails.values())))
    }
    people = {name: found[email] for name, email in emails.items()}
    with dated(now):  # no emails about the demo's past
        build(people, now, now.astimezone(zone).date())


def build(people: dict[str, User], now: datetime, today: date) -> None:
    """Agreements for the demo team, as at `now` (the caller commits)."""
    grace, tom, priya = people["grace"], people["tom"], people["priya"]
    visits = NewFocusCase("CR-4417", "Plan a first home visit", SupportLevel.ACCOMPANY)
    court = NewFocusCase("CR-5620", "Write a court statement", SupportLevel.TALK_THROUGH)
    # Amira: active since nearly three months ago, so her first review is due next week.
    started = rules.add_months(today, -3) + timedelta(days=5)
    amira = rules.start(priya, people["amira"], _terms(grace, priya, started, visits, court), now)
    versions.confirm(grace, amira, 1, now)
    versions.confirm(people["amira"], amira, 1, now)
    # Ben: Grace recorded the start meeting; Ben and Priya have still to confirm.
    rules.start(grace, people["ben"], _terms(grace, priya, today, visits), now)
    # Chloe: active, with a change of mentor waiting for confirmation.
    chloe = rules.start(priya, people["chloe"], _terms(grace, priya, today, court), now)
    versions.confirm(grace, chloe, 1, now)
    versions.confirm(people["chloe"], chloe, 1, now)
    case_ids = frozenset(case.id for case in chloe.focus_cases)
    goal_ids = frozenset(goal.id for goal in chloe.goals)
    moved = Terms(
        mentor=tom,
        manager=priya,
        starts_on=today,
        kept_focus_case_ids=case_ids,
        kept_goal_ids=goal_ids,
    )
    versions.change(priya, chloe, moved, "Grace's caseload is full this quarter", now)
    # Daniel: an agreement that has ended, so he is waiting for a new one.
    daniel = rules.start(tom, people["daniel"], _terms(tom, priya, started, visits), now)
    versions.end(tom, daniel, today, now)
