"""Administrators add, change, deactivate and reset people, and choose mentors."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from nqsw_visits.core import clock
from nqsw_visits.core.extensions import db
from nqsw_visits.people.models import AuditEvent, MentorAssignment, Role, User
from tests.conftest import sign_in
from tests.factories import DEFAULT_PASSWORD, assign_mentor, make_team, make_user

NEW_PASSWORD = "copper kettle harbour lantern"


@pytest.fixture
def admin(client):
    """A signed-in administrator."""
    user = make_user(Role.ADMIN, name="Sam Admin")
    sign_in(client, user)
    return user


def audit(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def user_count() -> int:
    return db.session.scalar(select(func.count(User.id)))


def by_email(email: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


def new_person(**overrides) -> dict:
    data = {
        "display_name": "Grace Mensah",
        "email": "Grace.Mensah@Example.ORG",
        "roles": ["mentor", "nqsw"],
        "team": "0",
        "new_password": NEW_PASSWORD,
        "confirm_password": NEW_PASSWORD,
    }
    return {**data, **overrides}


def details(user: User, **overrides) -> dict:
    data = {
        "display_name": user.display_name,
        "email": user.email,
        "roles": [role.value for role in user.sorted_roles],
        "team": str(user.team_id or 0),
    }
    return {**data, **overrides}


def error_summary(html: str) -> str:
    """The GOV.UK error summary's markup (fails if there is none)."""
    start = html.index('class="govuk-error-summary"')
    return html[start : html.index("</ul>", start)]


# Adding a person


def test_adding_a_person_stores_them_and_says_so(client, admin):
    team = make_team("Family Support West")
    response = client.post("/admin/people/new", data=new_person(team=str(team.id)))
    user = by_email("grace.mensah@example.org")
    assert user is not None
    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/people/{user.id}"
    assert user.roles == {Role.MENTOR, Role.NQSW}
    assert user.team_id == team.id
    assert user.password_hash.startswith("$argon2id$")
    (event,) = audit("user.created")
    assert (event.actor_id, event.object_id) == (admin.id, user.id)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "govuk-notification-banner--success" in page
    assert "Grace Mensah has been added" in page


def test_a_new_person_can_sign_in_with_their_first_password(client, admin):
    client.post("/admin/people/new", data=new_person())
    fresh = client.application.test_client()
    response = fresh.post(
        "/sign-in", data={"email": "grace.mensah@example.org", "password": NEW_PASSWORD}
    )
    assert response.status_code == 302


def test_an_email_already_used_in_another_case_is_refused(client, admin):
    make_user(email="grace.mensah@example.org")
    before = user_count()
    response = client.post("/admin/people/new", data=new_person(email="GRACE.Mensah@example.org"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    summary = error_summary(html)
    assert 'href="#email"' in summary
    assert "An account with that email address already exists" in summary
    assert user_count() == before
    assert audit("user.created") == []


@pytest.mark.parametrize(
    ("overrides", "anchor", "message"),
    [
        ({"roles": []}, "#roles", "Select at least one role"),
        ({"email": "grace at example"}, "#email", "Enter an email address in the correct format"),
        ({"email": ""}, "#email", "Enter an email address"),
        ({"display_name": ""}, "#display_name", "Enter the person&#39;s full name"),
        ({"display_name": "   "}, "#display_name", "full name"),
        (
            {"new_password": "password1234", "confirm_password": "password1234"},
            "#new_password",
            "Password is too easy to guess",
        ),
        (
            {"new_password": "short", "confirm_password": "short"},
            "#new_password",
            "Password must be 12 characters or more",
        ),
        ({"confirm_password": "something else entirely"}, "#confirm_password", "do not match"),
        ({"team": "999"}, "#team", "Not a valid choice"),
        ({"roles": ["superuser"]}, "#roles", "not a valid choice"),
    ],
)
def test_bad_details_are_refused_and_nothing_is_stored(client, admin, overrides, anchor, message):
    before = user_count()
    response = client.post("/admin/people/new", data=new_person(**overrides))
    assert response.status_code == 422
    summary = error_summary(response.get_data(as_text=True))
    assert f'href="{anchor}"' in summary
    assert message in summary
    assert user_count() == before


def test_the_form_keeps_what_was_typed_after_an_error(client, admin):
    team = make_team("Family Support West")
    response = client.post(
        "/admin/people/new",
        data=new_person(email="not an email", team=str(team.id), roles=["mentor"]),
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="Grace Mensah"' in html
    assert 'value="not an email"' in html
    assert 'value="mentor" checked' in html
    assert 'value="nqsw" checked' not in html
    assert f'value="{team.id}" selected' in html
    assert NEW_PASSWORD not in html


# Changing a person


def test_changing_details_roles_and_team_is_stored_and_audited(client, admin):
    team = make_team("Family Support West")
    person = make_user(Role.NQSW, name="Ben Carter", email="ben@example.org")
    response = client.post(
        f"/admin/people/{person.id}",
        data=details(person, display_name="Ben Carter-Smith", roles=["mentor"], team=team.id),
    )
    assert response.status_code == 302
    changed = by_email("ben@example.org")
    assert changed.display_name == "Ben Carter-Smith"
    assert changed.roles == {Role.MENTOR}
    assert changed.team_id == team.id
    (event,) = audit("user.updated")
    assert event.object_id == person.id
    assert '"changed": ["display_name", "roles", "team"]' in event.detail
    page = client.get(f"/admin/people/{person.id}").get_data(as_text=True)
    assert "The changes have been saved" in page


def test_changing_email_to_someone_elses_is_refused(client, admin):
    make_user(email="taken@example.org")
    person = make_user(email="ben@example.org")
    response = client.post(f"/admin/people/{person.id}", data=details(person, email="TAKEN@x.org"))
    assert response.status_code == 302  # a different address: allowed
    response = client.post(
        f"/admin/people/{person.id}", data=details(person, email="Taken@Example.org")
    )
    assert response.status_code == 422
    assert "already exists" in error_summary(response.get_data(as_text=True))
    assert by_email("taken@x.org").id == person.id


def test_the_last_active_admin_keeps_the_admin_role(client, admin):
    response = client.post(f"/admin/people/{admin.id}", data=details(admin, roles=["mentor"]))
    assert response.status_code == 422
    summary = error_summary(response.get_data(as_text=True))
    assert "There must always be at least one active administrator" in summary
    assert by_email(admin.email).roles == {Role.ADMIN}
    assert audit("user.updated") == []


def test_an_admin_role_can_go_when_another_admin_is_active(client, admin):
    other = make_user(Role.ADMIN, Role.MENTOR)
    response = client.post(f"/admin/people/{other.id}", data=details(other, roles=["mentor"]))
    assert response.status_code == 302
    assert by_email(other.email).roles == {Role.MENTOR}


def test_an_unknown_person_is_not_found(client, admin):
    assert client.get("/admin/people/9999").status_code == 404
    assert client.post("/admin/people/9999/active", data={"active": "0"}).status_code == 404


# Deactivating and reactivating


def test_deactivating_with_htmx_swaps_only_the_account_status(client, admin):
    person = make_user(Role.MENTOR)
    response = client.post(
        f"/admin/people/{person.id}/active", data={"active": "0"}, headers={"HX-Request": "true"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html
    assert "Account deactivated" in html
    assert "Reactivate" in html
    assert by_email(person.email).active is False
    (event,) = audit("user.deactivated")
    assert (event.actor_id, event.object_id) == (admin.id, person.id)

    response = client.post(
        f"/admin/people/{person.id}/active", data={"active": "1"}, headers={"HX-Request": "true"}
    )
    assert "Account reactivated" in response.get_data(as_text=True)
    assert by_email(person.email).active is True
    assert len(audit("user.activated")) == 1


def test_deactivating_without_javascript_redirects_with_a_banner(client, admin):
    person = make_user(Role.MENTOR)
    response = client.post(f"/admin/people/{person.id}/active", data={"active": "0"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/people/{person.id}"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "govuk-notification-banner--success" in page
    assert "Account deactivated" in page
    assert by_email(person.email).active is False


def test_you_cannot_deactivate_yourself(client, admin):
    response = client.post(
        f"/admin/people/{admin.id}/active", data={"active": "0"}, headers={"HX-Request": "true"}
    )
    html = response.get_data(as_text=True)
    assert "You cannot deactivate your own account" in html
    assert "There is a problem" in html
    assert by_email(admin.email).active is True
    assert audit("user.deactivated") == []
    response = client.post(f"/admin/people/{admin.id}/active", data={"active": "0"})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "You cannot deactivate your own account" in page
    assert by_email(admin.email).active is True


def test_deactivation_ends_the_persons_sessions(client, admin):
    person = make_user(Role.MENTOR)
    their_client = client.application.test_client()
    sign_in(their_client, person)
    assert their_client.get("/mentoring").status_code == 200
    client.post(f"/admin/people/{person.id}/active", data={"active": "0"})
    response = their_client.get("/mentoring")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")
    refused = their_client.post(
        "/sign-in", data={"email": person.email, "password": DEFAULT_PASSWORD}
    )
    assert refused.status_code == 422


# Resetting a password


def test_resetting_a_password_replaces_it_and_unlocks_the_account(client, admin):
    person = make_user(Role.NQSW)
    person.failed_logins, person.locked_until = 3, clock.now() + timedelta(minutes=10)
    db.session.commit()
    response = client.post(
        f"/admin/people/{person.id}/password",
        data={"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD},
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"A new password has been set for {person.display_name}" in page
    stored = by_email(person.email)
    assert (stored.failed_logins, stored.locked_until) == (0, None)
    (event,) = audit("user.password_reset")
    assert (event.actor_id, event.object_id) == (admin.id, person.id)
    fresh = client.application.test_client()
    old = fresh.post("/sign-in", data={"email": person.email, "password": DEFAULT_PASSWORD})
    assert old.status_code == 422
    new = fresh.post("/sign-in", data={"email": person.email, "password": NEW_PASSWORD})
    assert new.status_code == 302


def test_a_weak_reset_password_is_refused(client, admin):
    person = make_user(Role.NQSW, email="benjamin@example.org")
    before = person.password_hash
    response = client.post(
        f"/admin/people/{person.id}/password",
        data={"new_password": "benjamin-the-great", "confirm_password": "benjamin-the-great"},
    )
    assert response.status_code == 422
    assert "too easy to guess" in error_summary(response.get_data(as_text=True))
    assert by_email(person.email).password_hash == before
    assert audit("user.password_reset") == []


# Mentors


def test_setting_mentors_stores_them(client, admin):
    nqsw = make_user(Role.NQSW, name="Amira Hassan")
    first, second = make_user(Role.MENTOR, name="Grace"), make_user(Role.MENTOR, name="Tom")
    page = client.get(f"/admin/people/{nqsw.id}/mentors").get_data(as_text=True)
    assert "Grace" in page and "Tom" in page
    response = client.post(f"/admin/people/{nqsw.id}/mentors", data={"people": [first.id]})
    assert response.status_code == 302
    assert [m.id for m in by_email(nqsw.email).mentors] == [first.id]
    (event,) = audit("user.mentors_set")
    assert event.object_id == nqsw.id
    response = client.post(
        f"/admin/people/{nqsw.id}/mentors", data={"people": [first.id, second.id]}
    )
    assert {m.id for m in by_email(nqsw.email).mentors} == {first.id, second.id}
    page = client.get(f"/admin/people/{nqsw.id}").get_data(as_text=True)
    assert "Amira Hassan may ask Grace, Tom." in page


@pytest.mark.parametrize("forged", ["not a mentor", "inactive mentor", "unknown id", "text"])
def test_only_active_mentors_can_be_chosen(client, admin, forged):
    nqsw = make_user(Role.NQSW)
    mentor = make_user(Role.MENTOR)
    assign_mentor(nqsw, mentor)
    ids = {
        "not a mentor": make_user(Role.NQSW).id,
        "inactive mentor": make_user(Role.MENTOR, active=False).id,
        "unknown id": 99999,
        "text": "x",
    }
    response = client.post(
        f"/admin/people/{nqsw.id}/mentors", data={"people": [mentor.id, ids[forged]]}
    )
    assert response.status_code == 422
    assert 'href="#people"' in error_summary(response.get_data(as_text=True))
    rows = db.session.scalars(select(MentorAssignment)).all()
    assert [(row.nqsw_id, row.mentor_id) for row in rows] == [(nqsw.id, mentor.id)]
    assert audit("user.mentors_set") == []


def test_someone_cannot_be_their_own_mentor(client, admin):
    person = make_user(Role.NQSW, Role.MENTOR)
    page = client.get(f"/admin/people/{person.id}/mentors").get_data(as_text=True)
    assert f'value="{person.id}"' not in page
    response = client.post(f"/admin/people/{person.id}/mentors", data={"people": [person.id]})
    assert response.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(MentorAssignment)) == 0


# The people list


@pytest.fixture
def staff(admin):
    return {
        "amira": make_user(Role.NQSW, name="Amira Hassan", email="amira@example.org"),
        "grace": make_user(Role.MENTOR, name="Grace Mensah", email="grace@example.org"),
        "priya": make_user(Role.PRACTICE_MANAGER, name="Priya Shah", email="p.shah@example.org"),
        "old": make_user(Role.MENTOR, name="Olga Former", email="olga@example.org", active=False),
    }


def names_in(html: str) -> set[str]:
    everyone = ["Amira Hassan", "Grace Mensah", "Priya Shah", "Olga Former", "Sam Admin"]
    return {name for name in everyone if f">{name}</a>" in html}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"Amira Hassan", "Grace Mensah", "Priya Shah", "Sam Admin"}),
        ("?role=mentor", {"Grace Mensah"}),
        ("?role=mentor&status=all", {"Grace Mensah", "Olga Former"}),
        ("?status=inactive", {"Olga Former"}),
        ("?q=SHAH", {"Priya Shah"}),
        ("?q=grace%40example", {"Grace Mensah"}),
        ("?q=%25", set()),
        ("?q=_", set()),
        (
            "?role=wizard&status=everything",
            {"Amira Hassan", "Grace Mensah", "Priya Shah", "Sam Admin"},
        ),
    ],
)
def test_the_people_list_filters(client, staff, query, expected):
    response = client.get(f"/admin/people{query}")
    assert response.status_code == 200
    assert names_in(response.get_data(as_text=True)) == expected


def test_the_htmx_filter_returns_only_the_table(client, staff):
    response = client.get("/admin/people?role=nqsw", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html
    assert "<form" not in html
    assert "1 person found" in html
    assert names_in(html) == {"Amira Hassan"}
    assert "HX-Request" in response.headers["Vary"]
    full = client.get("/admin/people?role=nqsw")
    assert "<html" in full.get_data(as_text=True)
    assert "HX-Request" in full.headers["Vary"]


def test_only_admins_reach_the_people_pages(client):
    sign_in(client, make_user(Role.PRACTICE_MANAGER, Role.MENTOR))
    for path in ["/admin/", "/admin/people", "/admin/people/new", "/admin/teams"]:
        assert client.get(path).status_code == 403


def test_taking_away_the_mentor_role_ends_that_persons_mentoring(client, admin):
    mentor = make_user(Role.MENTOR, Role.PRACTICE_MANAGER, name="Grace Mensah")
    nqsw = make_user(Role.NQSW)
    assign_mentor(nqsw, mentor)
    team = make_team()
    client.post(f"/admin/teams/{team.id}", data={"people": [mentor.id]})
    response = client.post(f"/admin/people/{mentor.id}", data=details(mentor, roles=["nqsw"]))
    assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(MentorAssignment)) == 0
    assert by_email(mentor.email).managed_teams == []
    nqsw_client = client.application.test_client()
    sign_in(nqsw_client, nqsw)
    assert "Grace Mensah" not in nqsw_client.get("/my-support").get_data(as_text=True)
