"""Forms never answer 5xx: bad input gets a GOV.UK error summary and keeps what was typed."""

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from markupsafe import escape

from nqsw_visits.people.models import Role
from tests.conftest import sign_in
from tests.factories import DEFAULT_PASSWORD, make_team, make_user

FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

# Any text: control characters (NUL included) and very long strings as well as ordinary ones.
control = st.text(st.characters(max_codepoint=0x1F) | st.sampled_from("\x7f\u2028\ufeff"))
long_text = st.builds(
    lambda part, times: part * times, st.text(min_size=1, max_size=8), st.integers(20, 2000)
)
any_text = st.one_of(st.text(), control, long_text, st.text(st.characters(codec="ascii")))
ROLE_VALUES = [role.value for role in Role]


def check_answer(response, kept: dict[str, str]) -> None:
    """Never a server error; a refusal shows an error summary and keeps the typed text."""
    assert response.status_code < 500
    assert response.status_code in (200, 302, 422), response.status_code
    if response.status_code != 422:
        return
    html = response.get_data(as_text=True)
    assert 'class="govuk-error-summary"' in html
    assert "<title>Error: " in html
    for name, value in kept.items():
        if value.strip():
            assert f'value="{escape(value)}"' in html, name


@pytest.fixture
def admin_client(client):
    sign_in(client, make_user(Role.ADMIN, email="admin@example.org"))
    return client


# PostgreSQL refuses NUL in text: a NUL in the sign-in email must be a refusal, not a 500.
sign_in_email = any_text


@pytest.mark.parametrize("email", ["\x00", "known\x00@example.org"])
def test_a_nul_in_the_sign_in_email_is_refused_not_a_crash(client, email):
    make_user(email="known@example.org")
    response = client.post("/sign-in", data={"email": email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 422
    assert "Enter a correct email address and password" in response.get_data(as_text=True)


@FUZZ
@given(
    email=st.one_of(sign_in_email, st.just("known@example.org"), st.just("KNOWN@example.org ")),
    password=st.one_of(any_text, st.just(DEFAULT_PASSWORD)),
)
@example(email="a" * 5000, password="b" * 5000)
@example(email="known@example.org", password="\x00")
def test_sign_in_form(client, email, password):
    if not hasattr(client, "known"):
        client.known = make_user(email="known@example.org")
    response = client.post("/sign-in", data={"email": email, "password": password})
    if response.status_code == 302:  # the right password: sign out for the next example
        client.post("/sign-out")
        return
    check_answer(response, {"email": email})


@FUZZ
@given(
    display_name=any_text,
    email=st.one_of(any_text, st.emails().map(str)),
    roles=st.lists(st.one_of(st.sampled_from(ROLE_VALUES), any_text), max_size=5),
    team=st.one_of(st.just("0"), st.integers(-(2**70), 2**70).map(str), any_text),
    password=st.one_of(any_text, st.just("copper kettle harbour lantern")),
    confirm_same=st.booleans(),
)
@example(
    display_name="Nul\x00Name",
    email="nul@example.org",
    roles=["nqsw"],
    team="0",
    password="copper kettle harbour lantern",
    confirm_same=True,
)
@example(
    display_name="Ann Lee",
    email="ann\x00@example.org",
    roles=["nqsw"],
    team="0",
    password="copper kettle harbour lantern",
    confirm_same=True,
)
@example(
    display_name="   ",
    email="blank@example.org",
    roles=["nqsw\x00"],
    team="\x00",
    password="\x00" * 20,
    confirm_same=True,
)
def test_add_person_form(admin_client, display_name, email, roles, team, password, confirm_same):
    if not hasattr(admin_client, "team"):
        admin_client.team = make_team("Family Support East")
    response = admin_client.post(
        "/admin/people/new",
        data={
            "display_name": display_name,
            "email": email,
            "roles": roles,
            "team": team,
            "new_password": password,
            "confirm_password": password if confirm_same else password + "x",
        },
    )
    check_answer(response, {"display_name": display_name, "email": email})


@FUZZ
@given(name=any_text)
@example(name="Team\x00East")
@example(name="\x00")
@example(name="x" * 200)
@example(name="%_\\")
def test_teams_form(admin_client, name):
    response = admin_client.post("/admin/teams", data={"name": name})
    check_answer(response, {"name": name})


@FUZZ
@given(current=st.one_of(any_text, st.none()), new=any_text, confirm_same=st.booleans())
@example(current=None, new="\x00" * 20, confirm_same=True)
@example(current=None, new="\x00a long test password", confirm_same=True)
@example(current="\x00", new="x" * 500, confirm_same=True)
def test_change_password_form(client, current, new, confirm_same):
    """`current=None` types the right current password, to reach the new-password rules."""
    if not hasattr(client, "password"):
        client.password = DEFAULT_PASSWORD
        sign_in(client, make_user(Role.NQSW))
    response = client.post(
        "/account/password",
        data={
            "current_password": client.password if current is None else current,
            "new_password": new,
            "confirm_password": new if confirm_same else new + "x",
        },
    )
    if response.status_code == 302:
        client.password = new
        return
    check_answer(response, {})


@FUZZ
@given(q=any_text, role=any_text, status=any_text, htmx=st.booleans())
@example(q="\x00", role="\x00", status="\x00", htmx=False)
def test_people_filter(admin_client, q, role, status, htmx):
    headers = {"HX-Request": "true"} if htmx else {}
    response = admin_client.get(
        "/admin/people", query_string={"q": q, "role": role, "status": status}, headers=headers
    )
    assert response.status_code == 200
    assert "found</p>" in response.get_data(as_text=True)
