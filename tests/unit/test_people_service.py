"""People and teams rules, tested without HTTP."""

import pytest
from sqlalchemy import func, select

from nqsw_visits.core.extensions import db
from nqsw_visits.people import rules as people
from nqsw_visits.people.models import MentorAssignment, Role, User
from nqsw_visits.people.user_import import import_users, parse_roles
from tests.factories import make_team, make_user


def test_email_is_unique_whatever_its_case(app):
    people.create_user(None, email="Grace@Example.org", display_name="Grace", roles=[Role.MENTOR])
    with pytest.raises(people.PeopleError, match="already exists"):
        people.create_user(None, email="GRACE@example.org", display_name="G", roles=[Role.NQSW])


def test_a_person_needs_a_role_and_a_real_email(app):
    with pytest.raises(people.PeopleError, match="at least one role"):
        people.create_user(None, email="a@example.org", display_name="A", roles=[])
    with pytest.raises(people.PeopleError, match="correct format"):
        people.create_user(None, email="not-an-email", display_name="A", roles=[Role.NQSW])


def test_the_last_active_admin_cannot_be_removed(app):
    admin = make_user(Role.ADMIN)
    with pytest.raises(people.PeopleError, match="at least one active administrator"):
        people.update_user(
            admin, admin, email=admin.email, display_name="A", roles=[Role.MENTOR], team_id=None
        )
    other = make_user(Role.ADMIN)
    with pytest.raises(people.PeopleError, match="your own account"):
        people.set_active(admin, admin, False)
    people.set_active(admin, other, False)
    with pytest.raises(people.PeopleError, match="at least one active administrator"):
        people.update_user(
            other, admin, email=admin.email, display_name="A", roles=[Role.NQSW], team_id=None
        )


def test_only_mentors_can_be_assigned_and_never_oneself(app):
    nqsw, mentor, not_mentor = make_user(Role.NQSW), make_user(Role.MENTOR), make_user(Role.NQSW)
    admin = make_user(Role.ADMIN)
    with pytest.raises(people.PeopleError):
        people.set_mentors(admin, nqsw, [mentor.id, not_mentor.id])
    with pytest.raises(people.PeopleError):
        people.set_mentors(admin, mentor, [mentor.id])
    people.set_mentors(admin, nqsw, [mentor.id])
    db.session.commit()
    assert [m.id for m in nqsw.mentors] == [mentor.id]
    people.set_mentors(admin, nqsw, [])
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(MentorAssignment)) == 0


def test_team_names_are_unique_ignoring_case_and_spacing(app):
    make_team("Family Support East")
    with pytest.raises(people.PeopleError, match="already exists"):
        people.create_team(None, "  family   support EAST ")


@pytest.mark.parametrize(
    ("text", "roles"),
    [
        ("nqsw", {Role.NQSW}),
        ("Mentor; practice_manager", {Role.MENTOR, Role.PRACTICE_MANAGER}),
        ("mentor|Administrator", {Role.MENTOR, Role.ADMIN}),
    ],
)
def test_roles_parse_by_value_or_label(text, roles):
    assert parse_roles(text) == roles


def test_import_reports_every_bad_row_and_imports_nothing(app):
    make_user(email="taken@example.org")
    before = db.session.scalar(select(func.count(User.id)))
    result = import_users(
        None,
        "email,name,roles,team\n"
        "ok@example.org,Fine Person,nqsw,East\n"
        "bad-email,Someone,nqsw,East\n"
        "b@example.org,,mentor,\n"
        "c@example.org,Cee,wizard,\n"
        "ok@example.org,Again,nqsw,\n"
        "taken@example.org,Taken,nqsw,\n",
    )
    assert [line for line, _ in result.errors] == [3, 4, 5, 6, 7]
    assert "repeats line 2" in dict(result.errors)[6]
    db.session.rollback()
    assert db.session.scalar(select(func.count(User.id))) == before


def test_import_creates_people_and_missing_teams(app):
    result = import_users(
        None, "email,name,roles,team\na@example.org,Ann,nqsw,East\nb@example.org,Bo,mentor;admin,\n"
    )
    assert result.errors == [] and result.teams_created == ["East"]
    bo = db.session.scalar(select(User).where(User.email == "b@example.org"))
    assert bo.roles == {Role.MENTOR, Role.ADMIN} and bo.team is None
