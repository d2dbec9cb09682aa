"""The `flask create-user` and `flask demo-data` commands."""

from sqlalchemy import func, select

from nqsw_visits.core.extensions import db
from nqsw_visits.demo.team import DEMO_PASSWORD
from nqsw_visits.people import passwords
from nqsw_visits.people.models import AuditEvent, MentorAssignment, Role, Team, TeamManager, User
from tests.conftest import sign_in
from tests.factories import make_team, make_user

PASSWORD = "copper kettle harbour lantern"


def create_user(runner, *extra: str, email="Grace@Example.org", roles="mentor;admin", typed=None):
    args = ["create-user", "--email", email, "--name", "Grace Mensah", "--roles", roles, *extra]
    return runner.invoke(args=args, input=typed or f"{PASSWORD}\n{PASSWORD}\n")


def stored(email: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


def user_count() -> int:
    return db.session.scalar(select(func.count(User.id)))


def test_create_user_stores_the_person_with_their_password(runner, client):
    result = create_user(runner, "--team", "Family Support East")
    assert result.exit_code == 0, result.output
    assert "Created grace@example.org (admin, mentor)." in result.output
    assert PASSWORD not in result.output
    user = stored("grace@example.org")
    assert user.display_name == "Grace Mensah"
    assert user.roles == {Role.MENTOR, Role.ADMIN}
    assert user.team.name == "Family Support East"
    assert user.password_hash.startswith("$argon2id$")
    assert passwords.verify(user.password_hash, PASSWORD)
    actions = list(db.session.scalars(select(AuditEvent.action)))
    assert actions.count("user.created") == 1
    assert actions.count("team.created") == 1
    sign_in(client, user, PASSWORD)


def test_create_user_reuses_a_team_whatever_its_case(runner):
    team = make_team("Family Support East")
    result = create_user(runner, "--team", " family support EAST ")
    assert result.exit_code == 0, result.output
    assert stored("grace@example.org").team_id == team.id
    assert db.session.scalar(select(func.count(Team.id))) == 1


def test_a_weak_password_is_asked_for_again(runner):
    typed = f"short\nshort\npassword1234\npassword1234\n{PASSWORD}\n{PASSWORD}\n"
    result = create_user(runner, typed=typed)
    assert result.exit_code == 0, result.output
    assert "Password must be 12 characters or more" in result.output
    assert "Password is too easy to guess" in result.output
    assert passwords.verify(stored("grace@example.org").password_hash, PASSWORD)


def test_passwords_that_do_not_match_are_asked_for_again(runner):
    typed = f"{PASSWORD}\nsomething else entirely\n{PASSWORD}\n{PASSWORD}\n"
    result = create_user(runner, typed=typed)
    assert result.exit_code == 0, result.output
    assert "do not match" in result.output
    assert stored("grace@example.org") is not None


def test_an_unknown_role_is_refused_before_the_password(runner):
    result = create_user(runner, roles="mentor;wizard")
    assert result.exit_code == 2
    assert "unknown role 'wizard'" in result.output
    assert "Password" not in result.output
    assert user_count() == 0


def test_an_email_in_use_is_refused(runner):
    make_user(email="grace@example.org")
    result = create_user(runner, email="GRACE@example.org")
    assert result.exit_code == 1
    assert "An account with that email address already exists" in result.output
    assert user_count() == 1


def test_a_bad_email_is_refused_and_no_team_is_left_behind(runner):
    result = create_user(runner, "--team", "New Team", email="grace at example")
    assert result.exit_code == 1
    assert "correct format" in result.output
    assert user_count() == 0
    assert db.session.scalar(select(func.count(Team.id))) == 0


def test_demo_data_loads_a_team_once(runner, client):
    result = runner.invoke(args=["demo-data"])
    assert result.exit_code == 0, result.output
    assert f"Every demo account's password is: {DEMO_PASSWORD}" in result.output
    users = list(db.session.scalars(select(User)))
    roles = [role for user in users for role in user.roles]
    assert len(users) == 9
    assert roles.count(Role.ADMIN) == 1
    assert roles.count(Role.PRACTICE_MANAGER) == 1
    assert roles.count(Role.MENTOR) == 2
    assert roles.count(Role.NQSW) == 5
    (team,) = db.session.scalars(select(Team))
    assert {user.team_id for user in users} == {team.id}
    manager = next(u for u in users if Role.PRACTICE_MANAGER in u.roles)
    assert db.session.scalar(select(TeamManager.user_id)) == manager.id
    mentored = set(db.session.scalars(select(MentorAssignment.nqsw_id)))
    assert len(mentored) == 4  # one NQSW is left without a mentor, to show the gap

    before = (
        user_count(),
        db.session.scalar(select(func.count(AuditEvent.id))),
        db.session.scalar(select(func.count(MentorAssignment.nqsw_id))),
    )
    again = runner.invoke(args=["demo-data"])
    assert again.exit_code == 0
    assert "demo data not loaded" in again.output
    assert DEMO_PASSWORD not in again.output
    after = (
        user_count(),
        db.session.scalar(select(func.count(AuditEvent.id))),
        db.session.scalar(select(func.count(MentorAssignment.nqsw_id))),
    )
    assert after == before

    sign_in(client, manager, DEMO_PASSWORD)
    page = client.get("/my-team").get_data(as_text=True)
    assert "No mentor" in page
