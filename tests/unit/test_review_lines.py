"""The mentor's line on each goal and focus case of a review, and the period a review covers."""

from datetime import date

import pytest

from nqsw_visits.agreements import reviews, rules, versions
from nqsw_visits.agreements.models import AgreementReview, SupportLevel
from nqsw_visits.agreements.rules import AgreementError, NewFocusCase, NewGoal, Terms
from nqsw_visits.core import clock
from nqsw_visits.core.extensions import db
from tests.factories import make_team_with_people


@pytest.fixture
def agreement(app):
    team = make_team_with_people()
    nqsw, mentor = team["nqsws"][0], team["mentors"][0]
    terms = Terms(
        mentor=mentor,
        manager=team["manager"],
        starts_on=date(2026, 10, 20),
        new_focus_cases=[NewFocusCase("CR-1001", "First visits", SupportLevel.ACCOMPANY)],
        new_goals=[NewGoal("Plan visits"), NewGoal("Write clearly")],
    )
    found = rules.start(team["manager"], nqsw, terms, clock.now())
    for person in (nqsw, mentor):
        versions.confirm(person, found, 1, clock.now())
    found.reviews.append(AgreementReview(months=3, written_by_id=mentor.id, written_at=clock.now()))
    db.session.commit()
    return found


def test_lines_are_kept_corrected_and_dropped_when_blank(agreement):
    review = agreement.reviews[0]
    first, second = (("goal", goal.id) for goal in agreement.goals)
    case = ("case", agreement.focus_cases[0].id)
    reviews.set_lines(agreement, review, {first: " Plans well ", case: "Led a visit"})
    db.session.commit()
    assert sorted(line.text for line in review.lines) == ["Led a visit", "Plans well"]
    reviews.set_lines(agreement, review, {first: "", second: "Clearer", case: "Led two"})
    db.session.commit()
    kept = {(line.goal_id, line.focus_case_id): line.text for line in review.lines}
    assert kept == {(second[1], None): "Clearer", (None, case[1]): "Led two"}


def test_a_line_on_something_outside_the_agreement_is_refused(agreement):
    with pytest.raises(AgreementError):
        reviews.set_lines(agreement, agreement.reviews[0], {("goal", 999): "Elsewhere"})


def test_each_review_covers_the_time_since_the_one_before(agreement):
    found = reviews.points(agreement, frozenset(), date(2027, 1, 13))
    assert [state.since for state in found] == [
        date(2026, 10, 20),
        *(state.point.due_on for state in found[:-1]),
    ]
