"""Each role's home page: real data, a bounded number of queries, and escaped names."""

from datetime import timedelta

import pytest

from nqsw_visits.core import clock
from nqsw_visits.core.extensions import db
from nqsw_visits.people import audit
from nqsw_visits.people.models import Role
from tests.conftest import sign_in
from tests.factories import (
    assign_mentor,
    make_manager_of,
    make_team,
    make_team_with_people,
    make_user,
)

MAX_QUERIES = 10
PROBE = '<script>alert(1)</script><div hx-get="/admin/">x</div>'


def page_as(client, user, path: str) -> str:
    fresh = client.application.test_client()
    sign_in(fresh, user)
    response = fresh.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def queries_for(client, count_queries, user, path: str) -> int:
    """Queries for a second GET as this person, the sign-in session load included."""
    fresh = client.application.test_client()
    sign_in(fresh, user)
    fresh.get(path)  # as a server does, once the bank holidays are kept
    with count_queries() as counter:
        response = fresh.get(path)
    assert response.status_code == 200, path
    return counter.count


# What each home shows


def test_an_nqsw_sees_their_active_mentors(client):
    team = make_team("Family Support East")
    nqsw = make_user(Role.NQSW, team=team)
    for name, active in [("Grace Mensah", True), ("Tom Whitfield", True), ("Olga Left", False)]:
        assign_mentor(nqsw, make_user(Role.MENTOR, name=name, active=active))
    assign_mentor(make_user(Role.NQSW), make_user(Role.MENTOR, name="Somebody Else"))
    html = page_as(client, nqsw, "/my-support")
    assert "<li>Grace Mensah</li>" in html
    assert "<li>Tom Whitfield</li>" in html
    assert "Olga Left" not in html
    assert "Somebody Else" not in html
    assert "Family Support East" in html
    assert "You do not have a mentor yet" not in html


def test_an_nqsw_without_a_mentor_is_warned(client):
    nqsw = make_user(Role.NQSW)
    assign_mentor(nqsw, make_user(Role.MENTOR, name="Olga Left", active=False))
    html = page_as(client, nqsw, "/my-support")
    assert "govuk-warning-text" in html
    assert "You do not have a mentor yet" in html
    assert "No mentor has been assigned to you yet." in html


LINKED = '<span class="govuk-visually-hidden">: progress</span></a></td>'


def test_a_mentor_sees_their_mentees_and_their_teams(client):
    team = make_team("Family Support East")
    mentor = make_user(Role.MENTOR)
    assign_mentor(make_user(Role.NQSW, name="Amira Hassan", team=team), mentor)
    assign_mentor(make_user(Role.NQSW, name="Ben Carter"), mentor)
    assign_mentor(make_user(Role.NQSW, name="Gone Away", active=False), mentor)
    assign_mentor(make_user(Role.NQSW, name="Not Mine"), make_user(Role.MENTOR))
    html = page_as(client, mentor, "/mentoring")
    cell = '<td class="govuk-table__cell">'
    linked = '<span class="govuk-visually-hidden">: progress</span></a></td>'
    assert f">Amira Hassan{linked}{cell}Family Support East</td>" in html
    assert f">Ben Carter{linked}{cell}No team</td>" in html
    assert "Gone Away" not in html
    assert "Not Mine" not in html


def test_a_mentor_with_no_mentees_is_told_so(client):
    html = page_as(client, make_user(Role.MENTOR), "/mentoring")
    assert "No newly qualified social workers have been assigned to you yet." in html


def test_a_manager_sees_their_teams_nqsws_and_who_has_no_mentor(client):
    data = make_team_with_people(3)
    first, second, without = data["nqsws"]
    other_team = make_team("Somewhere Else")
    make_user(Role.NQSW, name="Other Teams Person", team=other_team)
    html = page_as(client, data["manager"], "/my-team")
    assert f'<h2 class="govuk-heading-m">{data["team"].name}</h2>' in html
    mentor_a, mentor_b = (m.display_name for m in data["mentors"])
    assert (
        f'>{first.display_name}{LINKED}\n            <td class="govuk-table__cell">{mentor_a}</td>'
        in html
    )
    assert (
        f'>{second.display_name}{LINKED}\n            <td class="govuk-table__cell">{mentor_b}</td>'
        in html
    )
    row = html[html.index(f">{without.display_name}{LINKED}") :]
    assert row.index("No mentor") < row.index("</tr>")
    assert html.count(">No mentor</strong>") == 1
    assert f"1 newly qualified social worker has no mentor:\n        {without.display_name}" in html
    assert "Other Teams Person" not in html


def test_a_deactivated_mentor_no_longer_counts_for_the_manager(client):
    data = make_team_with_people(2)
    for mentor in data["mentors"]:
        mentor.active = False
    db.session.commit()
    html = page_as(client, data["manager"], "/my-team")
    assert html.count(">No mentor</strong>") == 2
    assert "2 newly qualified social workers have no mentor" in html


def test_a_manager_without_a_team_is_told_so(client):
    html = page_as(client, make_user(Role.PRACTICE_MANAGER), "/my-team")
    assert "You do not lead a team yet" in html


def section(html: str, heading: str) -> str:
    start = html.index(heading)
    return html[start : html.index("</ul>", start)]


def test_the_admin_home_lists_what_needs_attention(client):
    admin = make_user(Role.ADMIN, name="Sam Taylor")
    team_led = make_team("Led Team")
    make_manager_of(team_led, make_user(Role.PRACTICE_MANAGER))
    team_unled = make_team("Unled Team")
    team_left = make_team("Manager Left Team")
    make_manager_of(team_left, make_user(Role.PRACTICE_MANAGER, active=False))
    locked = make_user(Role.MENTOR, name="Locked Larry")
    locked.locked_until = clock.now() + timedelta(minutes=10)
    make_user(Role.MENTOR, name="Was Locked").locked_until = clock.now() - timedelta(minutes=1)
    db.session.commit()
    mentor = make_user(Role.MENTOR, name="Grace Mensah", team=team_led)
    covered = make_user(Role.NQSW, name="Covered Cara", team=team_led)
    assign_mentor(covered, mentor)
    no_team = make_user(Role.NQSW, name="Teamless Tia")
    assign_mentor(no_team, mentor)
    make_user(Role.NQSW, name="Unmentored Una", team=team_led)
    mentor_left = make_user(Role.NQSW, name="Orphaned Olu", team=team_led)
    assign_mentor(mentor_left, make_user(Role.MENTOR, active=False))
    make_user(Role.NQSW, name="Inactive Ian", active=False)
    audit.record("user.created", actor=admin, obj=mentor)
    db.session.commit()

    html = page_as(client, admin, "/admin/")
    locked_list = section(html, "Accounts locked after failed sign-ins (1)")
    assert ">Locked Larry</a>" in locked_list
    assert "Was Locked" not in html
    no_team_list = section(html, "Newly qualified social workers with no team (1)")
    assert ">Teamless Tia</a>" in no_team_list
    no_mentor_list = section(html, "Newly qualified social workers with no mentor (2)")
    assert ">Orphaned Olu</a>" in no_mentor_list
    assert ">Unmentored Una</a>" in no_mentor_list
    teams_list = section(html, "Teams with no practice manager (2)")
    assert ">Unled Team</a>" in teams_list
    assert ">Manager Left Team</a>" in teams_list
    assert f'href="/admin/teams/{team_unled.id}"' in teams_list
    assert "Covered Cara" not in html
    assert "Inactive Ian" not in html
    activity = html[html.index("Recent activity") :]
    assert '<td class="govuk-table__cell">Sam Taylor</td>' in activity
    assert "Added a person" in activity
    assert "Signed in" in activity


def test_the_admin_home_says_when_nothing_needs_attention(client):
    html = page_as(client, make_user(Role.ADMIN), "/admin/")
    assert "Nothing needs your attention." in html


# Query counts


def home_of(data: dict, role: str):
    return {
        "nqsw": (data["nqsws"][0], "/my-support"),
        "mentor": (data["mentors"][0], "/mentoring"),
        "manager": (data["manager"], "/my-team"),
        "admin": (data["admin"], "/admin/"),
        "people": (data["admin"], "/admin/people"),
    }[role]


def busy_world(nqsws: int) -> dict:
    """A team as made by the factory, plus what fills the admin home's lists."""
    data = make_team_with_people(nqsws)
    for index, nqsw in enumerate(data["nqsws"][:-1]):
        assign_mentor(nqsw, data["mentors"][(index + 1) % 2])  # two mentors each
    for _ in range(nqsws):  # mentees in teams of their own, so team lookups cannot hide
        assign_mentor(make_user(Role.NQSW, team=make_team()), data["mentors"][0])
    make_user(Role.NQSW)  # no team
    make_team()  # no manager
    locked = make_user(Role.MENTOR)
    locked.locked_until = clock.now() + timedelta(minutes=5)
    db.session.commit()
    return data


@pytest.mark.parametrize("role", ["nqsw", "mentor", "manager", "admin", "people"])
def test_each_home_runs_at_most_ten_queries(client, count_queries, role):
    user, path = home_of(busy_world(5), role)
    assert queries_for(client, count_queries, user, path) <= MAX_QUERIES


@pytest.mark.parametrize("role", ["mentor", "manager", "people", "admin"])
def test_the_query_count_does_not_grow_with_the_number_of_people(client, count_queries, role):
    small = busy_world(3)
    few = queries_for(client, count_queries, *home_of(small, role))
    large = busy_world(30)
    if role == "manager":  # the second manager leads both teams: 3 + 30 NQSWs
        make_manager_of(small["team"], large["manager"])
    many = queries_for(client, count_queries, *home_of(large, role))
    assert many == few


# Output escaping


@pytest.fixture
def probe_world():
    team = make_team()
    manager = make_user(Role.PRACTICE_MANAGER, team=team)
    make_manager_of(team, manager)
    mentor = make_user(Role.MENTOR, name=PROBE, team=team)
    nqsw = make_user(Role.NQSW, name=PROBE, team=team)
    assign_mentor(nqsw, mentor)
    make_user(Role.NQSW, name=PROBE)  # no team, no mentor: listed on the admin home
    return {"admin": make_user(Role.ADMIN), "manager": manager, "mentor": mentor, "nqsw": nqsw}


def assert_inert(html: str) -> None:
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert" not in html
    assert 'hx-get="/admin/"' not in html


@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("admin", "/admin/people"),
        ("admin", "/admin/people?q=script"),
        ("admin", "/admin/people/{nqsw}"),
        ("admin", "/admin/people/{nqsw}/mentors"),
        ("admin", "/admin/people/{nqsw}/password"),
        ("admin", "/admin/"),
        ("manager", "/my-team"),
        ("mentor", "/mentoring"),
        ("nqsw", "/my-support"),
    ],
)
def test_a_name_with_markup_is_shown_inert(client, probe_world, who, path):
    html = page_as(client, probe_world[who], path.format(nqsw=probe_world["nqsw"].id))
    assert_inert(html)


def test_a_name_with_markup_is_inert_in_fragments(client, probe_world):
    fresh = client.application.test_client()
    sign_in(fresh, probe_world["admin"])
    table = fresh.get("/admin/people", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert_inert(table)
    status = fresh.post(
        f"/admin/people/{probe_world['nqsw'].id}/active",
        data={"active": "0"},
        headers={"HX-Request": "true"},
    ).get_data(as_text=True)
    assert "Account deactivated" in status
    assert "&lt;script&gt;" in status
    assert "<script>alert" not in status
