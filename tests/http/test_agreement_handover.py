"""Continuity when the NQSW's practice manager changes, and reviews due on every home page."""

import html
from datetime import date

import pytest
from sqlalchemy import func, select

from nqsw_visits.agreements import handover, reviews, rules, versions
from nqsw_visits.agreements.models import SupportLevel
from nqsw_visits.core import clock
from nqsw_visits.core.extensions import db
from nqsw_visits.notifications.models import Notification, OutboxEmail
from nqsw_visits.people import rules as people_service
from nqsw_visits.people.models import AuditEvent, Role
from tests.factories import make_manager_of, make_team, make_team_with_people, make_user

# Today is 13 January 2027: from 20 October the 3-month review is due on 20 January.
DUE_START, LATE_START = date(2026, 10, 20), date(2026, 10, 5)


def _agreement(team, starts_on=DUE_START, nqsw_index=0):
    nqsw, mentor, manager = team["nqsws"][nqsw_index], team["mentors"][0], team["manager"]
    terms = rules.Terms(
        mentor,
        manager,
        starts_on,
        new_focus_cases=[rules.NewFocusCase("CR-1001", "First visits", SupportLevel.ACCOMPANY)],
        new_goals=[rules.NewGoal("Plan visits")],
    )
    agreement = rules.start(manager, nqsw, terms, clock.now())
    for person in (nqsw, mentor):
        versions.confirm(person, agreement, 1, clock.now())
    db.session.commit()
    return agreement


@pytest.fixture
def team(app):
    people = make_team_with_people()
    db.session.commit()
    return people


def _text(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return html.unescape(response.get_data(as_text=True))


def _moved(team):
    """The NQSW moves to a team with another practice manager."""
    other = make_team("Team East")
    new_manager = make_user(Role.PRACTICE_MANAGER, name="Nora New")
    make_manager_of(other, new_manager)
    team["nqsws"][0].team = other
    db.session.commit()
    return new_manager


def test_after_a_team_move_the_new_manager_is_asked_and_the_old_one_loses_it(team, client_for):
    agreement = _agreement(team)
    new_manager = _moved(team)
    path, old = f"/agreements/{agreement.id}", client_for(team["manager"])
    assert old.get(path).status_code == 404
    assert old.get(f"{path}/reviews/3").status_code == 404
    assert path not in _text(old, "/agreements")
    assert "take over" not in _text(old, "/my-team").lower()
    home = _text(client_for(new_manager), "/my-team")
    assert f"Take over {team['nqsws'][0].display_name}'s mentoring agreement" in home
    assert handover.ask_new_managers(clock.now()) == 1
    db.session.commit()
    assert handover.ask_new_managers(clock.now()) == 0  # asked once
    (told,) = db.session.scalars(select(Notification).where(Notification.user_id == new_manager.id))
    assert "practice manager now" in told.message
    (email,) = db.session.scalars(
        select(OutboxEmail).where(OutboxEmail.to_address == new_manager.email)
    )
    assert "CR-1001" not in email.body and "First visits" not in email.body
    taken = client_for(new_manager).post(f"{path}/take-over")
    assert taken.status_code == 302
    assert "Take over" not in _text(client_for(new_manager), "/my-team")
    assert handover.ask_new_managers(clock.now()) == 0
    mentor_home = _text(client_for(team["mentors"][0]), "/mentoring")
    assert "Confirm " in mentor_home and "mentoring agreement" in mentor_home


def test_a_new_manager_of_the_same_team_is_asked_too(team, client_for):
    agreement = _agreement(team)
    successor = make_user(Role.PRACTICE_MANAGER, name="Sol Successor")
    db.session.commit()
    people_service.set_team_managers(team["admin"], team["team"], [successor.id])
    db.session.commit()
    assert handover.ask_new_managers(clock.now()) == 1
    assert client_for(team["manager"]).get(f"/agreements/{agreement.id}").status_code == 404
    assert "Take over" in _text(client_for(successor), "/my-team")


def test_a_second_manager_while_the_named_one_stays_is_not_asked(team, client_for):
    _agreement(team)
    colleague = make_user(Role.PRACTICE_MANAGER, name="Cal Colleague")
    make_manager_of(team["team"], colleague)
    db.session.commit()
    assert handover.ask_new_managers(clock.now()) == 0
    assert "Take over" not in _text(client_for(colleague), "/my-team")


def test_with_two_managers_each_sees_a_review_due_once(team, client_for, count_queries):
    _agreement(team)
    colleague = make_user(Role.PRACTICE_MANAGER, name="Cal Colleague")
    make_manager_of(team["team"], colleague)
    db.session.commit()
    due = f"{team['nqsws'][0].display_name}'s 3-month review is due 20 January 2027"
    for manager in (team["manager"], colleague):
        client = client_for(manager)
        assert _text(client, "/my-team").count(due) == 1
        with count_queries() as seen:
            client.get("/my-team")
        # The team's managers now come with the agreements, not in a statement of their own.
        assert not [s for s in seen.statements if s.lstrip().startswith("SELECT team_managers.")]


def test_only_the_manager_now_confirms_a_review(team, client_for):
    agreement = _agreement(team)
    at = reviews.point_of(agreement, 3, frozenset(), clock.today())
    review = reviews.write(
        team["mentors"][0], agreement, at, "Good", "More", clock.today(), clock.now()
    )
    reviews.add_view(team["nqsws"][0], agreement, review, "Fair", {}, clock.now())
    db.session.commit()
    new_manager = _moved(team)
    agreement = db.session.get(rules.MentoringAgreement, agreement.id)
    review = agreement.reviews[0]
    with pytest.raises(rules.AgreementError):
        reviews.confirm(team["manager"], agreement, review, clock.now())
    confirm = client_for(team["manager"]).post(f"/agreements/{agreement.id}/reviews/3/confirm")
    assert confirm.status_code == 404
    assert "Confirm " in _text(client_for(new_manager), "/my-team")
    reviews.confirm(new_manager, agreement, review, clock.now())
    assert review.confirmed_by_id == new_manager.id


def test_due_and_overdue_reviews_show_on_the_nqsw_and_manager_homes(team, client_for):
    _agreement(team, DUE_START, 0)
    _agreement(team, LATE_START, 1)
    first, second = team["nqsws"][0], team["nqsws"][1]
    nqsw_home = _text(client_for(first), "/my-support")
    assert "Your 3-month review is due 20 January 2027" in nqsw_home
    assert "govuk-tag--yellow" in nqsw_home
    late_home = _text(client_for(second), "/my-support")
    assert "Your 3-month review is due 5 January 2027" in late_home and "Overdue" in late_home
    manager_home = _text(client_for(team["manager"]), "/my-team")
    assert f"{first.display_name}'s 3-month review is due 20 January 2027" in manager_home
    assert f"{second.display_name}'s 3-month review is due 5 January 2027" in manager_home
    assert "Review due" in _row(manager_home, first.display_name)
    assert "Review overdue" in _row(manager_home, second.display_name)
    assert "Review" not in _row(manager_home, team["nqsws"][2].display_name)


def _row(page: str, name: str) -> str:
    """The team table's row of one NQSW."""
    return next(r for r in page.split("<tr")[1:] if name in r).split("</tr>")[0]


def test_the_manager_is_told_when_the_nqsw_adds_their_view(team, client_for):
    agreement = _agreement(team)
    mentor, nqsw = client_for(team["mentors"][0]), client_for(team["nqsws"][0])
    path = f"/agreements/{agreement.id}/reviews/3"
    assert mentor.post(path, data={"progress": "Good", "what_next": "More"}).status_code == 302
    goals = {f"goal_{g.id}": "3" for g in agreement.goals}
    assert nqsw.post(path, data={"view": "Fair", **goals}).status_code == 302
    told = list(
        db.session.scalars(
            select(Notification.message).where(Notification.user_id == team["manager"].id)
        )
    )
    assert any("ready for you to confirm" in message for message in told)
    emails = db.session.scalars(
        select(OutboxEmail.body).where(OutboxEmail.to_address == team["manager"].email)
    )
    assert all("Fair" not in body and "CR-1001" not in body for body in emails)
    asked = db.session.scalar(
        select(func.count()).where(AuditEvent.action == "agreement.review_viewed")
    )
    assert asked == 1
