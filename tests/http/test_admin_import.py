"""Importing people from a CSV file, on the web and with `flask import-users`: all or nothing."""

import io
import re

import pytest
from sqlalchemy import func, select

from nqsw_visits.core.extensions import db
from nqsw_visits.people.models import AuditEvent, Role, Team, User
from tests.conftest import sign_in
from tests.factories import make_team, make_user

GOOD_CSV = (
    "email,name,roles,team\n"
    "Amira.Hassan@Example.org,Amira Hassan,nqsw,Family Support East\n"
    "grace@example.org,Grace Mensah,mentor;practice_manager,Family Support West\n"
    "tom@example.org,Tom Whitfield,Mentor,family support east\n"
    "sam@example.org,Sam Taylor,admin,\n"
)

# Each bad line, the words its problem is reported with.
BAD_CSV = (
    "email,name,roles,team\n"
    "good@example.org,Good Person,nqsw,Team A\n"  # line 2 is fine
    "not-an-email,Bad Email,nqsw,Team A\n"  # 3
    "role@example.org,Unknown Role,nqsw;wizard,Team A\n"  # 4
    "noname@example.org,,mentor,Team A\n"  # 5
    "GOOD@example.org,Repeated,nqsw,Team A\n"  # 6
    "taken@example.org,Already Here,nqsw,Team A\n"  # 7
    "extra@example.org,Too Many,nqsw,Team A,surplus\n"  # 8
    "noroles@example.org,No Roles,,Team A\n"  # 9
    "nul@example.org,Nul\x00Name,nqsw,Team A\n"  # 10
    f"longteam@example.org,Long Team,nqsw,{'T' * 121}\n"  # 11
)
BAD_LINES = {
    3: "correct format",
    4: "unknown role &#39;wizard&#39;",
    5: "name is empty",
    6: "email repeats line 2",
    7: "an account with this email already exists",
    8: "too many columns",
    9: "no role given",
    10: "name contains a control character",
    11: "team is longer than 120 characters",
}


def counts() -> tuple[int, int, int]:
    return (
        db.session.scalar(select(func.count(User.id))),
        db.session.scalar(select(func.count(Team.id))),
        db.session.scalar(
            select(func.count(AuditEvent.id)).where(AuditEvent.action != "signin.succeeded")
        ),
    )


def check_good_import_stored() -> None:
    people = {u.email: u for u in db.session.scalars(select(User))}
    amira, grace, tom = (
        people[e] for e in ["amira.hassan@example.org", "grace@example.org", "tom@example.org"]
    )
    assert amira.display_name == "Amira Hassan"
    assert amira.roles == {Role.NQSW}
    assert grace.roles == {Role.MENTOR, Role.PRACTICE_MANAGER}
    assert tom.roles == {Role.MENTOR}
    assert people["sam@example.org"].team is None
    assert amira.team.name == "Family Support East"
    assert tom.team_id == amira.team_id  # the team name matched whatever its case
    assert grace.team.name == "Family Support West"
    assert sorted(db.session.scalars(select(Team.name))) == [
        "Family Support East",
        "Family Support West",
    ]
    actions = list(db.session.scalars(select(AuditEvent.action)))
    assert actions.count("user.created") == 4
    assert actions.count("team.created") == 2
    assert actions.count("users.imported") == 1


@pytest.fixture
def admin(client):
    user = make_user(Role.ADMIN, email="admin@example.org")
    sign_in(client, user)
    return user


def upload(client, text: str, filename: str = "people.csv"):
    return client.post(
        "/admin/people/import",
        data={"file": (io.BytesIO(text.encode("utf-8")), filename)},
        content_type="multipart/form-data",
    )


# On the web


def test_a_good_file_creates_everyone_and_the_missing_teams(client, admin):
    response = upload(client, "\ufeff" + GOOD_CSV)  # as Excel saves it, with a BOM
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/people"
    check_good_import_stored()
    page = client.get("/admin/people").get_data(as_text=True)
    assert "4 people imported" in page


def test_an_existing_team_is_reused(client, admin):
    team = make_team("Family Support East")
    upload(client, GOOD_CSV)
    amira = db.session.scalar(select(User).where(User.email == "amira.hassan@example.org"))
    assert amira.team_id == team.id


def test_a_bad_file_reports_every_bad_line_and_imports_nothing(client, admin):
    make_user(email="taken@example.org")
    before = counts()
    response = upload(client, BAD_CSV)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Nothing was imported" in html
    reported = dict(re.findall(r'<a href="#file">Line (\d+): ([^<]*)</a>', html))
    assert set(map(int, reported)) == set(BAD_LINES)
    for line, words in BAD_LINES.items():
        assert words in reported[str(line)], (line, reported[str(line)])
    assert counts() == before


@pytest.mark.parametrize(
    "header",
    ["email,name,team,roles", "email,name,roles", "mail,name,roles,team", ""],
)
def test_a_wrong_header_imports_nothing(client, admin, header):
    before = counts()
    response = upload(client, header + "\nann@example.org,Ann,nqsw,Team A\n")
    assert response.status_code == 422
    assert "Line 1: the header must be exactly: email,name,roles,team" in response.get_data(
        as_text=True
    )
    assert counts() == before


def test_a_header_in_capitals_is_accepted(client, admin):
    response = upload(client, "Email, Name ,ROLES,Team\nann@example.org,Ann Lee,nqsw,\n")
    assert response.status_code == 302
    assert db.session.scalar(select(User.display_name).where(User.email == "ann@example.org")) == (
        "Ann Lee"
    )


def test_a_file_with_no_rows_imports_nothing(client, admin):
    response = upload(client, "email,name,roles,team\n")
    assert response.status_code == 422
    assert "the file has no rows to import" in response.get_data(as_text=True)


def test_no_file_is_an_error(client, admin):
    response = client.post("/admin/people/import", data={}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert 'href="#file"' in response.get_data(as_text=True)
    assert "Select a CSV file" in response.get_data(as_text=True)


def test_a_file_that_is_not_text_imports_nothing(client, admin):
    before = counts()
    response = client.post(
        "/admin/people/import",
        data={"file": (io.BytesIO(bytes(range(256)) * 4), "people.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert counts() == before


def test_a_huge_field_is_reported_not_a_crash(client, admin):
    before = counts()
    response = upload(
        client, "email,name,roles,team\n" + "a@example.org," + "x" * 200_000 + ",nqsw,\n"
    )
    assert response.status_code == 422
    assert "Nothing was imported" in response.get_data(as_text=True)
    assert counts() == before


# On the command line


def write(tmp_path, text: str):
    path = tmp_path / "people.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_the_command_imports_a_good_file(runner, tmp_path):
    result = runner.invoke(args=["import-users", write(tmp_path, GOOD_CSV)])
    assert result.exit_code == 0, result.output
    assert "Imported 4 people" in result.output
    assert "Created team Family Support East." in result.output
    check_good_import_stored()


def test_the_command_refuses_a_bad_file_and_lists_every_problem(runner, tmp_path):
    make_user(email="taken@example.org")
    before = counts()
    result = runner.invoke(args=["import-users", write(tmp_path, BAD_CSV)])
    assert result.exit_code != 0
    for line in BAD_LINES:
        assert f"line {line}: " in result.output
    assert "line 2:" not in result.output
    assert f"Nothing imported: {len(BAD_LINES)} problem(s)." in result.output
    assert counts() == before


def test_the_command_refuses_a_wrong_header(runner, tmp_path):
    before = counts()
    result = runner.invoke(args=["import-users", write(tmp_path, "e-mail,name\nx@y.org,X\n")])
    assert result.exit_code != 0
    assert "line 1: the header must be exactly" in result.output
    assert counts() == before


def test_the_command_refuses_a_missing_file(runner, tmp_path):
    result = runner.invoke(args=["import-users", str(tmp_path / "absent.csv")])
    assert result.exit_code != 0
    assert "No such file" in result.output
