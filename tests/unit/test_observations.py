"""The observation service: who may change what, signatures, the lock, and who sees what."""

import pytest
from sqlalchemy import select

from nqsw_visits.core import clock
from nqsw_visits.core.extensions import db
from nqsw_visits.observations import rules as obs
from nqsw_visits.observations.models import Classification
from nqsw_visits.observations.portfolio import view_level
from nqsw_visits.people.models import AuditEvent, Role
from tests.factories import (
    assign_mentor,
    make_completed_request,
    make_manager_of,
    make_team,
    make_user,
)


@pytest.fixture
def people(app):
    team = make_team()
    mentor, nqsw = make_user(Role.MENTOR), make_user(Role.NQSW, team=team)
    manager, stranger = make_user(Role.PRACTICE_MANAGER), make_user(Role.ADMIN)
    assign_mentor(nqsw, mentor)
    make_manager_of(team, manager)
    request = make_completed_request(nqsw, mentor)
    return {"mentor": mentor, "nqsw": nqsw, "manager": manager, "admin": stranger, "req": request}


def written(people, share=True):
    observation = obs.start(people["mentor"], people["req"])
    obs.save_notes(
        people["mentor"],
        observation,
        obs.Notes(Classification.FORMATIVE, observed="Seen"),
        clock.now(),
    )
    if share:
        obs.share(people["mentor"], observation, clock.now())
    db.session.commit()
    return observation


def test_start_is_for_the_requests_mentor_once(people):
    with pytest.raises(obs.ObservationError) as refused:
        obs.start(people["nqsw"], people["req"])
    assert refused.value.status == 404
    first = written(people, share=False)
    assert obs.start(people["mentor"], people["req"]).id == first.id


def test_sharing_needs_something_written(people):
    observation = obs.start(people["mentor"], people["req"])
    with pytest.raises(obs.ObservationError, match="Write what you observed"):
        obs.share(people["mentor"], observation, clock.now())


def test_the_nqsw_cannot_act_on_a_draft(people):
    observation = written(people, share=False)
    with pytest.raises(obs.ObservationError) as refused:
        obs.reflect(people["nqsw"], observation, "R", "", clock.now())
    assert refused.value.status == 404


def test_both_signatures_lock_and_a_lock_refuses_change(people):
    observation = written(people)
    obs.reflect(people["nqsw"], observation, "Reflection", "", clock.now())
    obs.sign(people["nqsw"], observation, clock.now())
    assert observation.locked_at is None
    obs.sign(people["mentor"], observation, clock.now())
    db.session.commit()
    assert observation.locked_at is not None
    for change in (
        lambda: obs.reflect(people["nqsw"], observation, "Again", "", clock.now()),
        lambda: obs.save_notes(
            people["mentor"],
            observation,
            obs.Notes(Classification.FORMATIVE, observed="New"),
            clock.now(),
        ),
        lambda: obs.sign(people["mentor"], observation, clock.now()),
    ):
        with pytest.raises(obs.ObservationError) as refused:
            change()
        assert refused.value.status == 409
        db.session.rollback()
    obs.add_addendum(people["mentor"], observation, "Later note")
    db.session.commit()
    assert [a.text for a in observation.addenda] == ["Later note"]


def test_an_addendum_only_once_locked(people):
    observation = written(people)
    with pytest.raises(obs.ObservationError, match="until both of you have signed"):
        obs.add_addendum(people["nqsw"], observation, "Too early")


def test_a_change_clears_signatures_and_says_so(people):
    observation = written(people)
    obs.sign(people["mentor"], observation, clock.now())
    obs.reflect(people["nqsw"], observation, "Reflection", "", clock.now())
    db.session.commit()
    assert observation.mentor_signed_at is None
    last = db.session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()))
    assert last.action == "observation.reflected" and "signatures_cleared" in last.detail


def test_view_levels(people):
    observation = written(people, share=False)
    assert view_level(people["mentor"], observation) == "full"
    assert view_level(people["nqsw"], observation) is None
    assert view_level(people["manager"], observation) is None
    obs.share(people["mentor"], observation, clock.now())
    assert view_level(people["nqsw"], observation) == "full"
    assert view_level(people["manager"], observation) == "summary"
    assert view_level(people["admin"], observation) is None
    obs.share_with_manager(people["nqsw"], observation, True)
    assert view_level(people["manager"], observation) == "full"
