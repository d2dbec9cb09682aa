"""Who may see an NQSW's progress page: read with the person in one statement."""

import pytest

from nqsw_visits.core.extensions import db
from nqsw_visits.people.models import Role
from tests.factories import assign_mentor, make_manager_of, make_team, make_user


@pytest.fixture
def people(app):
    team, other_team = make_team(), make_team()
    nqsw = make_user(Role.NQSW, team=team)
    mentor = make_user(Role.MENTOR)
    manager = make_user(Role.PRACTICE_MANAGER)
    # A practice manager who also mentors this NQSW, and leads another team.
    mentoring_manager = make_user(Role.PRACTICE_MANAGER, Role.MENTOR)
    other_manager = make_user(Role.PRACTICE_MANAGER)
    assign_mentor(nqsw, mentor)
    assign_mentor(nqsw, mentoring_manager)
    make_manager_of(team, manager)
    make_manager_of(other_team, mentoring_manager)
    make_manager_of(other_team, other_manager)
    return {
        "nqsw": nqsw,
        "mentor": mentor,
        "manager": manager,
        "mentoring manager": mentoring_manager,
        "other manager": other_manager,
        "other mentor": make_user(Role.MENTOR),
        "other nqsw": make_user(Role.NQSW, team=team),
        "admin": make_user(Role.ADMIN),
        # Holds a manager's role on no team, and the NQSW's team has no say over them.
        "managing nobody": make_user(Role.PRACTICE_MANAGER, team=team),
    }


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("nqsw", 200),
        ("mentor", 200),
        ("manager", 200),
        ("mentoring manager", 200),
        ("other manager", 404),
        ("other mentor", 404),
        ("other nqsw", 404),
        ("admin", 404),
        ("managing nobody", 404),
    ],
)
def test_only_the_nqsw_their_mentors_and_their_manager_see_progress(
    people, client_for, who, status
):
    page = client_for(people[who]).get(f"/people/{people['nqsw'].id}/progress")
    assert page.status_code == status
    if status == 200:
        assert people["nqsw"].display_name in page.get_data(as_text=True)


def test_no_one_sees_the_progress_of_someone_who_does_not_exist(people, client_for):
    assert client_for(people["manager"]).get("/people/999999/progress").status_code == 404


def test_an_nqsw_whose_team_is_gone_is_seen_by_mentors_only(people, client_for):
    people["nqsw"].team_id = None
    db.session.commit()
    path = f"/people/{people['nqsw'].id}/progress"
    assert client_for(people["mentor"]).get(path).status_code == 200
    assert client_for(people["manager"]).get(path).status_code == 404


def test_a_manager_reads_the_person_and_their_access_in_one_statement(
    people, client_for, count_queries
):
    client = client_for(people["manager"])
    path = f"/people/{people['nqsw'].id}/progress"
    client.get(path)
    with count_queries() as seen:
        assert client.get(path).status_code == 200
    people_reads = [s for s in seen.statements if "FROM users" in s and "user_sessions" not in s]
    assert len(people_reads) == 1
    checks = ("SELECT team_managers.", "SELECT mentor_assignments.")
    assert not [s for s in seen.statements if s.lstrip().startswith(checks)]
