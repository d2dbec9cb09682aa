"""`flask demo-data --scale`: a council-sized demo that keeps the app's own guards."""

import itertools
from collections import Counter

import pytest
from sqlalchemy import select, text

from nqsw_visits import clock
from nqsw_visits.extensions import db
from nqsw_visits.models import User
from nqsw_visits.models_observations import Observation
from nqsw_visits.models_requests import MentorHold, RequestStatus, SupportRequest
from nqsw_visits.services.demo import DEMO_PASSWORD
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
