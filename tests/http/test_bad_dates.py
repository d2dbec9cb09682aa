"""Dates outside the service's years: a plain 400 from an address, a form error when typed."""

from datetime import date

import pytest
from sqlalchemy import select

from nqsw_visits.core import clock
from nqsw_visits.core.dates import date_arg, supported_range, week_arg
from nqsw_visits.core.extensions import db
from nqsw_visits.people import rules as people
from nqsw_visits.people.models import Role, Team
from tests.conftest import sign_in
from tests.factories import assign_mentor, make_manager_of, make_team, make_user

OUT_OF_RANGE = ["9999-12-31", "0001-01-01", "1999-12-31", "2033-01-01"]


def assert_plain_400(response, htmx: bool) -> None:
    html = response.get_data(as_text=True)
    assert response.status_code == 400, html[:300]
    assert "Sorry, there is a problem with that request" in html
    assert ("<html" in html) is not htmx


def test_the_range_runs_from_2000_to_the_end_of_five_years_ahead(app):
    with app.test_request_context("/?week=2032-12-31&day=2033-01-01&bad=2027-02-30"):
        assert supported_range() == (date(2000, 1, 1), date(2032, 12, 31))
        assert week_arg("week") == date(2032, 12, 27)
        assert date_arg("day", clamp=True) == date(2032, 12, 31)
        assert date_arg("bad") is None and date_arg("absent") is None
        with pytest.raises(Exception) as refused:
            date_arg("day")
        assert refused.value.code == 400


@pytest.mark.parametrize("week", OUT_OF_RANGE)
@pytest.mark.parametrize("htmx", [False, True])
def test_a_diary_week_out_of_range_is_a_plain_400(client, week, htmx):
    mentor = make_user(Role.MENTOR)
    sign_in(client, mentor)
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.get(f"/mentors/{mentor.id}/diary?week={week}", headers=headers)
    assert_plain_400(response, htmx)
    assert client.get(f"/mentors/{mentor.id}/diary?week=2032-12-31").status_code == 200


@pytest.mark.parametrize("week", OUT_OF_RANGE)
def test_a_planned_support_week_out_of_range_is_a_plain_400(client, week):
    team, manager = make_team(), make_user(Role.PRACTICE_MANAGER)
    make_manager_of(team, manager)
    sign_in(client, manager)
    response = client.get(f"/planned-support?week={week}&weeks=8&nqsw=1&mentor=1")
    assert_plain_400(response, htmx=False)
    assert client.get("/planned-support?week=2000-01-01&weeks=8").status_code == 200


def test_a_free_check_or_a_picked_day_out_of_range_is_a_plain_400(client):
    mentor, nqsw = make_user(Role.MENTOR), make_user(Role.NQSW)
    assign_mentor(nqsw, mentor)
    sign_in(client, nqsw)
    free = client.get(f"/mentors/{mentor.id}/free?date=9999-12-31&start=9:00&end=10:00")
    assert_plain_400(free, htmx=False)
    picked = client.get(f"/requests/new?day=9999-12-31&starts=9:00&ends=10:00&mentor={mentor.id}")
    assert_plain_400(picked, htmx=False)
    assert (
        client.get(f"/requests/new?day=2027-01-20&starts=9:00&mentor={mentor.id}").status_code
        == 200
    )


def test_free_weeks_far_ahead_still_show_the_last_bookable_weeks(client):
    mentor = make_user(Role.MENTOR)
    sign_in(client, mentor)
    response = client.get(f"/mentors/{mentor.id}/slots?week=9999-12-31")
    assert response.status_code == 200
    assert "Next week" not in response.get_data(as_text=True)


def test_a_typed_year_out_of_range_is_a_govuk_error_message(client):
    mentor = make_user(Role.MENTOR)
    sign_in(client, mentor)
    response = client.post(
        f"/mentors/{mentor.id}/availability/exceptions",
        data={"away-kind": "leave", "away-first_day": ["31", "12", "9999"]},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f"Enter a year from 2000 to {clock.today().year + 5}" in html
    assert 'class="govuk-error-summary"' in html


@pytest.mark.parametrize("again", ["{Öc", " {öC ", "{O\u0308c", "{ÖC"])
def test_a_team_name_added_twice_is_a_form_error_not_a_crash(client, again):
    sign_in(client, make_user(Role.ADMIN))
    assert client.post("/admin/teams", data={"name": "{Öc"}).status_code == 302
    response = client.post("/admin/teams", data={"name": again})
    assert response.status_code == 422
    assert "A team with that name already exists" in response.get_data(as_text=True)
    assert len(db.session.scalars(select(Team)).all()) == 1


def test_the_databases_unique_rule_has_the_last_word(client, monkeypatch):
    """Two people adding one name at once: the check passes for both, the insert refuses one."""
    sign_in(client, make_user(Role.ADMIN))
    make_team("Family Support East")
    monkeypatch.setattr(people, "find_team", lambda name: None)
    response = client.post("/admin/teams", data={"name": "Family Support East"})
    assert response.status_code == 422
    assert "A team with that name already exists" in response.get_data(as_text=True)


def test_an_email_taken_at_the_same_moment_is_a_form_error(client, monkeypatch):
    sign_in(client, make_user(Role.ADMIN))
    make_user(email="ann.lee@example.org")
    monkeypatch.setattr(people, "_email_taken", lambda email, except_id=None: False)
    new = {"display_name": "Ann Lee", "email": "Ann.Lee@example.org ", "roles": ["nqsw"]}
    new |= {"team": "0", "new_password": "copper kettle harbour lantern"}
    new["confirm_password"] = new["new_password"]
    response = client.post("/admin/people/new", data=new)
    assert response.status_code == 422
    assert "An account with that email address already exists" in response.get_data(as_text=True)
    other = make_user(email="other@example.org")
    edit = {"display_name": "Other", "email": "ANN.LEE@example.org", "roles": ["nqsw"], "team": "0"}
    response = client.post(f"/admin/people/{other.id}", data=edit)
    assert response.status_code == 422
    assert "An account with that email address already exists" in response.get_data(as_text=True)
