"""Mentoring agreements over HTTP: start, confirm by all three, change, read old versions, end."""

import logging
from dataclasses import replace
from datetime import date, time

import pytest
from sqlalchemy import func, select

from nqsw_visits.agreements import rules as agreement_rules
from nqsw_visits.agreements import versions
from nqsw_visits.agreements.models import FocusCase, MentoringAgreement, SupportLevel
from nqsw_visits.availability import rules as availability_store
from nqsw_visits.core import clock
from nqsw_visits.core.extensions import db
from nqsw_visits.notifications.models import Notification, OutboxEmail
from nqsw_visits.people.models import AuditEvent, Role
from nqsw_visits.support_requests.models import SupportRequest
from tests.factories import make_manager_of, make_team, make_team_with_people, make_user
from tests.http.test_requests import ask_form, refusals

START = {
    "starts_on": ["18", "1", "2027"],
    "every_weeks": "2",
    "case_1": "cr-1001",
    "aim_1": "Plan a first home visit with a clear purpose",
    "level_1": "accompany",
    "case_2": "",
    "aim_2": "",
    "goal_1": "Write assessments that say what the child's day is like",
    "standard_1": "0",
    "goal_2": "",
    "standard_2": "0",
}


@pytest.fixture
def team(app):
    people = make_team_with_people()
    db.session.commit()
    return people


def start_form(team, **changes) -> dict:
    return {
        **START,
        "mentor": str(team["mentors"][0].id),
        "manager": str(team["manager"].id),
        **changes,
    }


def started(team, client_for) -> int:
    nqsw = team["nqsws"][0]
    response = client_for(team["manager"]).post(
        f"/people/{nqsw.id}/agreement/new", data=start_form(team)
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return int(response.headers["Location"].rsplit("/", 1)[-1])


def page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def test_the_manager_lists_nqsws_without_one_and_starts_one(team, client_for):
    manager, nqsw = team["manager"], team["nqsws"][0]
    listing = page(client_for(manager), "/agreements")
    assert f"/people/{nqsw.id}/agreement/new" in listing
    form = page(client_for(manager), f"/people/{nqsw.id}/agreement/new")
    assert "Start a mentoring agreement" in form and "For example, 3 2 2027" in form
    agreement_id = started(team, client_for)
    shown = page(client_for(manager), f"/agreements/{agreement_id}")
    assert "Awaiting confirmation" in shown and "CR-1001" in shown
    assert "19 April 2027" in shown and "19 July 2027" in shown and "18 January 2028" in shown
    assert f"/people/{nqsw.id}/agreement/new" not in page(client_for(manager), "/agreements")
    told = db.session.scalars(select(Notification.user_id)).all()
    assert sorted(told) == sorted([nqsw.id, team["mentors"][0].id])
    assert all("CR-1001" not in email.body for email in db.session.scalars(select(OutboxEmail)))


def test_all_three_confirm_and_it_becomes_active(team, client_for):
    agreement_id = started(team, client_for)
    for person in (team["nqsws"][0], team["mentors"][0]):
        client = client_for(person)
        assert "Confirm this agreement" in page(client, f"/agreements/{agreement_id}")
        response = client.post(f"/agreements/{agreement_id}/confirm", data={"version": "1"})
        assert response.status_code == 302
    shown = page(client_for(team["nqsws"][0]), f"/agreements/{agreement_id}")
    assert "Active" in shown and "Confirm this agreement" not in shown
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.action.like("agreement.%"))
    )
    assert sorted(actions) == ["agreement.confirmed", "agreement.confirmed", "agreement.started"]


def test_a_change_is_a_new_version_and_the_first_stays_readable(team, client_for):
    agreement_id = started(team, client_for)
    mentor = team["mentors"][0]
    client = client_for(mentor)
    form = page(client, f"/agreements/{agreement_id}/change")
    assert "Focus cases to keep" in form
    agreement = db.session.get(MentoringAgreement, agreement_id)
    kept_goal = agreement.goals[0].id
    response = client.post(
        f"/agreements/{agreement_id}/change",
        data={
            **start_form(team, case_1="CR-2002", aim_1="Court statement", level_1="talk_through"),
            "every_weeks": "3",
            "kept_goals": str(kept_goal),
            "goal_1": "",
            "what_changed": "After the first month",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    shown = page(client, f"/agreements/{agreement_id}")
    assert "Version 2" in shown and "Focus case CR-1001 closed" in shown
    first = page(client, f"/agreements/{agreement_id}/versions/1")
    assert "CR-1001" in first and "Every 2 weeks" in first
    assert client.get(f"/agreements/{agreement_id}/versions/3").status_code == 404
    # Confirming the old version now is refused and changes nothing.
    client_for(team["nqsws"][0]).post(f"/agreements/{agreement_id}/confirm", data={"version": "1"})
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "agreement.confirmed")
        )
        == 0
    )


def test_mistakes_get_error_messages_and_keep_what_was_typed(team, client_for):
    nqsw = team["nqsws"][0]
    response = client_for(team["manager"]).post(
        f"/people/{nqsw.id}/agreement/new",
        data=start_form(
            team, case_1="", aim_1="Something to learn", level_1="", starts_on=["", "", ""]
        ),
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "govuk-error-summary" in text and "Enter the start date" in text
    assert "Enter the case reference, or leave this case empty" in text
    assert "Something to learn" in text


def test_a_second_open_agreement_is_refused(team, client_for):
    started(team, client_for)
    nqsw = team["nqsws"][0]
    response = client_for(team["mentors"][0]).post(
        f"/people/{nqsw.id}/agreement/new", data=start_form(team)
    )
    assert response.status_code == 409
    assert "already has a mentoring agreement" in response.get_data(as_text=True)


def test_the_end(team, client_for):
    agreement_id = started(team, client_for)
    client = client_for(team["manager"])
    response = client.post(f"/agreements/{agreement_id}/end", data={"ended_on": ["1", "1", "2027"]})
    assert response.status_code == 422
    assert "on or after the start date" in response.get_data(as_text=True)
    response = client.post(f"/agreements/{agreement_id}/end", data={"ended_on": ["1", "7", "2027"]})
    assert response.status_code == 302
    assert "Ended" in page(client, f"/agreements/{agreement_id}")


def test_other_people_get_404_and_cannot_start(team, client_for):
    agreement_id = started(team, client_for)
    other_team = make_team()
    stranger = make_user(Role.PRACTICE_MANAGER, team=other_team)
    make_manager_of(other_team, stranger)
    other_nqsw, other_mentor = team["nqsws"][1], team["mentors"][1]
    db.session.commit()
    for person in (stranger, other_nqsw, other_mentor):
        client = client_for(person)
        for path in (f"/agreements/{agreement_id}", f"/agreements/{agreement_id}/versions/1"):
            assert client.get(path).status_code == 404, (person.display_name, path)
        assert (
            client.post(f"/agreements/{agreement_id}/confirm", data={"version": "1"}).status_code
            == 404
        )
    assert (
        client_for(stranger).get(f"/people/{team['nqsws'][0].id}/agreement/new").status_code == 404
    )
    assert client_for(team["admin"]).get(f"/agreements/{agreement_id}").status_code == 403


def test_the_demo_has_an_agreement_in_each_state_and_a_review_due(app, runner):
    result = runner.invoke(args=["demo-data"])
    assert result.exit_code == 0, result.output
    found = {a.nqsw.email: a for a in db.session.scalars(select(MentoringAgreement))}
    states = {email: agreement_rules.state(a) for email, a in found.items()}
    assert states == {
        "nqsw1@example.org": "active",
        "nqsw2@example.org": "awaiting confirmation",
        "nqsw3@example.org": "active",
        "nqsw4@example.org": "ended",
    }
    chloe = found["nqsw3@example.org"]
    assert agreement_rules.latest(chloe).number == 2 and agreement_rules.in_force(chloe).number == 1
    amira = agreement_rules.latest(found["nqsw1@example.org"])
    first_review = agreement_rules.review_points(amira.starts_on, False, frozenset())[0]
    assert 0 < (first_review.due_on - clock.today()).days <= 10
    assert db.session.scalar(select(func.count()).select_from(OutboxEmail)) == 0


def _more_agreements(team, count: int) -> None:
    """Agreements for new NQSWs of the team, each changed once, all with the same mentor."""
    for _ in range(count):
        nqsw = make_user(Role.NQSW, team=team["team"])
        terms = agreement_rules.Terms(
            mentor=team["mentors"][0],
            manager=team["manager"],
            starts_on=clock.today(),
            new_focus_cases=[agreement_rules.NewFocusCase("CR-3003", "x", SupportLevel.ACCOMPANY)],
        )
        agreement = agreement_rules.start(team["manager"], nqsw, terms, clock.now())
        versions.change(
            team["manager"],
            agreement,
            replace(
                terms,
                every_weeks=3,
                new_focus_cases=[],
                kept_focus_case_ids=frozenset(c.id for c in agreement.focus_cases),
            ),
            "",
            clock.now(),
        )
    db.session.commit()


@pytest.mark.parametrize("who", ["manager", "mentor"])
def test_queries_do_not_grow_with_agreements(team, client_for, count_queries, who):
    agreement_id = started(team, client_for)
    person = team["manager"] if who == "manager" else team["mentors"][0]
    client = client_for(person)
    client.get(f"/agreements/{agreement_id}")  # as a server does, once the bank holidays are kept
    counts = []
    for extra in (2, 20):
        _more_agreements(team, extra)
        with count_queries() as counted:
            assert client.get("/agreements").status_code == 200
            assert client.get(f"/agreements/{agreement_id}").status_code == 200
        counts.append(counted.count)
    assert counts[0] == counts[1], counts
    assert counts[1] <= 24  # two pages


def test_an_ask_on_a_focus_case_is_linked_and_counted_on_the_agreement(team, client_for):
    agreement_id = started(team, client_for)
    mentor, nqsw = team["mentors"][0], client_for(team["nqsws"][0])
    for weekday in range(5):
        availability_store.add_window(mentor, mentor, weekday, time(9), time(17), clock.today())
    focus = db.session.scalar(select(FocusCase))
    db.session.commit()
    form = page(nqsw, "/requests/new")
    assert "Is this about one of your focus cases?" in form
    assert "Yes, CR-1001: Plan a first home visit with a clear purpose" in form
    mismatch = ask_form(mentor, day=date(2027, 1, 18), focus_case=str(focus.id))
    refused = nqsw.post("/requests/new", data=mismatch)
    assert refused.status_code == 422
    assert "That focus case is CR-1001" in refused.get_data(as_text=True)
    linked = ask_form(mentor, day=date(2027, 1, 18), case_reference="", focus_case=str(focus.id))
    response = nqsw.post("/requests/new", data=linked)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    asked = db.session.scalar(select(SupportRequest))
    assert (asked.focus_case_id, asked.case_reference, asked.focus_case) == (
        focus.id,
        "CR-1001",
        True,
    )
    assert client_for(mentor).post(f"/requests/{asked.id}/accept").status_code == 302
    shown = page(client_for(team["manager"]), f"/agreements/{agreement_id}")
    assert "1 accompaniment<" in shown and "0 case discussions" in shown


def test_without_an_agreement_the_ask_form_has_no_focus_question(team, client_for):
    assert "focus cases" not in page(client_for(team["nqsws"][0]), "/requests/new")


def test_a_new_practice_manager_sees_it_at_once_and_takes_it_over(team, client_for):
    agreement_id = started(team, client_for)
    newcomer = make_user(Role.PRACTICE_MANAGER)
    make_manager_of(team["team"], newcomer)
    db.session.commit()
    client = client_for(newcomer)
    assert f"/agreements/{agreement_id}" in page(client, "/agreements")
    shown = page(client, f"/agreements/{agreement_id}")
    assert "Take over this agreement" in shown
    response = client.post(f"/agreements/{agreement_id}/take-over")
    assert response.status_code == 302
    shown = page(client, f"/agreements/{agreement_id}")
    assert (
        f"Practice manager: {newcomer.display_name} (was {team['manager'].display_name})" in shown
    )
    assert "Take over this agreement" not in shown
    # Anyone who does not manage the NQSW's team cannot.
    assert (
        client_for(team["mentors"][0]).post(f"/agreements/{agreement_id}/take-over").status_code
        == 403
    )
    outsider = make_user(Role.PRACTICE_MANAGER)
    db.session.commit()
    assert client_for(outsider).post(f"/agreements/{agreement_id}/take-over").status_code == 404


# Denials are logged -----------------------------------------------------------------------

AGREEMENT_OUTSIDERS = [
    ("other_nqsw", "get", "", None),
    ("other_nqsw", "get", "/versions/1", None),
    ("other_nqsw", "get", "/reviews/3", None),
    ("other_nqsw", "post", "/reviews/3", {"view": "Not mine"}),
    ("other_mentor", "get", "", None),
    ("other_mentor", "get", "/versions/1", None),
    ("other_mentor", "get", "/reviews/3", None),
    ("other_mentor", "post", "/confirm", {"version": "1"}),
]


@pytest.mark.parametrize(("who", "method", "suffix", "data"), AGREEMENT_OUTSIDERS)
def test_another_persons_agreement_is_not_found_and_logged(
    team, client_for, caplog, who, method, suffix, data
):
    """An agreement, its versions and reviews: 404 to anyone else, and the refusal logged."""
    agreement_id = started(team, client_for)
    outsider = {"other_nqsw": team["nqsws"][1], "other_mentor": team["mentors"][1]}[who]
    audited = db.session.scalar(select(func.count()).select_from(AuditEvent))
    with caplog.at_level(logging.WARNING):
        response = getattr(client_for(outsider), method)(
            f"/agreements/{agreement_id}{suffix}", data=data
        )
    assert response.status_code == 404
    assert team["nqsws"][0].display_name not in response.get_data(as_text=True)
    said = " ".join(refusals(caplog))
    assert f"user {outsider.id} asked for agreement {agreement_id}" in said
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == audited + 1
