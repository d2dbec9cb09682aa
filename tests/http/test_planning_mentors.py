"""Planned support: the Mentor filter lists the team's mentors and filters the table by one."""

import re
from datetime import date, time

from nqsw_visits.availability import rules as availability_store
from nqsw_visits.core.extensions import db
from nqsw_visits.people.models import Role
from tests.conftest import sign_in
from tests.factories import assign_mentor, make_team, make_user
from tests.http.test_planning import ask, setup_team


def mentor_options(html: str) -> dict[str, bool]:
    """The Mentor filter's choices: name -> whether it is selected."""
    select = re.search(r'<select[^>]*id="filter-mentor".*?</select>', html, re.S).group(0)
    options = re.findall(r"<option([^>]*)>([^<]*)</option>", select)
    return {name: "selected" in attributes for attributes, name in options}


def mentors_around(supported):
    """A mentor who sits in the team, and one in another team with no link to it."""
    teammate = make_user(Role.MENTOR, name="Tess Teammate", team=supported.team)
    stranger = make_user(Role.MENTOR, name="Olu Elsewhere", team=make_team())
    for weekday in range(7):
        availability_store.add_window(
            teammate, teammate, weekday, time(0), time(23, 45), date(2026, 1, 1)
        )
    db.session.commit()
    return teammate, stranger


def test_the_filter_offers_the_teams_mentors_before_anything_is_planned(client):
    manager, _, supported, _, _ = setup_team()
    mentors_around(supported)
    sign_in(client, manager)
    html = client.get("/planned-support").get_data(as_text=True)
    assert "0 planned" in html
    assert mentor_options(html) == {"All": False, "Grace Mensah": False, "Tess Teammate": False}


def test_choosing_a_mentor_filters_the_table_and_stays_in_the_address(client):
    manager, grace, supported, waiting, _ = setup_team()
    teammate, _ = mentors_around(supported)
    assign_mentor(waiting, teammate)
    ask(supported, grace, 2)
    ask(waiting, teammate, 3)
    sign_in(client, manager)

    page = client.get(f"/planned-support?mentor={teammate.id}").get_data(as_text=True)
    assert "1 planned" in page and "Ella Nowak" in page.split('id="planned-results"')[1]
    assert "Amira Hassan" not in page.split('id="planned-results"')[1]
    assert mentor_options(page)["Tess Teammate"] is True

    fragment = client.get(f"/planned-support?mentor={grace.id}", headers={"HX-Request": "true"})
    html = fragment.get_data(as_text=True)
    assert "<html" not in html and "1 planned" in html
    assert "Amira Hassan" in html and "Ella Nowak" not in html
    assert "HX-Request" in fragment.headers["Vary"]


def test_the_filter_form_works_in_place_and_as_a_plain_get(client):
    manager, _, _, _, _ = setup_team()
    sign_in(client, manager)
    html = client.get("/planned-support").get_data(as_text=True)
    form = re.search(r"<form[^>]*app-filter[^>]*>", html).group(0)
    assert 'method="get"' in form and 'action="/planned-support"' in form
    assert 'hx-get="/planned-support"' in form and 'hx-push-url="true"' in form
    assert 'name="mentor"' in html


def test_more_mentors_and_requests_add_no_queries(client, count_queries):
    manager, grace, supported, waiting, _ = setup_team()
    sign_in(client, manager)
    ask(supported, grace, 1)
    with count_queries() as few:
        client.get("/planned-support")
    for n in range(6):
        mentor = make_user(Role.MENTOR, team=supported.team)
        assign_mentor(waiting, mentor)
        ask(waiting, grace, n + 2, hour=8 + n)
    with count_queries() as many:
        html = client.get("/planned-support").get_data(as_text=True)
    assert len(mentor_options(html)) == 8  # All, Grace and the six
    assert few.count == many.count
