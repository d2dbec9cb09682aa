"""Administrators add teams and choose each team's practice managers."""

import pytest
from sqlalchemy import func, select

from nqsw_visits.core.extensions import db
from nqsw_visits.people.models import AuditEvent, Role, Team, TeamManager
from tests.conftest import sign_in
from tests.factories import make_manager_of, make_team, make_user


@pytest.fixture
def admin(client):
    user = make_user(Role.ADMIN)
    sign_in(client, user)
    return user


def audit(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def team_names() -> list[str]:
    return list(db.session.scalars(select(Team.name).order_by(Team.name)))


def managers_of(team: Team) -> set[int]:
    return set(
        db.session.scalars(select(TeamManager.user_id).where(TeamManager.team_id == team.id))
    )


def test_adding_a_team_stores_it_and_lists_it(client, admin):
    response = client.post("/admin/teams", data={"name": "  Family   Support East "})
    assert response.status_code == 302
    assert team_names() == ["Family Support East"]
    (event,) = audit("team.created")
    assert event.actor_id == admin.id
    page = client.get("/admin/teams").get_data(as_text=True)
    assert "Team Family Support East added" in page
    assert ">Family Support East</a>" in page


@pytest.mark.parametrize(
    "name", ["family support EAST", "Family Support East", " FAMILY SUPPORT east"]
)
def test_a_team_name_in_use_in_any_case_is_refused(client, admin, name):
    make_team("Family Support East")
    response = client.post("/admin/teams", data={"name": name})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'href="#name"' in html
    assert "A team with that name already exists" in html
    assert team_names() == ["Family Support East"]
    assert audit("team.created") == []


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "Enter a team name"),
        ("    ", "Enter a team name"),
        ("x" * 121, "120 characters"),
        ("Team\x00East", "Use only letters"),
    ],
)
def test_a_bad_team_name_is_refused(client, admin, name, message):
    response = client.post("/admin/teams", data={"name": name})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert team_names() == []


def test_choosing_practice_managers_stores_them(client, admin):
    team = make_team("Family Support East")
    first = make_user(Role.PRACTICE_MANAGER, name="Priya Shah")
    second = make_user(Role.PRACTICE_MANAGER, Role.MENTOR, name="Omar Reid")
    page = client.get(f"/admin/teams/{team.id}").get_data(as_text=True)
    assert "Priya Shah" in page and "Omar Reid" in page
    response = client.post(f"/admin/teams/{team.id}", data={"people": [first.id, second.id]})
    assert response.status_code == 302
    assert managers_of(team) == {first.id, second.id}
    (event,) = audit("team.managers_set")
    assert event.object_id == team.id
    page = client.get("/admin/teams").get_data(as_text=True)
    assert "Practice managers saved" in page
    assert "Omar Reid, Priya Shah" in page
    client.post(f"/admin/teams/{team.id}", data={"people": [second.id]})
    assert managers_of(team) == {second.id}


@pytest.mark.parametrize("who", ["mentor", "inactive manager", "unknown"])
def test_only_active_practice_managers_can_be_chosen(client, admin, who):
    team = make_team()
    manager = make_user(Role.PRACTICE_MANAGER)
    client.post(f"/admin/teams/{team.id}", data={"people": [manager.id]})
    forged = {
        "mentor": make_user(Role.MENTOR).id,
        "inactive manager": make_user(Role.PRACTICE_MANAGER, active=False).id,
        "unknown": 4242,
    }[who]
    response = client.post(f"/admin/teams/{team.id}", data={"people": [manager.id, forged]})
    assert response.status_code == 422
    assert 'href="#people"' in response.get_data(as_text=True)
    assert managers_of(team) == {manager.id}
    assert len(audit("team.managers_set")) == 1


def test_an_unknown_team_is_not_found(client, admin):
    assert client.get("/admin/teams/999").status_code == 404
    assert client.post("/admin/teams/999", data={"people": []}).status_code == 404


def test_teams_page_counts_members(client, admin):
    team = make_team("Family Support East")
    for _ in range(3):
        make_user(Role.NQSW, team=team)
    html = client.get("/admin/teams").get_data(as_text=True)
    assert 'govuk-table__cell--numeric">3</td>' in html
    assert db.session.scalar(select(func.count(Team.id))) == 1


def _staff(team: Team, how_many: int, start: int = 0) -> None:
    for number in range(start, start + how_many):
        make_user(Role.NQSW, team=team, name=f"Member {number:03d}")


def test_the_teams_and_a_teams_people_run_the_same_queries_at_ten_times_the_staff(
    client, admin, count_queries
):
    east, west = make_team("East"), make_team("West")
    make_manager_of(east, make_user(Role.PRACTICE_MANAGER))
    counted = []
    for how_many in (6, 54):
        _staff(east, how_many, start=len(counted) * 6)
        _staff(west, how_many, start=100 + len(counted) * 6)
        for url in ("/admin/teams", f"/admin/teams/{east.id}"):
            client.get(url)
            with count_queries() as counter:
                assert client.get(url).status_code == 200
            counted.append(counter.count)
    assert counted[:2] == counted[2:] and max(counted) <= 12


def test_a_teams_page_lists_its_people_a_page_at_a_time(client, admin):
    east, west = make_team("East"), make_team("West")
    _staff(east, 60)
    _staff(west, 3, start=500)
    teams = client.get("/admin/teams").get_data(as_text=True)
    assert 'govuk-table__cell--numeric">60</td>' in teams
    assert 'govuk-table__cell--numeric">3</td>' in teams
    assert "Member 000" not in teams  # counted there, listed on the team's page
    first = client.get(f"/admin/teams/{east.id}").get_data(as_text=True)
    assert first.count("Member 0") == 50 and "Member 500" not in first
    assert "Showing 1 to 50 of 60 people" in first
    assert f'href="/admin/teams/{east.id}?page=2"' in first
    second = client.get(f"/admin/teams/{east.id}?page=2").get_data(as_text=True)
    assert second.count("Member 0") == 10 and "Member 059" in second
    empty = client.get(f"/admin/teams/{make_team('North').id}").get_data(as_text=True)
    assert "Nobody is in this team yet." in empty
