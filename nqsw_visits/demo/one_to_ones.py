"""Demo one-to-ones on Amira's agreement: a fortnightly series booked seven weeks ago, the
first written up with an action still open, the second missed, the rest ahead; and the
start meeting of Ben's new agreement, booked in Grace's diary for the coming week."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from nqsw_visits.agreements import rules as agreements
from nqsw_visits.agreements.models import MentoringAgreement
from nqsw_visits.availability.models import BankHoliday
from nqsw_visits.core.extensions import db
from nqsw_visits.demo.timeline import Days, dated
from nqsw_visits.one_to_ones import rules, start_meeting
from nqsw_visits.one_to_ones.models import OneToOne
from nqsw_visits.people.models import User


def load(now: datetime, zone: ZoneInfo) -> None:
    """Add the one-to-ones to the demo agreements (the caller commits)."""
    _start_meeting(now, zone)
    amira = db.session.scalar(select(User).where(User.email == "nqsw1@example.org"))
    agreement = db.session.scalar(
        select(MentoringAgreement).where(
            MentoringAgreement.nqsw_id == amira.id, MentoringAgreement.ended_on.is_(None)
        )
    )
    if agreement is None or not rules.may_book(amira, agreement):
        return
    days = Days(zone, frozenset(db.session.scalars(select(BankHoliday.day))))
    first = (now - timedelta(weeks=6)).astimezone(zone).date()
    while not days.working(first):
        first -= timedelta(days=1)
    booked_at = now - timedelta(weeks=7)
    series = rules.Series(first, time(16), 60, 2, 8)
    try:
        with dated(booked_at):
            rules.book_series(amira, agreement, series, zone, booked_at)
    except rules.OneToOneError:
        return  # nothing free in Grace's diary then: the demo goes without

    past = db.session.scalars(
        select(OneToOne)
        .where(OneToOne.agreement_id == agreement.id, OneToOne.ends_at < now)
        .order_by(OneToOne.starts_at)
    ).all()
    mentor = past[0].mentor if past else None
    for number, session in enumerate(past[:2]):
        moment = session.ends_at + timedelta(minutes=30)
        with dated(moment):
            if number == 0:
                rules.write_record(
                    mentor,
                    session,
                    "How to open the first home visit on CR-4417: agree the purpose with the "
                    "family first, then the order of the visit.",
                    moment,
                )
                rules.add_action(
                    mentor, session, "Draft the visit plan for CR-4417", session.nqsw, None, moment
                )
            else:
                rules.mark_missed(mentor, session, "Amira was called to an urgent visit", moment)


def _start_meeting(now: datetime, zone: ZoneInfo) -> None:
    """Ben's start meeting: the first afternoon in the coming week that Grace is free."""
    ben = db.session.scalar(select(User).where(User.email == "nqsw2@example.org"))
    agreement = db.session.scalar(
        select(MentoringAgreement).where(
            MentoringAgreement.nqsw_id == ben.id, MentoringAgreement.ended_on.is_(None)
        )
    )
    if agreement is None:
        return
    mentor = agreements.latest(agreement).mentor
    today = now.astimezone(zone).date()
    for days in range(2, 9):
        starts = datetime.combine(today + timedelta(days=days), time(14), tzinfo=zone)
        try:
            with db.session.begin_nested(), dated(now):
                start_meeting.book(
                    mentor, agreement, starts, starts + timedelta(hours=1), zone, now
                )
            return
        except rules.OneToOneError:
            continue  # Grace is busy or away that day: try the next
