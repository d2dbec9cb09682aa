"""Demo group sessions: Grace's monthly series for the team's NQSWs, set up a fortnight
before last month's session; that session held, its register marked, notes and a resource
link written and two ratings left; the next one with a guardian from outside as guest
speaker and replies from everyone (going, maybe, not going, one on the waiting list)."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update

from nqsw_visits.availability.models import BankHoliday
from nqsw_visits.core.extensions import db
from nqsw_visits.demo.timeline import Days, dated
from nqsw_visits.group_sessions import rules
from nqsw_visits.group_sessions.models import GroupFeedback, GroupSession, Reply
from nqsw_visits.notifications.models import Notification
from nqsw_visits.people.models import User

TOPIC = "Giving evidence in court"
NEXT_TOPIC = "Working alongside the children's guardian"
PLACE = "Room 2.14, Mulberry Place"
CAPACITY = 3  # a small room: the fourth "going" waits
TIMES = ((time(10), time(12)), (time(13, 30), time(15, 30)))
GUEST = rules.Guest(
    name="Ruth Adeyemi",
    email="ruth.adeyemi@guardians.example",
    role="Children's guardian",
    organisation="Cafcass",
)
NOTES = (
    "We walked through a hearing from arriving at court to leaving the witness box: how to "
    "prepare from your own statement, how to answer only the question asked, and how to say "
    "you do not know. Next month a children's guardian joins us."
)
RESOURCES = "https://www.gov.uk/government/publications/family-court-guide-for-social-workers"
EMAILS = {
    "grace": "mentor1@example.org",
    "tom": "mentor2@example.org",
    "amira": "nqsw1@example.org",
    "ben": "nqsw2@example.org",
    "chloe": "nqsw3@example.org",
    "daniel": "nqsw4@example.org",
    "ella": "nqsw5@example.org",
}
INVITED = ("amira", "ben", "chloe", "daniel", "ella", "tom")
# Last month: who replied what, and who came.
PAST_REPLIES = (("amira", Reply.GOING), ("ben", Reply.GOING), ("chloe", Reply.GOING),
                ("daniel", Reply.MAYBE), ("ella", Reply.NOT_GOING))  # fmt: skip
CAME = (("amira", True), ("ben", True), ("chloe", False), ("daniel", True))
FEEDBACK = (("amira", 5, "Practising answers out loud helped most."),
            ("ben", 4, "More time on cross-examination next time, please."))  # fmt: skip
# Next month: Chloe's "going" finds the room full and waits.
NEXT_REPLIES = (
    ("amira", Reply.GOING),
    ("ben", Reply.GOING),
    ("daniel", Reply.GOING),
    ("ella", Reply.MAYBE),
    ("tom", Reply.NOT_GOING),
    ("chloe", Reply.GOING),
)


class _DoesNotFit(Exception):
    """This month's date or time does not fit Grace's diary: try another."""


def load(now: datetime, zone: ZoneInfo) -> None:
    """Add the group sessions to the demo team (the caller commits)."""
    found = db.session.scalars(select(User).where(User.email.in_(EMAILS.values())))
    by_email = {user.email: user for user in found}
    people = {name: by_email.get(email) for name, email in EMAILS.items()}
    if None in people.values():
        return  # not the demo team: nothing to add
    days = Days(zone, frozenset(db.session.scalars(select(BankHoliday.day))))
    first_notice = db.session.scalar(select(func.max(Notification.id))) or 0
    for past_day, (starts, ends) in _candidates(days, now):
        try:
            with db.session.begin_nested():
                past, upcoming = _series(people, days, past_day, starts, ends, now)
        except (_DoesNotFit, rules.GroupSessionError):
            continue  # Grace is busy then: try the next candidate
        _story(people, days, past, upcoming, now)
        break
    # People have read what reached them before the last working day, as in the rest of the demo.
    last_day = days.latest_working_moment(now).astimezone(days.zone).date()
    db.session.execute(
        update(Notification)
        .where(Notification.id > first_notice, Notification.created_at < days.at(last_day, 0))
        .values(read_at=days.at(last_day, 8, 45))
        .execution_options(synchronize_session=False)
    )


def _candidates(days: Days, now: datetime):
    """Working days three to four weeks ago, each at two times of day."""
    today = now.astimezone(days.zone).date()
    for back in range(15, 28):
        day = today - timedelta(days=back)
        if days.working(day):
            for times in TIMES:
                yield day, times


def _week_of_month(day: date) -> int:
    return -1 if day.day > 28 else (day.day - 1) // 7 + 1


def _series(people, days: Days, past_day: date, starts: time, ends: time, now: datetime):
    """The series, booked ten working days before its first date; its first two sessions."""
    booked_at = days.at(days.shift(past_day, -10), 9, 40)
    plan = rules.MonthlyPlan(
        first_month=past_day.replace(day=1),
        months=6,
        week_of_month=_week_of_month(past_day),
        weekday=past_day.weekday(),
        starts=starts,
        ends=ends,
    )
    invited = [people[name].id for name in INVITED]
    grace = people["grace"]
    with dated(booked_at):
        _, planned = rules.create_series(
            grace, grace, TOPIC, PLACE, CAPACITY, plan, invited, days.holidays, days.zone, booked_at
        )
    booked = [p for p in planned if p.outcome == "booked"]
    if not booked or booked[0].day != past_day:
        raise _DoesNotFit
    ahead = [p for p in booked if p.starts_at > now + timedelta(days=1)]
    if not ahead:
        raise _DoesNotFit
    sessions = [db.session.get(GroupSession, p.session_id) for p in (booked[0], ahead[0])]
    for session in sessions:
        session.created_at = booked_at
    return sessions


def _story(people, days: Days, past: GroupSession, upcoming: GroupSession, now: datetime):
    """Replies, the register, the record and feedback for the past session; the next one's
    topic, guest and replies."""
    grace, zone = people["grace"], days.zone
    booked_day = past.created_at.astimezone(zone).date()
    for number, (name, answer) in enumerate(PAST_REPLIES):
        _reply(people[name], past, answer, days.at(days.shift(booked_day, 1 + number % 3), 11, 5))
    marked = past.ends_at + timedelta(minutes=20)
    with dated(marked):
        for name, came in CAME:
            rules.mark_attendance(grace, past, people[name].id, came, marked)
        rules.write_record(grace, past, NOTES, RESOURCES, marked)
    next_day = days.shift(past.starts_at.astimezone(zone).date(), 1)
    for name, rating, comment in FEEDBACK:
        moment = days.at(next_day, 9, 15)
        with dated(moment):
            rules.give_feedback(people[name], past, rating, comment, moment)
        db.session.get(GroupFeedback, (past.id, people[name].id)).created_at = moment
    changed = days.at(next_day, 14, 0)
    with dated(changed):
        details = rules.Details(
            topic=NEXT_TOPIC,
            starts_at=upcoming.starts_at,
            ends_at=upcoming.ends_at,
            place=upcoming.place,
            capacity=upcoming.capacity,
        )
        rules.edit(grace, upcoming, details, "one", zone, changed)
        rules.add_guest(grace, upcoming, GUEST, changed)
    latest = days.latest_working_moment(now)
    for number, (name, answer) in enumerate(NEXT_REPLIES):
        _reply(people[name], upcoming, answer, latest - timedelta(minutes=50 - 5 * number))


def _reply(person: User, session: GroupSession, answer: Reply, moment: datetime) -> None:
    with dated(moment):
        rules.reply(person, session, answer, moment)
