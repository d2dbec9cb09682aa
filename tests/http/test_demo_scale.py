"""`flask demo-data --scale`: a council-sized demo that keeps the app's own guards."""

import itertools
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import IntegrityError

from nqsw_visits.agreements import rules
from nqsw_visits.agreements.models import (
    AgreementReview,
    FocusCase,
    GoalRating,
    MentoringAgreement,
)
from nqsw_visits.availability.models import MentorHold
from nqsw_visits.core import clock
from nqsw_visits.core.extensions import db
from nqsw_visits.demo.team import DEMO_PASSWORD
from nqsw_visits.notifications.models import OutboxEmail
from nqsw_visits.observations.models import Observation
from nqsw_visits.one_to_ones.models import OneToOne, SessionAction
from nqsw_visits.people.models import User, UserSession
from nqsw_visits.support_requests.models import RequestStatus, SupportRequest
from tests.conftest import FreshContextClient, sign_in


@pytest.fixture
def small(runner):
    """The small scale loaded once for the test, at the suite's moment."""
    result = runner.invoke(args=["demo-data", "--scale", "small"])
    assert result.exit_code == 0, result.output
    return result.output


def person(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def test_the_small_scale_has_every_state_and_a_busy_mentor(small):
    assert "requests" in small
    statuses = Counter(db.session.scalars(select(SupportRequest.status)))
    assert set(statuses) <= {status.value for status in RequestStatus}
    for status in ("completed", "accepted", "requested", "declined", "cancelled"):
        assert statuses[status], status
    assert sum(statuses.values()) >= 1000
    assert statuses["completed"] > sum(statuses.values()) / 2
    mentor = person("mentor1@example.org")
    mentors_requests = db.session.scalars(
        select(SupportRequest.id).where(SupportRequest.mentor_id == mentor.id)
    ).all()
    assert len(mentors_requests) >= 120


def test_no_mentor_has_two_holds_at_once(small):
    holds = db.session.execute(
        select(MentorHold.mentor_id, MentorHold.starts_at, MentorHold.ends_at).order_by(
            MentorHold.mentor_id, MentorHold.starts_at
        )
    ).all()
    assert holds
    for before, after in itertools.pairwise(holds):
        if before.mentor_id == after.mentor_id:
            assert before.ends_at <= after.starts_at, (before, after)


def test_holds_belong_to_requests_that_hold_time(small):
    rows = db.session.execute(
        select(SupportRequest.status, MentorHold.mentor_id, SupportRequest.mentor_id).join(
            MentorHold, MentorHold.request_id == SupportRequest.id
        )
    ).all()
    holding = {"requested", "alternative_proposed", "accepted", "completed"}
    assert {status for status, _, _ in rows} <= holding
    assert all(hold_mentor == mentor for _, hold_mentor, mentor in rows)
    now = clock.now()
    future = db.session.scalars(
        select(SupportRequest.status).where(SupportRequest.starts_at > now)
    ).all()
    assert "completed" not in future and "did_not_happen" not in future


def test_every_observation_is_on_a_completed_request_of_its_mentor(small):
    rows = db.session.execute(
        select(Observation, SupportRequest).join(
            SupportRequest, Observation.request_id == SupportRequest.id
        )
    ).all()
    assert len(rows) >= 300
    locked = 0
    for observation, request in rows:
        assert request.status == "completed"
        assert observation.mentor_id == request.mentor_id
        assert observation.nqsw_id == request.nqsw_id
        if observation.locked_at:
            locked += 1
            assert observation.mentor_signed_at and observation.nqsw_signed_at
            assert observation.locked_at <= clock.now()
    assert locked > len(rows) / 3


def test_foreign_keys_hold(small):
    if db.engine.dialect.name == "sqlite":
        assert not db.session.execute(text("PRAGMA foreign_key_check")).all()
    users = set(db.session.scalars(select(User.id)))
    pairs = db.session.execute(select(SupportRequest.nqsw_id, SupportRequest.mentor_id)).all()
    assert {user for pair in pairs for user in pair} <= users


def test_a_locked_observation_still_refuses_changes(small):
    locked = db.session.scalar(select(Observation.id).where(Observation.locked_at.is_not(None)))
    with pytest.raises(Exception, match="locked"), db.session.begin_nested():
        db.session.execute(
            text("UPDATE observations SET observed = 'changed' WHERE id = :id"), {"id": locked}
        )


def test_the_named_demo_accounts_still_sign_in(small, app):
    app.test_client_class = FreshContextClient
    for email in ("admin@example.org", "manager@example.org", "mentor1@example.org"):
        client = app.test_client()
        sign_in(client, person(email), DEMO_PASSWORD)
        assert client.get("/").status_code in (200, 302)
    client = app.test_client()
    sign_in(client, person("nqsw1@example.org"), DEMO_PASSWORD)
    assert client.get("/requests").status_code == 200


def test_the_demo_manager_leads_a_bigger_team(small):
    manager = person("manager@example.org")
    team = manager.managed_teams[0]
    nqsws = [m for m in team.members if m.has_role("nqsw")]
    assert len(nqsws) >= 8


def test_each_nqsw_has_at_most_one_open_agreement_and_every_state_is_there(small):
    open_counts = db.session.execute(
        select(MentoringAgreement.nqsw_id, func.count())
        .where(MentoringAgreement.ended_on.is_(None))
        .group_by(MentoringAgreement.nqsw_id)
    ).all()
    assert open_counts and max(count for _, count in open_counts) == 1
    agreements = db.session.scalars(select(MentoringAgreement)).all()
    states = Counter(rules.state(agreement) for agreement in agreements)
    assert states["active"] > states["ended"] > 0 and states["awaiting confirmation"] > 0
    ended_nqsws = {a.nqsw_id for a in agreements if a.ended_on is not None}
    assert ended_nqsws & {nqsw for nqsw, _ in open_counts}  # ended, then a new one
    in_force = [(a, force) for a in agreements if (force := rules.in_force(a)) is not None]
    assert in_force  # the checks below look at some agreement
    for agreement, force in in_force:
        parts = set(rules.parties(agreement, force).values())
        assert {row.person_id for row in force.confirmations} == parts
        cases = [case for case in agreement.focus_cases if case.in_version(force.number)]
        assert 1 <= len(cases) <= 2
        if not agreement.nqsw.email.startswith("nqsw"):  # the ordinary demo's have none
            assert all(goal.standard_id for goal in agreement.goals)


def test_one_to_ones_belong_to_agreements_in_force_and_their_people(small):
    # Start meetings come before confirmation; one-to-ones only once all three confirmed.
    sessions = db.session.scalars(select(OneToOne).where(OneToOne.kind == "one_to_one")).all()
    assert len(sessions) >= 100
    now = clock.now()
    for session in sessions:
        agreement = session.agreement
        force = rules.in_force(agreement)
        assert force is not None and session.mentor_id == force.mentor_id
        assert session.nqsw_id == agreement.nqsw_id
        if agreement.ended_on is not None:
            assert session.starts_at.date() < agreement.ended_on
        if session.status == "held":
            assert session.talked_about and session.written_at <= now
        assert session.status != "held" or session.starts_at < now
    statuses = Counter((s.status, s.starts_at > now) for s in sessions)
    for status in (("held", False), ("missed", False), ("cancelled", False), ("booked", True)):
        assert statuses[status], status
    assert max(s.starts_at for s in sessions) > now + timedelta(days=60)
    assert min(s.starts_at for s in sessions) < now - timedelta(days=365)


def test_one_to_ones_hold_the_mentors_time_as_the_app_would(small):
    holds = {
        hold.one_to_one_id: hold
        for hold in db.session.scalars(
            select(MentorHold).where(MentorHold.one_to_one_id.is_not(None))
        )
    }
    assert holds
    for session in db.session.scalars(select(OneToOne)):
        hold = holds.pop(session.id, None)
        if session.status in ("booked", "held"):
            assert (hold.mentor_id, hold.starts_at, hold.ends_at) == (
                session.mentor_id,
                session.starts_at,
                session.ends_at,
            )
        else:
            assert hold is None, session.status
    assert not holds  # no hold without its one-to-one
    # The database's guard still refuses a cancelled one-to-one back onto taken time.
    taken = db.session.scalars(
        select(MentorHold).where(MentorHold.one_to_one_id.is_not(None))
    ).first()
    cancelled = db.session.scalar(
        select(OneToOne.id).where(
            OneToOne.status == "cancelled", OneToOne.mentor_id == taken.mentor_id
        )
    )
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.execute(
            insert(MentorHold.__table__).values(
                one_to_one_id=cancelled,
                mentor_id=taken.mentor_id,
                starts_at=taken.starts_at,
                ends_at=taken.ends_at,
                kind="one_to_one",
            )
        )


def test_actions_are_carried_and_reviews_are_only_for_points_past(small):
    open_actions = db.session.execute(
        select(SessionAction.agreement_id, OneToOne.starts_at)
        .join(OneToOne, OneToOne.id == SessionAction.session_id)
        .where(SessionAction.done_at.is_(None))
    ).all()
    latest = dict(
        db.session.execute(
            select(OneToOne.agreement_id, func.max(OneToOne.starts_at)).group_by(
                OneToOne.agreement_id
            )
        ).all()
    )
    assert any(starts < latest[agreement] for agreement, starts in open_actions)
    assert db.session.scalar(select(func.count()).where(SessionAction.done_at.is_not(None)))
    today = clock.today()
    reviews = db.session.scalars(select(AgreementReview)).all()
    assert reviews and any(r.confirmed_at for r in reviews)
    for review in reviews:
        agreement = db.session.get(MentoringAgreement, review.agreement_id)
        start = rules.in_force(agreement).starts_on
        assert rules.add_months(start, review.months) <= today + timedelta(days=14)
        assert review.written_by_id == rules.in_force(agreement).mentor_id
    points = set(db.session.scalars(select(GoalRating.point)))
    assert 0 in points and points - {0}
    linked = db.session.scalars(
        select(SupportRequest).where(SupportRequest.focus_case_id.is_not(None))
    ).all()
    assert linked
    for request in linked:
        case = db.session.get(FocusCase, request.focus_case_id)
        assert request.case_reference == case.case_reference
        assert db.session.get(MentoringAgreement, case.agreement_id).nqsw_id == request.nqsw_id


def test_sent_emails_and_ended_sign_ins_give_the_purge_work(small):
    month_ago = clock.now() - timedelta(days=31)
    emails = db.session.scalars(select(OutboxEmail)).all()
    assert emails and all(e.sent_at for e in emails)
    assert any(e.sent_at < month_ago for e in emails)
    sessions = db.session.scalars(select(UserSession)).all()
    assert sessions and all(s.ended_at for s in sessions)
    assert any(s.ended_at < month_ago for s in sessions)
