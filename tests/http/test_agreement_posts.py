"""Every change to an agreement or a one-to-one, posted by each role and by outsiders: the
people it belongs to may, a role that never may gets 403, anyone else 404; nothing changes."""

from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from nqsw_visits.agreements import rules, versions
from nqsw_visits.agreements.models import AgreementVersion, MentoringAgreement, SupportLevel
from nqsw_visits.core import clock
from nqsw_visits.core.extensions import db
from nqsw_visits.one_to_ones import rules as one_to_ones
from nqsw_visits.one_to_ones.models import OneToOne, SessionAction
from nqsw_visits.people.models import Role
from tests.factories import make_manager_of, make_team, make_team_with_people, make_user


def _agreement(nqsw, mentor, manager) -> MentoringAgreement:
    case = rules.NewFocusCase("CR-1001", "First visits", SupportLevel.ACCOMPANY)
    terms = rules.Terms(mentor, manager, clock.today(), new_focus_cases=[case])
    agreement = rules.start(manager, nqsw, terms, clock.now())
    for person in (nqsw, mentor):
        versions.confirm(person, agreement, 1, clock.now())
    return agreement


def _session(agreement, days: int) -> OneToOne:
    starts = datetime.combine(clock.today() + timedelta(days=days), time(11), tzinfo=clock.zone())
    session = OneToOne(
        agreement_id=agreement.id,
        mentor_id=rules.latest(agreement).mentor_id,
        nqsw_id=agreement.nqsw_id,
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        booked_by_id=agreement.nqsw_id,
    )
    db.session.add(session)
    db.session.flush()
    return session


@pytest.fixture
def world(app):
    team = make_team_with_people()
    nqsw, mentor, manager = team["nqsws"][0], team["mentors"][0], team["manager"]
    agreement = _agreement(nqsw, mentor, manager)
    past, ahead = _session(agreement, -1), _session(agreement, 7)
    # Another agreement in another team, with an action of its own.
    other_team = make_team("Team West")
    other_manager = make_user(Role.PRACTICE_MANAGER, name="Olive Other")
    make_manager_of(other_team, other_manager)
    other_nqsw = make_user(Role.NQSW, team=other_team, name="Omar Other")
    other_mentor = make_user(Role.MENTOR, name="Otto Other")
    elsewhere = _agreement(other_nqsw, other_mentor, other_manager)
    theirs = _session(elsewhere, -2)
    their_action = one_to_ones.add_action(
        other_mentor, theirs, "Read the guide", other_nqsw, None, clock.now()
    )
    db.session.commit()
    return {
        "nqsw": nqsw,
        "mentor": mentor,
        "manager": manager,
        "admin": team["admin"],
        "other_mentor": other_mentor,
        "other_manager": other_manager,
        "other_nqsw": other_nqsw,
        "team_nqsw": team["nqsws"][1],  # same team, not in this agreement
        "agreement": agreement.id,
        "past": past.id,
        "ahead": ahead.id,
        "their_action": their_action.id,
    }


def _change(world) -> dict:
    return {
        "mentor": str(world["mentor"].id),
        "manager": str(world["manager"].id),
        "starts_on": [str(d) for d in (clock.today().day, clock.today().month, 2027)],
        "every_weeks": "3",
        "kept_cases": [
            str(c)
            for c in db.session.scalars(
                select(rules.FocusCase.id).where(rules.FocusCase.agreement_id == world["agreement"])
            )
        ],
        "what_changed": "Meet less often",
    }


def _versions(world) -> int:
    return db.session.scalar(
        select(func.count()).where(AgreementVersion.agreement_id == world["agreement"])
    )


OUTSIDERS = ("other_mentor", "other_manager", "other_nqsw", "team_nqsw")


@pytest.mark.parametrize("who", ["nqsw", "mentor", "manager"])
def test_each_of_the_three_may_change_the_agreement(world, client_for, who):
    response = client_for(world[who]).post(
        f"/agreements/{world['agreement']}/change", data=_change(world)
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:800]
    assert _versions(world) == 2


@pytest.mark.parametrize(("who", "status"), [*((o, 404) for o in OUTSIDERS), ("admin", 403)])
def test_no_one_else_changes_it(world, client_for, who, status):
    path = f"/agreements/{world['agreement']}/change"
    assert client_for(world[who]).post(path, data=_change(world)).status_code == status
    assert _versions(world) == 1


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("mentor", 302),
        ("manager", 302),
        ("nqsw", 403),
        ("admin", 403),
        ("other_mentor", 404),
        ("other_manager", 404),
    ],
)
def test_the_mentor_or_manager_ends_it_and_no_one_else(world, client_for, who, status):
    today = clock.today()
    data = {"ended_on": [str(today.day), str(today.month), str(today.year)]}
    response = client_for(world[who]).post(f"/agreements/{world['agreement']}/end", data=data)
    assert response.status_code == status
    ended = db.session.get(MentoringAgreement, world["agreement"]).ended_on
    assert (ended is not None) == (status == 302)


SESSION_POSTS = [
    ("past", "record", {"talked_about": "Court statements"}),
    ("past", "actions", {"description": "Draft a plan", "owner": "NQSW"}),
    ("ahead", "cancel", {"reason": "Training day"}),
    ("past", "missed", {"reason": "Called to court"}),
]


def _data(world, data: dict) -> dict:
    if data.get("owner") == "NQSW":
        return {**data, "owner": str(world["nqsw"].id)}
    return data


def _state(world) -> tuple:
    rows = db.session.execute(
        select(OneToOne.status, OneToOne.talked_about).order_by(OneToOne.id)
    ).all()
    return tuple(rows), db.session.scalar(select(func.count()).select_from(SessionAction))


@pytest.mark.parametrize(("which", "action", "data"), SESSION_POSTS)
@pytest.mark.parametrize("who", ["nqsw", "mentor"])
def test_the_two_of_a_one_to_one_make_each_change(world, client_for, who, which, action, data):
    before = _state(world)
    path = f"/one-to-ones/{world[which]}/{action}"
    response = client_for(world[who]).post(path, data=_data(world, data))
    assert response.status_code == 302, response.get_data(as_text=True)[:800]
    assert _state(world) != before


@pytest.mark.parametrize(("which", "action", "data"), SESSION_POSTS)
@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("manager", 403),  # the manager never reads session notes
        ("admin", 403),
        ("other_mentor", 404),
        ("other_nqsw", 404),
        ("team_nqsw", 404),
    ],
)
def test_no_one_else_touches_a_one_to_one(world, client_for, who, status, which, action, data):
    before = _state(world)
    path = f"/one-to-ones/{world[which]}/{action}"
    assert client_for(world[who]).post(path, data=_data(world, data)).status_code == status
    assert _state(world) == before


def test_an_action_of_another_agreement_cannot_be_marked_done_here(world, client_for):
    path = f"/one-to-ones/{world['past']}/actions/{world['their_action']}/done"
    for who in ("nqsw", "mentor"):
        assert client_for(world[who]).post(path).status_code == 404
    assert db.session.get(SessionAction, world["their_action"]).done_at is None
    # Its own people may, on their own session.
    theirs = db.session.get(SessionAction, world["their_action"])
    own = f"/one-to-ones/{theirs.session_id}/actions/{theirs.id}/done"
    assert client_for(world["other_nqsw"]).post(own).status_code == 302
    assert db.session.get(SessionAction, world["their_action"]).done_at is not None
