"""The rules of a mentoring agreement: starting, confirming, changing, ending, reviews."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, insert, select

from nqsw_visits.agreements import rules, versions
from nqsw_visits.agreements.models import AgreementVersion, MentoringAgreement, SupportLevel
from nqsw_visits.agreements.rules import AgreementError, NewFocusCase, NewGoal, Terms
from nqsw_visits.core import clock
from nqsw_visits.core.extensions import db
from nqsw_visits.people.models import AuditEvent, Role
from tests.factories import make_manager_of, make_team, make_team_with_people, make_user

HOLIDAYS = frozenset({date(2026, 12, 25), date(2026, 12, 28), date(2027, 4, 2), date(2027, 4, 5)})
CASE = NewFocusCase("cr-1001 ", "Plan a first home visit", SupportLevel.ACCOMPANY)
OTHER_CASE = NewFocusCase("CR-2002", "Write a court statement", SupportLevel.TALK_THROUGH)


@pytest.fixture
def team(app):
    people = make_team_with_people()
    db.session.commit()
    return people


def terms_for(team, **changes) -> Terms:
    values = {
        "mentor": team["mentors"][0],
        "manager": team["manager"],
        "starts_on": date(2027, 1, 18),
        "new_focus_cases": [CASE],
        "new_goals": [NewGoal("Plan visits with a clear purpose")],
    }
    return Terms(**{**values, **changes})


def started(team, actor=None, **changes) -> MentoringAgreement:
    nqsw = team["nqsws"][0]
    agreement = rules.start(actor or team["manager"], nqsw, terms_for(team, **changes), clock.now())
    db.session.commit()
    return agreement


@pytest.mark.parametrize(
    ("starts_on", "nine", "due"),
    [
        # 3, 6 and 12 months on working days.
        (date(2027, 1, 18), False, [date(2027, 4, 19), date(2027, 7, 19), date(2028, 1, 18)]),
        # 31 August: the shorter months take their last day; 28 Feb 2027 is a Sunday.
        (
            date(2026, 8, 31),
            True,
            [date(2026, 11, 30), date(2027, 3, 1), date(2027, 5, 31), date(2027, 8, 31)],
        ),
        # 29 February in a leap year, and a review on Good Friday moved past Easter Monday.
        (date(2024, 2, 29), False, [date(2024, 5, 29), date(2024, 8, 29), date(2025, 2, 28)]),
        (date(2027, 1, 2), False, [date(2027, 4, 6), date(2027, 7, 2), date(2028, 1, 3)]),
    ],
)
def test_review_points_fall_on_working_days(starts_on, nine, due):
    points = rules.review_points(starts_on, nine, HOLIDAYS)
    assert [point.due_on for point in points] == due
    assert [point.months for point in points] == ([3, 6, 9, 12] if nine else [3, 6, 12])


def test_a_review_on_christmas_moves_past_the_bank_holidays():
    assert rules.next_working_day(date(2026, 12, 25), HOLIDAYS) == date(2026, 12, 29)


def test_the_manager_starts_and_has_confirmed_it(team):
    agreement = started(team)
    version = rules.latest(agreement)
    assert version.number == 1 and rules.state(agreement) == "awaiting confirmation"
    assert [row.person_id for row in version.confirmations] == [team["manager"].id]
    assert [case.case_reference for case in agreement.focus_cases] == ["CR-1001"]
    action = db.session.scalar(select(AuditEvent.action).order_by(AuditEvent.id.desc()))
    assert action == "agreement.started"


def test_who_may_start(team):
    nqsw, other_team = team["nqsws"][0], make_team()
    stranger_manager = make_user(Role.PRACTICE_MANAGER, team=other_team)
    make_manager_of(other_team, stranger_manager)
    unassigned_mentor = make_user(Role.MENTOR)
    assert rules.may_start(team["manager"], nqsw)
    assert rules.may_start(team["mentors"][0], nqsw)  # assigned to this NQSW
    assert not rules.may_start(team["mentors"][1], nqsw)
    assert not rules.may_start(unassigned_mentor, nqsw)
    assert not rules.may_start(stranger_manager, nqsw)
    assert not rules.may_start(team["admin"], nqsw)
    with pytest.raises(AgreementError) as refused:
        rules.start(team["admin"], nqsw, terms_for(team), clock.now())
    assert refused.value.status == 403


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"new_focus_cases": []}, "case_1"),
        ({"new_focus_cases": [CASE, OTHER_CASE, CASE]}, "case_1"),
        ({"new_focus_cases": [NewFocusCase(" ", "x", SupportLevel.ACCOMPANY)]}, "case_1"),
        ({"every_weeks": 0}, "every_weeks"),
        ({"every_weeks": 9}, "every_weeks"),
    ],
)
def test_terms_the_rules_refuse(team, changes, field):
    with pytest.raises(AgreementError) as refused:
        rules.start(team["manager"], team["nqsws"][0], terms_for(team, **changes), clock.now())
    assert refused.value.field == field


def test_the_manager_must_lead_the_nqsws_team(team):
    other_team = make_team()
    elsewhere = make_user(Role.PRACTICE_MANAGER, team=other_team)
    make_manager_of(other_team, elsewhere)
    with pytest.raises(AgreementError) as refused:
        rules.start(
            team["mentors"][0], team["nqsws"][0], terms_for(team, manager=elsewhere), clock.now()
        )
    assert refused.value.field == "manager"


def test_all_three_confirm_then_it_is_active(team):
    agreement = started(team)
    nqsw, mentor = team["nqsws"][0], team["mentors"][0]
    assert versions.confirm(mentor, agreement, 1, clock.now()) is False
    assert versions.confirm(nqsw, agreement, 1, clock.now()) is True
    db.session.commit()
    assert rules.state(agreement) == "active" and rules.in_force(agreement).number == 1


def test_only_the_three_confirm_and_only_once(team):
    agreement = started(team)
    with pytest.raises(AgreementError) as outsider:
        versions.confirm(team["mentors"][1], agreement, 1, clock.now())
    with pytest.raises(AgreementError) as twice:
        versions.confirm(team["manager"], agreement, 1, clock.now())
    assert (outsider.value.status, twice.value.status) == (403, 409)


def test_one_open_agreement_per_nqsw_held_by_the_database(team):
    started(team)
    with pytest.raises(AgreementError) as refused:
        started(team, actor=team["mentors"][0])
    assert refused.value.status == 409
    db.session.rollback()
    count = db.session.scalar(select(func.count()).select_from(MentoringAgreement))
    assert count == 1


def test_an_ended_agreement_makes_room_for_a_new_one(team):
    agreement = started(team)
    versions.end(team["manager"], agreement, date(2027, 2, 1), clock.now())
    db.session.commit()
    assert rules.state(agreement) == "ended"
    assert started(team).id != agreement.id


def test_a_change_is_a_new_version_to_confirm_and_the_old_one_stays(team):
    agreement = started(team)
    for person in (team["nqsws"][0], team["mentors"][0]):
        versions.confirm(person, agreement, 1, clock.now())
    first_case = agreement.focus_cases[0]
    changed = terms_for(
        team,
        mentor=team["mentors"][1],
        every_weeks=3,
        new_focus_cases=[OTHER_CASE],
        kept_focus_case_ids=frozenset(),
        kept_goal_ids=frozenset(goal.id for goal in agreement.goals),
        new_goals=[],
    )
    later = clock.now() + timedelta(days=30)
    version = versions.change(team["manager"], agreement, changed, "After the team move", later)
    db.session.commit()
    assert version.number == 2 and rules.in_force(agreement).number == 1
    assert version.what_changed.splitlines() == [
        f"Mentor: {team['mentors'][1].display_name} (was {team['mentors'][0].display_name})",
        "One-to-ones every 3 weeks (was every 2)",
        "Focus case CR-1001 closed",
        "Focus case CR-2002 added",
        "After the team move",
    ]
    assert first_case.in_version(1) and not first_case.in_version(2)
    assert [c.case_reference for c in agreement.focus_cases if c.in_version(2)] == ["CR-2002"]
    with pytest.raises(AgreementError):  # confirming the old version once a new one exists
        versions.confirm(team["nqsws"][0], agreement, 1, later)
    for person in (team["nqsws"][0], team["mentors"][1]):
        versions.confirm(person, agreement, 2, later)
    assert rules.in_force(agreement).number == 2


def test_a_change_that_changes_nothing_is_refused(team):
    agreement = started(team)
    same = terms_for(
        team,
        new_focus_cases=[],
        new_goals=[],
        kept_focus_case_ids=frozenset(c.id for c in agreement.focus_cases),
        kept_goal_ids=frozenset(g.id for g in agreement.goals),
    )
    with pytest.raises(AgreementError) as refused:
        versions.change(team["mentors"][0], agreement, same, "", clock.now())
    assert refused.value.field == "what_changed"


def test_nothing_changes_once_it_has_ended(team):
    agreement = started(team)
    versions.end(team["mentors"][0], agreement, date(2027, 3, 1), clock.now())
    with pytest.raises(AgreementError) as refused:
        versions.confirm(team["nqsws"][0], agreement, 1, clock.now())
    assert refused.value.status == 409
    with pytest.raises(AgreementError):
        versions.end(team["manager"], agreement, date(2027, 3, 2), clock.now())


def test_two_changes_at_once_make_one_version_and_a_409(team):
    agreement = started(team)
    rules.latest(agreement)  # the versions as this person read them
    ids = (agreement.id, team["mentors"][0].id, team["manager"].id)
    session = db.session()
    session.expire_on_commit = False
    try:
        db.session.commit()
    finally:
        session.expire_on_commit = True
    with db.engine.begin() as other:  # someone else saves version 2 first
        other.execute(
            insert(AgreementVersion).values(
                agreement_id=ids[0],
                number=2,
                mentor_id=ids[1],
                manager_id=ids[2],
                starts_on=date(2027, 1, 18),
                one_to_one_every_weeks=4,
                nine_month_review=False,
                what_changed="Theirs",
                created_by_id=ids[2],
                created_at=clock.now(),
            )
        )
    mine = terms_for(
        team,
        every_weeks=3,
        new_focus_cases=[],
        new_goals=[],
        kept_focus_case_ids=frozenset(c.id for c in agreement.focus_cases),
        kept_goal_ids=frozenset(g.id for g in agreement.goals),
    )
    with pytest.raises(AgreementError) as refused:
        versions.change(team["mentors"][0], agreement, mine, "", clock.now())
    assert refused.value.status == 409


@pytest.mark.parametrize("who", ["other_mentor", "other_nqsw", "team_nqsw", "old_manager"])
def test_only_the_three_may_change_or_end_it(team, who):
    agreement = started(team)
    other_team = make_team("Team West")
    outsiders = {
        "other_mentor": team["mentors"][1],  # a mentor of the team, not of this agreement
        "other_nqsw": make_user(Role.NQSW, team=other_team),
        "team_nqsw": team["nqsws"][1],
        "old_manager": make_user(Role.PRACTICE_MANAGER),
    }
    outsider = outsiders[who]
    if who == "old_manager":  # named once, then replaced: no longer one of the three
        make_manager_of(team["team"], outsider)
        versions.take_over(outsider, agreement, clock.now())
        db.session.commit()
        outsider = team["manager"]
    kept = frozenset(case.id for case in agreement.focus_cases)
    changed = terms_for(team, every_weeks=3, new_focus_cases=[], kept_focus_case_ids=kept)
    with pytest.raises(AgreementError) as refused:
        versions.change(outsider, agreement, changed, "", clock.now())
    assert refused.value.status == 403
    with pytest.raises(AgreementError) as refused:
        versions.end(outsider, agreement, date(2027, 2, 1), clock.now())
    assert refused.value.status == 403
    count = select(func.count()).where(AgreementVersion.agreement_id == agreement.id)
    assert db.session.scalar(count) == (2 if who == "old_manager" else 1)
    assert agreement.ended_on is None
