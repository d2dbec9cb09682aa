"""`flask load-framework`, and administrators choosing the standards each team uses."""

import json

import pytest
from sqlalchemy import func, select

from nqsw_visits.core.extensions import db
from nqsw_visits.observations import standards as frameworks
from nqsw_visits.observations.models import Framework, Standard
from nqsw_visits.people.models import AuditEvent, Role
from tests.conftest import sign_in
from tests.factories import make_team, make_user


def write_framework(tmp_path, standards=None, name="Early career framework", **fields):
    """A framework file for early-career; twelve standards unless told."""
    titles = standards if standards is not None else [f"Standard {n}" for n in range(1, 13)]
    data = {
        "code": "early-career",
        "name": name,
        "source": "Test data",
        "standards": [{"code": f"EC{n}", "title": t} for n, t in enumerate(titles, 1)],
        **fields,
    }
    path = tmp_path / "framework.json"
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return path


def load(runner, path, *teams: str):
    args = ["load-framework", str(path)]
    for team in teams:
        args += ["--team", team]
    return runner.invoke(args=args)


def early_career() -> Framework | None:
    db.session.expire_all()
    return frameworks.framework_by_code("early-career")


def audit(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def chosen_codes(team) -> set[str]:
    db.session.expire_all()
    ids = frameworks.team_framework_ids(team.id)
    return set(db.session.scalars(select(Framework.code).where(Framework.id.in_(ids))))


def test_load_framework_adds_a_framework_and_says_what_it_did(runner, tmp_path):
    result = load(runner, write_framework(tmp_path))
    assert result.exit_code == 0, result.output
    assert result.output == "Early career framework: 12 standards added, 0 updated, 0 retired.\n"
    framework = early_career()
    assert [s.code for s in framework.standards] == [f"EC{n}" for n in range(1, 13)]
    assert len(audit("framework.loaded")) == 1


def test_reloading_a_framework_updates_and_retires(runner, tmp_path):
    load(runner, write_framework(tmp_path, ["One", "Two", "Three"]))
    result = load(runner, write_framework(tmp_path, ["One, renamed", "Two"]))
    assert result.exit_code == 0, result.output
    assert "0 standards added, 1 updated, 1 retired." in result.output
    result = load(runner, write_framework(tmp_path, ["One, renamed", "Two", "Three", "Four"]))
    assert "1 standard added, 1 updated, 0 retired." in result.output
    assert [(s.title, s.retired) for s in early_career().standards] == [
        ("One, renamed", False),
        ("Two", False),
        ("Three", False),
        ("Four", False),
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"code": "early-career",', "The file is not valid JSON: line 1"),
        (b"\xff\xfe not text", "The file is not UTF-8 text"),
        (
            '{"code": "early-career", "name": "EC", "standards": [{"code": "EC1"}]}',
            "Standard 1 (EC1) has no title",
        ),
    ],
    ids=["bad json", "not utf-8", "no title"],
)
def test_a_bad_file_is_refused_and_nothing_is_loaded(runner, tmp_path, content, message):
    path = tmp_path / "framework.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    result = load(runner, path)
    assert result.exit_code == 1
    assert f"Error: {message}" in result.output
    assert "Nothing was loaded." in result.output
    assert early_career() is None
    assert audit("framework.loaded") == []


def test_a_missing_file_is_refused(runner, tmp_path):
    result = load(runner, tmp_path / "missing.json")
    assert result.exit_code != 0
    assert "No such file" in result.output
    assert early_career() is None


def test_load_framework_with_teams_adds_it_to_their_choices(runner, tmp_path):
    chooses = make_team("Family Support East")
    every = make_team("Adult Care North")
    frameworks.set_team_frameworks(None, chooses, [frameworks.framework_by_code("pcf").id])
    db.session.commit()
    result = load(runner, write_framework(tmp_path), "family support  EAST", "Adult Care North")
    assert result.exit_code == 0, result.output
    assert "Family Support East now uses Early career framework." in result.output
    assert "Adult Care North uses every framework, this one included." in result.output
    assert chosen_codes(chooses) == {"pcf", "early-career"}
    assert chosen_codes(every) == set()
    result = load(runner, write_framework(tmp_path), "Family Support East")
    assert "Family Support East already uses Early career framework." in result.output
    assert len(audit("team.frameworks_set")) == 2


def test_an_unknown_team_means_nothing_is_loaded(runner, tmp_path):
    make_team("Family Support East")
    result = load(runner, write_framework(tmp_path), "Family Support East", "Nowhere Team")
    assert result.exit_code == 1
    assert "There is no team called 'Nowhere Team'. Nothing was loaded." in result.output
    assert early_career() is None


@pytest.fixture
def admin(client):
    user = make_user(Role.ADMIN)
    sign_in(client, user)
    return user


def test_an_admin_sees_every_framework_on_the_team_page(client, admin):
    team = make_team("Family Support East")
    html = client.get(f"/admin/teams/{team.id}").get_data(as_text=True)
    assert "Professional standards this team uses" in html
    assert "Leave all unticked to use every framework." in html
    assert "Professional Capabilities Framework" in html
    assert "Knowledge and Skills Statement for child and family social work" in html
    assert "checked" not in html


def test_an_admin_saves_a_teams_frameworks(client, admin):
    team = make_team("Family Support East")
    manager = make_user(Role.PRACTICE_MANAGER, name="Priya Shah")
    pcf = frameworks.framework_by_code("pcf")
    response = client.post(
        f"/admin/teams/{team.id}", data={"people": [manager.id], "frameworks": [pcf.id]}
    )
    assert response.status_code == 302
    assert chosen_codes(team) == {"pcf"}
    (event,) = audit("team.frameworks_set")
    assert (event.actor_id, event.object_id) == (admin.id, team.id)
    assert json.loads(event.detail) == {"framework_ids": [pcf.id]}
    html = client.get("/admin/teams").get_data(as_text=True)
    assert "Practice managers saved, and the standards Family Support East uses" in html
    assert '<td class="govuk-table__cell">Professional Capabilities Framework</td>' in html
    page = client.get(f"/admin/teams/{team.id}").get_data(as_text=True)
    assert f'value="{pcf.id}" checked' in page
    # Unticking every box puts the team back on every framework.
    client.post(f"/admin/teams/{team.id}", data={"people": [manager.id]})
    assert chosen_codes(team) == set()
    assert '<td class="govuk-table__cell">All frameworks</td>' in client.get(
        "/admin/teams"
    ).get_data(as_text=True)


def test_an_unknown_framework_is_refused_and_nothing_is_saved(client, admin):
    team = make_team()
    manager = make_user(Role.PRACTICE_MANAGER)
    pcf = frameworks.framework_by_code("pcf")
    response = client.post(
        f"/admin/teams/{team.id}", data={"people": [manager.id], "frameworks": [pcf.id, 4242]}
    )
    assert response.status_code == 422
    assert 'href="#frameworks"' in response.get_data(as_text=True)
    assert chosen_codes(team) == set()
    assert audit("team.managers_set") == []


def test_the_teams_page_does_not_query_per_team(client, admin, count_queries):
    pcf = frameworks.framework_by_code("pcf")

    def queries_with(teams: int) -> int:
        for _ in range(teams):
            frameworks.set_team_frameworks(None, make_team(), [pcf.id])
        db.session.commit()
        with count_queries() as counter:
            assert client.get("/admin/teams").status_code == 200
        return counter.count

    assert queries_with(1) == queries_with(4)


@pytest.mark.parametrize("role", [Role.PRACTICE_MANAGER, Role.MENTOR, Role.NQSW])
def test_only_admins_choose_a_teams_frameworks(client, role):
    team = make_team()
    sign_in(client, make_user(role, team=team))
    pcf = frameworks.framework_by_code("pcf")
    assert client.get(f"/admin/teams/{team.id}").status_code == 403
    response = client.post(f"/admin/teams/{team.id}", data={"frameworks": [pcf.id]})
    assert response.status_code == 403
    assert chosen_codes(team) == set()
    assert db.session.scalar(select(func.count()).select_from(Standard)) == 19
