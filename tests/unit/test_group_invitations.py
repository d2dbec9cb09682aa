"""Inviting more people once a group session is set up: to it, or to the rest of its series."""

from datetime import date

import pytest
from sqlalchemy import select

from nqsw_visits.core import clock
from nqsw_visits.core.extensions import db
from nqsw_visits.group_sessions import rules
from nqsw_visits.group_sessions.models import GroupInvite, GroupSession, Reply
from nqsw_visits.notifications.models import Notification
from nqsw_visits.people.models import AuditEvent, Role
from tests.factories import make_user
from tests.unit.test_group_sessions import at, build_world, monthly, new_session, refused


@pytest.fixture
def world(app):
    world = build_world()
    world["late"] = [make_user(Role.NQSW) for _ in range(2)]
    return world


def invited(session) -> dict[int, str]:
    rows = db.session.execute(
        select(GroupInvite.user_id, GroupInvite.reply).where(GroupInvite.session_id == session.id)
    )
    return dict(rows.all())


def test_people_added_later_are_invited_told_and_audited_and_others_keep_their_reply(world):
    first = world["nqsws"][0]
    session = new_session(world, people=[first])
    rules.reply(first, session, Reply.GOING, clock.now())
    late = world["late"]
    added = rules.invite_more(
        world["mentor"], session, [first.id, *(p.id for p in late)], "one", clock.now()
    )
    db.session.commit()
    assert added == sorted(p.id for p in late)
    assert invited(session) == {first.id: "going", late[0].id: "none", late[1].id: "none"}
    told = db.session.scalars(
        select(Notification.user_id).where(Notification.message.contains("invited you"))
    ).all()
    assert late[0].id in told and late[1].id in told
    audit = db.session.scalars(select(AuditEvent).filter_by(action="group_session.invited")).one()
    assert audit.object_id == session.id and '"people": 2' in audit.detail


def test_inviting_those_already_invited_adds_no_one(world):
    session = new_session(world)
    again = rules.invite_more(
        world["mentor"], session, [p.id for p in world["nqsws"]], "one", clock.now()
    )
    db.session.commit()
    assert again == []
    assert not db.session.scalars(
        select(AuditEvent).filter_by(action="group_session.invited")
    ).all()


def test_the_rest_of_a_series_takes_them_and_earlier_dates_do_not(world):
    series, _ = monthly(world, first=date(2027, 2, 1), months=3)
    sessions = db.session.scalars(
        select(GroupSession).where(GroupSession.series_id == series.id).order_by("starts_at")
    ).all()
    assert len(sessions) == 3
    late = world["late"][0]
    rules.invite_more(world["mentor"], sessions[1], [late.id], "future", clock.now())
    db.session.commit()
    assert [late.id in invited(each) for each in sessions] == [False, True, True]
    message = db.session.scalars(select(Notification.message).filter_by(user_id=late.id)).one()
    assert "2 monthly group sessions" in message


def test_only_the_organiser_or_an_admin_invites_and_only_before_the_start(world):
    session = new_session(world, people=world["nqsws"][:1])
    late = world["late"][0].id
    assert (
        refused(rules.invite_more, world["other"], session, [late], "one", clock.now()).status
        == 403
    )
    nqsw = world["nqsws"][0]
    assert refused(rules.invite_more, nqsw, session, [late], "one", clock.now()).status == 403
    assert refused(rules.invite_more, world["mentor"], session, [late], "one", at(15)).status == 409
    assert rules.invite_more(world["admin"], session, [late], "one", clock.now()) == [late]


def test_only_active_people_and_a_known_scope(world):
    session = new_session(world)
    gone = make_user(Role.NQSW)
    gone.active = False
    db.session.commit()
    error = refused(rules.invite_more, world["mentor"], session, [gone.id], "one", clock.now())
    assert (error.status, error.field) == (422, "invitees")
    late = world["late"][0].id
    error = refused(rules.invite_more, world["mentor"], session, [late], "all", clock.now())
    assert (error.status, error.field) == (422, "scope")


def test_a_cancelled_session_takes_no_one_more(world):
    session = new_session(world)
    rules.cancel(world["mentor"], session, "Room flooded", "one", clock.now())
    db.session.commit()
    late = world["late"][0].id
    assert (
        refused(rules.invite_more, world["mentor"], session, [late], "one", clock.now()).status
        == 409
    )
