"""The demo team's last few weeks and next few, told through the same rules as the app.

Each request's life (asked, answered, done, written up) is a series of steps dated
relative to the moment the demo is loaded, on working days in working hours. The steps
run in the order they happened, so the rules see each mentor's diary as it was then.
"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from nqsw_visits.availability import rules as availability_store
from nqsw_visits.availability.models import BankHoliday, ExceptionKind
from nqsw_visits.core.extensions import db
from nqsw_visits.demo.timeline import MINUTES, Days, DemoError, Story, free_slot
from nqsw_visits.notifications.models import Notification
from nqsw_visits.observations import rules as observations
from nqsw_visits.observations.models import Classification, Standard
from nqsw_visits.people.models import User
from nqsw_visits.support_requests import rules as scheduling
from nqsw_visits.support_requests.models import MeetingType, RequestKind

HOURS = timedelta(hours=1)
VISIT = {"venue_type": "family_home", "area": "East", "consent": "yes"}
COURT = {"venue_type": "court", "area": "East"}
OFFICE = {"venue_type": "office", "area": "East"}
NOTES = {
    "classification": Classification.ASYE_DIRECT,
    "observed": "Explained the purpose of the visit at the start and checked the plan "
    "point by point with the parent.",
    "strengths": "Calm, clear language; kept the child's needs at the centre.",
    "to_develop": "Leave more space after a question before moving on.",
    "look_out_for": "Who else is in the home, and whether they should hear the discussion.",
}


def build(people: dict[str, User], now: datetime, zone: ZoneInfo) -> None:
    """Add the demo team's history and plans, as they would stand at `now`."""
    holidays = frozenset(db.session.scalars(select(BankHoliday.day)))
    story = Story(people, Days(zone, holidays), now)
    _past(story)
    _write_ups(story)
    _future(story)
    _declined(story)
    _urgent(story)
    story.plan.run()
    # People have read what reached them before the last working day.
    db.session.execute(
        update(Notification)
        .where(Notification.created_at < story.ago(1, 0))
        .values(read_at=story.ago(1, 8, 45))
        .execution_options(synchronize_session=False)
    )


def _past_event(story: Story, key: str, days_ago: int, nqsw: str, kind, minutes: int, **details):
    """Asked four working days before, accepted the next day, completed that evening."""
    day = story.days.shift(story.last_day, -days_ago)
    ask = story.ask(key, nqsw, "grace", kind, minutes, lambda: [day], past=True, **details)
    story.plan.at(story.ago(days_ago + 4, 10, 5), ask)
    story.plan.at(story.ago(days_ago + 3, 9, 40), story.accept(key, "grace"))
    story.plan.at(story.days.at(day, 17, 40), scheduling.complete_past)


def _past(story: Story) -> None:
    visit = {"feedback_on": "How I explain why we are there", **VISIT}
    home = RequestKind.HOME_VISIT
    _past_event(
        story, "locked", 12, "amira", home, 60, case_reference="DEMO-1042",
        purpose="Review the child in need plan with the family", focus_case=True, **visit,
    )  # fmt: skip
    # Never written up: five working days on, the mentor's home page says it is overdue.
    _past_event(
        story, "overdue", 8, "chloe", RequestKind.MEETING, 90, at=(14, 0),
        case_reference="DEMO-2210",
        meeting_type=MeetingType.CORE_GROUP.value, purpose="Agree the next steps of the plan",
        feedback_on="How I lead my part of the meeting", **OFFICE,
    )  # fmt: skip
    _past_event(
        story, "waiting", 5, "amira", home, 60, at=(11, 30), case_reference="DEMO-1077",
        purpose="Explain the outcome of the assessment", **visit,
    )  # fmt: skip
    _past_event(
        story, "missed", 3, "amira", home, 60, at=(13, 30), case_reference="DEMO-1093",
        purpose="Follow up the school's concerns", **visit,
    )  # fmt: skip
    _past_event(
        story, "recent", 1, "ben", home, 60, at=(9, 30), case_reference="DEMO-3301",
        purpose="First visit after transfer from the assessment team",
        feedback_on="How I introduce myself and my role", **VISIT,
    )  # fmt: skip

    def did_not_happen(moment):
        reason = "The family were not at home; the visit is booked again."
        scheduling.did_not_happen(story.people["grace"], story.requests["missed"], reason, moment)

    story.plan.at(story.ago(2, 9, 30), did_not_happen)


def _write_ups(story: Story) -> None:
    """One record signed by both and locked, with an addendum; one waits for a reflection."""
    grace, amira, plan = story.people["grace"], story.people["amira"], story.plan
    records = story.records

    def write(key):
        def step(moment):
            standards = select(Standard.id).where(Standard.code.in_(["PCF7", "KSS2"]))
            notes = observations.Notes(**NOTES, standard_ids=tuple(db.session.scalars(standards)))
            records[key] = observations.start(grace, story.requests[key])
            observations.save_notes(grace, records[key], notes, moment)
            observations.share(grace, records[key], moment)

        return step

    def actions(moment):
        days, last = story.days, story.last_day
        opening = "Plan the opening of the next visit together"
        reading = "Read the practice guide on reflective questions"
        due = days.shift(last, 5)
        observations.add_action(grace, records["locked"], opening, "both", due, moment)
        observations.add_action(
            amira, records["locked"], reading, "nqsw", days.shift(last, -7), moment
        )

    def reflect(moment):
        observations.reflect(
            amira,
            records["locked"],
            "I moved on too quickly after questions; next time I will wait before I speak again.",
            "Write my opening in advance and check it with the family at the start.",
            moment,
        )

    def sign(name):
        return lambda moment: observations.sign(story.people[name], records["locked"], moment)

    def done(moment):
        observations.set_action_done(amira, records["locked"].actions[-1], True, moment)

    def addendum(moment):
        text = "The family asked for visits after school hours from now on; the plan says so."
        observations.add_addendum(grace, records["locked"], text)

    plan.at(story.ago(11, 15, 0), write("locked"))
    plan.at(story.ago(11, 15, 10), actions)
    plan.at(story.ago(10, 11, 0), reflect)
    plan.at(story.ago(10, 16, 0), sign("grace"))
    plan.at(story.ago(9, 10, 0), sign("amira"))
    plan.at(story.ago(7, 12, 0), done)
    plan.at(story.ago(6, 12, 30), addendum)
    plan.at(story.ago(4, 14, 30), write("waiting"))


def _future(story: Story) -> None:
    """Plans from two working days on: the days before are left for the urgent request."""
    people, plan = story.people, story.plan
    grace, tom = people["grace"], people["tom"]
    court, meeting, home = RequestKind.COURT_HEARING, RequestKind.MEETING, RequestKind.HOME_VISIT

    def leave(moment):
        day = story.days.shift(story.today, 8)
        starts, ends = story.days.at(day, 8), story.days.at(day, 18)
        availability_store.add_exception(grace, grace, ExceptionKind.LEAVE, starts, ends, "Leave")

    plan.at(story.ago(6, 9, 5), leave)
    # Not answered for three working days: the manager's page flags it.
    plan.at(story.ago(3, 11, 45), story.ask(
        "court", "chloe", "grace", court, 120, story.ahead(4), case_reference="DEMO-2210",
        purpose="Final hearing in care proceedings", feedback_on="How I give my evidence",
        **COURT,
    ))  # fmt: skip
    plan.at(story.ago(3, 15, 20), story.ask(
        "soon", "amira", "grace", meeting, 90, story.ahead(2), at=(13, 30),
        case_reference="DEMO-1042",
        meeting_type=MeetingType.CHILD_PROTECTION_CONFERENCE.value, focus_case=True,
        purpose="Initial child protection conference", feedback_on="How I present my report",
        **OFFICE,
    ))  # fmt: skip
    plan.at(story.ago(2, 10, 30), story.accept("soon", "grace"))
    # Asked of Tom, who passes it to Grace: it waits in her inbox.
    plan.at(story.ago(2, 9, 20), story.ask(
        "handed", "chloe", "tom", meeting, 60, story.ahead(3), at=(11, 0), also=("grace",),
        case_reference="DEMO-2245", meeting_type=MeetingType.STRATEGY_MEETING.value,
        purpose="Strategy meeting after a new referral", **OFFICE,
    ))  # fmt: skip

    def hand_over(moment):
        scheduling.hand_over(tom, story.requests["handed"], grace, story.zone, moment)

    plan.at(story.ago(2, 9, 55), hand_over)
    plan.at(story.ago(2, 13, 10), story.ask(
        "offered", "ben", "grace", RequestKind.CASE_DISCUSSION, 45, story.ahead(2), at=(15, 0),
        case_reference="DEMO-3301", fixed_time=False,
        purpose="Talk through my analysis before I write it up",
    ))  # fmt: skip

    def offer(moment):
        hours = ((15, 0), (14, 0), (11, 0))
        starts, ends = free_slot(
            story.days, [grace.id], "case_discussion", 45 * MINUTES, story.ahead(4)(), moment, hours
        )
        reason = "I would like to give this an unhurried hour later in the week."
        scheduling.propose(
            grace, story.requests["offered"], starts, ends, story.zone, moment, reason
        )

    plan.at(story.ago(1, 10, 5), offer)
    plan.at(story.ago(2, 14, 10), story.ask(
        "daniel", "daniel", "tom", home, 60, story.from_day(story.next_monday + timedelta(2)),
        case_reference="DEMO-4410", purpose="Introduce the new plan to the family",
        feedback_on="How I check the family understand it", at=(14, 0), **VISIT,
    ))  # fmt: skip
    plan.at(story.ago(2, 16, 20), story.accept("daniel", "tom"))
    plan.at(story.ago(1, 11, 20), story.ask(
        "next_week", "amira", "grace", home, 60, story.from_day(story.next_monday + timedelta(2)),
        case_reference="DEMO-1042", purpose="Review the plan after the conference",
        feedback_on="How I keep the child's voice in it", focus_case=True, at=(11, 30),
        **VISIT,
    ))  # fmt: skip
    plan.at(story.ago(1, 15, 40), story.accept("next_week", "grace"))


def _declined(story: Story) -> None:
    """Daniel asks Tom to come to court on a day Tom then books for training."""
    days, tom = story.days, story.people["tom"]
    chosen: list[date] = []

    def ask(moment):
        for day in story.ahead(4)():
            try:  # a day with nothing else in Tom's diary
                free_slot(days, [tom.id], "case_discussion", 8 * HOURS, [day], moment, [(9, 0)])
            except DemoError:
                continue
            chosen.append(day)
            story.ask(
                "declined", "daniel", "tom", RequestKind.COURT_HEARING, 120, lambda: chosen,
                case_reference="DEMO-4410", purpose="Interim care order hearing", **COURT,
            )(moment)  # fmt: skip
            return
        raise DemoError("no free day for the declined court hearing")

    def decline(moment):
        starts, ends = days.at(chosen[0], 8), days.at(chosen[0], 18)
        availability_store.add_exception(
            tom, tom, ExceptionKind.TRAINING, starts, ends, "Court skills training"
        )
        reason = "I am on a training course all that day."
        scheduling.decline(tom, story.requests["declined"], reason, moment)

    story.plan.at(story.ago(1, 9, 40), ask)
    story.plan.at(story.ago(1, 12, 5), decline)


def _urgent(story: Story) -> None:
    """Ben asks for a visit inside the minimum notice: it waits, urgent, at the top."""
    days, grace = story.days, story.people["grace"]

    def ask(moment):
        starts, ends = free_slot(
            days, [grace.id], "home_visit", 60 * MINUTES, story.ahead(0)(), moment,
            hours=((9, 30), (10, 0), (11, 30), (13, 0), (14, 0), (15, 0)),
            not_before=story.now + timedelta(hours=1), urgent=True,
        )  # fmt: skip
        details = scheduling.Details(
            kind=RequestKind.HOME_VISIT, starts_at=starts, ends_at=ends,
            case_reference="DEMO-3318", purpose="Unannounced visit after a police notification",
            feedback_on="How I stay calm and clear", **VISIT,
        )  # fmt: skip
        story.requests["urgent"] = scheduling.ask(
            story.people["ben"], grace.id, details, story.zone, moment
        )

    story.plan.at(story.latest, ask)
