"""Reviews over HTTP: the mentor writes the 3-month review, the NQSW adds a view and rates
themselves on each goal, the practice manager confirms; each read is audited."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import insert, select

from nqsw_visits.agreements import reviews, rules, versions
from nqsw_visits.agreements.models import AgreementReview, SupportLevel
from nqsw_visits.agreements.reminders import remind_due_reviews
from nqsw_visits.core import clock
from nqsw_visits.core.extensions import db
from nqsw_visits.notifications.models import Notification, OutboxEmail
from nqsw_visits.one_to_ones.models import OneToOne
from nqsw_visits.people.models import AuditEvent, Role
from tests.factories import (
    make_completed_request,
    make_shared_observation,
    make_team_with_people,
    make_user,
)

# Today is 13 January 2027: the 3-month review of an agreement from 20 October is due.
STARTED = date(2026, 10, 20)


@pytest.fixture
def agreed(app):
    team = make_team_with_people()
    nqsw, mentor, manager = team["nqsws"][0], team["mentors"][0], team["manager"]
    terms = rules.Terms(
        mentor=mentor,
        manager=manager,
        starts_on=STARTED,
        new_focus_cases=[rules.NewFocusCase("CR-1001", "First visits", SupportLevel.ACCOMPANY)],
        new_goals=[rules.NewGoal("Plan visits"), rules.NewGoal("Write clearly")],
    )
    agreement = rules.start(manager, nqsw, terms, clock.now())
    for person in (nqsw, mentor):
        versions.confirm(person, agreement, 1, clock.now())
    db.session.commit()
    return {**team, "agreement": agreement.id, "nqsw": nqsw, "mentor": mentor}


def path(agreed, months=3, tail="") -> str:
    return f"/agreements/{agreed['agreement']}/reviews/{months}{tail}"


def actions() -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.action.like("agreement.review%"))
        )
    )


def test_write_view_rate_and_confirm(agreed, client_for):
    mentor, nqsw = client_for(agreed["mentor"]), client_for(agreed["nqsw"])
    shown = mentor.get(f"/agreements/{agreed['agreement']}").get_data(as_text=True)
    assert "3-month review, 20 January 2027" in shown and "Due" in shown
    assert "Write the review" in mentor.get(path(agreed)).get_data(as_text=True)
    response = mentor.post(
        path(agreed), data={"progress": "Visits planned well", "what_next": "Court work"}
    )
    assert response.status_code == 302
    told = db.session.scalars(
        select(Notification.message).where(Notification.user_id == agreed["nqsw"].id)
    )
    assert any("3-month review" in message for message in told)
    form = nqsw.get(path(agreed)).get_data(as_text=True)
    assert "Visits planned well" in form and "How do you rate yourself on: Plan visits" in form
    goals = db.session.get(rules.MentoringAgreement, agreed["agreement"]).goals
    missing = nqsw.post(path(agreed), data={"view": "Fair"})
    assert missing.status_code == 422 and "Rate yourself on this goal" in missing.get_data(
        as_text=True
    )
    ratings = {f"goal_{goal.id}": "3" for goal in goals}
    assert nqsw.post(path(agreed), data={"view": "Fair", **ratings}).status_code == 302
    manager = client_for(agreed["manager"])
    page = manager.get(path(agreed)).get_data(as_text=True)
    assert "3: Getting there" in page and "Confirm this review" in page
    assert manager.post(path(agreed, tail="/confirm")).status_code == 302
    review = db.session.scalar(select(AgreementReview))
    assert review.confirmed_by_id == agreed["manager"].id
    assert "Confirmed by the practice manager" in nqsw.get(path(agreed)).get_data(as_text=True)
    assert mentor.post(path(agreed), data={"progress": "x", "what_next": "y"}).status_code == 409
    assert actions().count("agreement.review_read") >= 3
    assert {
        "agreement.review_written",
        "agreement.review_viewed",
        "agreement.review_confirmed",
    } <= set(actions())


def test_a_review_not_yet_due_cannot_be_written(agreed, client_for):
    response = client_for(agreed["mentor"]).post(
        path(agreed, 6), data={"progress": "Too early", "what_next": "Wait"}
    )
    assert response.status_code == 422
    assert "You can write this review from" in response.get_data(as_text=True)


def test_no_such_point_and_other_people_get_404(agreed, client_for):
    mentor = client_for(agreed["mentor"])
    assert mentor.get(path(agreed, 9)).status_code == 404  # no 9-month review agreed
    assert mentor.get(path(agreed, 5)).status_code == 404
    stranger = make_user(Role.MENTOR)
    db.session.commit()
    assert client_for(stranger).get(path(agreed)).status_code == 404
    assert client_for(agreed["mentors"][1]).post(path(agreed, tail="/confirm")).status_code == 404


def test_the_manager_cannot_confirm_before_the_nqsw_has_added_a_view(agreed, client_for):
    client_for(agreed["mentor"]).post(path(agreed), data={"progress": "Good", "what_next": "More"})
    manager = client_for(agreed["manager"])
    manager.post(path(agreed, tail="/confirm"))
    assert db.session.scalar(select(AgreementReview.confirmed_at)) is None


def test_the_nqsw_rates_themselves_at_the_start_and_sees_it_at_the_review(agreed, client_for):
    nqsw = client_for(agreed["nqsw"])
    shown = nqsw.get(f"/agreements/{agreed['agreement']}").get_data(as_text=True)
    assert "Rate yourself on each goal at the start" in shown
    goals = db.session.get(rules.MentoringAgreement, agreed["agreement"]).goals
    url = f"/agreements/{agreed['agreement']}/ratings"
    assert nqsw.post(url, data={}).status_code == 422
    assert nqsw.post(url, data={f"goal_{g.id}": "2" for g in goals}).status_code == 302
    client_for(agreed["mentor"]).post(path(agreed), data={"progress": "Good", "what_next": "More"})
    page = nqsw.get(path(agreed)).get_data(as_text=True)
    assert "2: Starting out" in page  # the earlier rating, beside this review's
    assert client_for(agreed["mentor"]).get(url).status_code == 403
    other = make_user(Role.NQSW)
    db.session.commit()
    assert client_for(other).get(url).status_code == 404


def test_a_reminder_goes_once_a_week_before_a_review(agreed, runner):
    # 13 January: the review of 20 January is a week away.
    result = runner.invoke(args=["remind-reviews"])
    assert result.exit_code == 0 and "2 review reminder(s) sent" not in result.output
    assert "1 review reminder(s) sent" in result.output
    told = db.session.scalars(
        select(Notification.user_id).where(Notification.message.like("%review%"))
    )
    assert sorted(told) == sorted([agreed["mentor"].id, agreed["nqsw"].id])
    emails = db.session.scalars(
        select(OutboxEmail).where(OutboxEmail.subject.like("%review%"))
    ).all()
    assert len(emails) == 2 and all("CR-1001" not in e.body + e.subject for e in emails)
    assert "is due on 20 January 2027" in emails[0].subject
    again = runner.invoke(args=["remind-reviews"])
    assert "0 review reminder(s) sent" in again.output


def test_no_reminder_for_a_written_review_or_one_more_than_a_week_away(agreed, client_for):
    client_for(agreed["mentor"]).post(path(agreed), data={"progress": "Good", "what_next": "More"})
    assert remind_due_reviews(clock.today(), clock.now()) == 0
    with time_machine.travel(datetime(2027, 4, 12, 9, tzinfo=UTC)):  # 6-month review: 20 April
        assert remind_due_reviews(date(2027, 4, 12), clock.now()) == 0
        assert remind_due_reviews(date(2027, 4, 13), clock.now()) == 1


@pytest.mark.parametrize("who", ["mentor", "nqsw", "manager"])
def test_a_review_page_takes_twelve_queries_however_many_goals(
    agreed, client_for, count_queries, who
):
    client_for(agreed["mentor"]).post(path(agreed), data={"progress": "Good", "what_next": "More"})
    client = client_for(agreed[who])
    client.get(path(agreed))
    with count_queries() as few:
        assert client.get(path(agreed)).status_code == 200
    agreement = db.session.get(rules.MentoringAgreement, agreed["agreement"])
    for number in range(8):
        agreement.goals.append(rules.AgreementGoal(description=f"Goal {number}", added_in=1))
    db.session.commit()
    with count_queries() as many:
        assert client.get(path(agreed)).status_code == 200
    assert few.count == many.count <= 12  # the audit row of the read included


def test_home_pages_list_what_each_person_has_to_do(agreed, client_for):
    nqsw_name = agreed["nqsw"].display_name
    mentor_home = client_for(agreed["mentor"]).get("/mentoring").get_data(as_text=True)
    assert f"Write {nqsw_name}&#39;s 3-month review, due 20 January 2027" in mentor_home
    client_for(agreed["mentor"]).post(path(agreed), data={"progress": "Good", "what_next": "More"})
    nqsw_home = client_for(agreed["nqsw"]).get("/my-support").get_data(as_text=True)
    assert "Add your view to your 3-month review" in nqsw_home
    goals = db.session.get(rules.MentoringAgreement, agreed["agreement"]).goals
    view = {"view": "Fair", **{f"goal_{g.id}": "3" for g in goals}}
    client_for(agreed["nqsw"]).post(path(agreed), data=view)
    manager_home = client_for(agreed["manager"]).get("/my-team").get_data(as_text=True)
    assert f"Confirm {nqsw_name}&#39;s 3-month review" in manager_home


def test_an_overdue_review_is_marked_on_the_mentors_home(agreed, client_for):
    with time_machine.travel(datetime(2027, 1, 25, 10, tzinfo=UTC)):
        home = client_for(agreed["mentor"]).get("/mentoring").get_data(as_text=True)
    assert "3-month review, due 20 January 2027" in home and "Overdue" in home


def test_the_mentors_home_takes_the_same_queries_with_more_agreements(
    agreed, client_for, count_queries
):
    client = client_for(agreed["mentor"])
    client.get("/mentoring")
    with count_queries() as few:
        client.get("/mentoring")
    for _ in range(6):
        nqsw = make_user(Role.NQSW, team=agreed["team"])
        terms = rules.Terms(
            mentor=agreed["mentor"],
            manager=agreed["manager"],
            starts_on=STARTED,
            new_focus_cases=[rules.NewFocusCase("CR-2002", "x", SupportLevel.ACCOMPANY)],
        )
        more = rules.start(agreed["manager"], nqsw, terms, clock.now())
        versions.confirm(nqsw, more, 1, clock.now())
        versions.confirm(agreed["mentor"], more, 1, clock.now())
    db.session.commit()
    with count_queries() as many:
        page = client.get("/mentoring").get_data(as_text=True)
    assert page.count("3-month review, due 20 January 2027") == 7
    assert few.count == many.count <= 12


def test_a_review_saved_elsewhere_at_the_same_moment_is_a_409_not_a_500(agreed):
    agreement = db.session.get(rules.MentoringAgreement, agreed["agreement"])
    at = reviews.point_of(agreement, 3, frozenset(), clock.today())
    assert at.review is None
    mentor_id, agreement_id = agreed["mentor"].id, agreement.id
    db.session.commit()
    with db.engine.begin() as other:  # the mentor's other tab saves first
        other.execute(
            insert(AgreementReview).values(
                agreement_id=agreement_id,
                months=3,
                written_by_id=mentor_id,
                written_at=clock.now(),
                progress="",
                what_next="",
                nqsw_view="",
            )
        )
    with pytest.raises(rules.AgreementError) as refused:
        reviews.write(agreed["mentor"], agreement, at, "Mine", "Next", clock.today(), clock.now())
    assert refused.value.status == 409


def _lines(agreed) -> dict:
    agreement = db.session.get(rules.MentoringAgreement, agreed["agreement"])
    goal, case = agreement.goals[0], agreement.focus_cases[0]
    return {f"goal_{goal.id}": "Plans every visit now", f"case_{case.id}": "Led the second visit"}


def test_the_mentor_writes_a_line_on_each_goal_and_focus_case(agreed, client_for):
    mentor = client_for(agreed["mentor"])
    form = mentor.get(path(agreed)).get_data(as_text=True)
    assert "Progress on the goal: Plan visits" in form and "Progress on focus case CR-1001" in form
    data = {"progress": "Good", "what_next": "More", **_lines(agreed)}
    assert mentor.post(path(agreed), data=data).status_code == 302
    for who in ("mentor", "nqsw", "manager"):
        page = client_for(agreed[who]).get(path(agreed)).get_data(as_text=True)
        assert "Plans every visit now" in page and "Led the second visit" in page
    data[next(iter(_lines(agreed)))] = ""  # a blank line goes, the other is corrected
    data[list(_lines(agreed))[1]] = "Led two visits"
    assert mentor.post(path(agreed), data=data).status_code == 302
    (line,) = db.session.scalar(select(AgreementReview)).lines
    assert line.text == "Led two visits" and line.goal_id is None


def test_a_progress_line_too_long_is_refused_with_422(agreed, client_for):
    name = next(iter(_lines(agreed)))
    data = {"progress": "Good", "what_next": "More", name: "x" * 301}
    response = client_for(agreed["mentor"]).post(path(agreed), data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "govuk-error-summary" in page
    assert f'href="#{name}"' in page and db.session.scalar(select(AgreementReview)) is None


def test_the_evidence_lists_sessions_and_observations_without_notes_for_the_manager(
    agreed, client_for
):
    agreement = db.session.get(rules.MentoringAgreement, agreed["agreement"])
    starts = datetime(2026, 12, 1, 11, tzinfo=UTC)
    session = OneToOne(
        agreement_id=agreement.id,
        mentor_id=agreed["mentor"].id,
        nqsw_id=agreed["nqsw"].id,
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        booked_by_id=agreed["nqsw"].id,
        status="held",
        talked_about="Secret session notes",
    )
    db.session.add(session)
    db.session.commit()
    observation = make_shared_observation(make_completed_request(agreed["nqsw"], agreed["mentor"]))
    client_for(agreed["mentor"]).post(path(agreed), data={"progress": "Good", "what_next": "More"})
    for who in ("mentor", "nqsw"):
        page = client_for(agreed[who]).get(path(agreed)).get_data(as_text=True)
        assert f'href="/one-to-ones/{session.id}"' in page
        assert f'href="/observations/{observation.id}"' in page
    manager = client_for(agreed["manager"])
    page = manager.get(path(agreed)).get_data(as_text=True)
    assert "1 December 2026" in page and "One-to-one" in page and "Observation" in page
    assert "/one-to-ones/" not in page and "Secret session notes" not in page
    assert f'href="/observations/{observation.id}"' not in page  # not shared with the manager
    observation.shared_with_manager = True
    db.session.commit()
    page = manager.get(path(agreed)).get_data(as_text=True)
    assert f'href="/observations/{observation.id}"' in page
    later = client_for(agreed["mentor"]).get(path(agreed, months=6)).get_data(as_text=True)
    assert "1 December 2026" not in later  # before the previous review point
