"""Each role signs in through the form, lands on its home and signs out again."""

import pytest
from playwright.sync_api import expect

from nqsw_visits.extensions import db
from nqsw_visits.models import Role
from tests.factories import make_manager_of, make_team, make_user

from .journeys import expect_heading, sign_in, sign_out, success_banner

HOMES = [
    (Role.NQSW, "/my-support", "My support"),
    (Role.MENTOR, "/mentoring", "Mentoring"),
    (Role.PRACTICE_MANAGER, "/my-team", "My team"),
    (Role.ADMIN, "/admin/", "Administration"),
]


@pytest.mark.browser
@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize(("role", "path", "heading"), HOMES, ids=[r.value for r, _, _ in HOMES])
def test_role_signs_in_lands_home_and_signs_out(browse, role, path, heading, javascript):
    team = make_team()
    user = make_user(role, team=team)
    if role is Role.PRACTICE_MANAGER:
        make_manager_of(team, user)
    email = user.email
    db.session.commit()
    page = browse(javascript=javascript)

    sign_in(page, email)
    assert page.url.endswith(path)
    expect_heading(page, heading)

    sign_out(page)
    assert page.url.endswith("/sign-in")
    expect_heading(page, "Sign in to Alongside")
    expect(success_banner(page)).to_contain_text("You have signed out")
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)

    page.goto(path)
    assert "/sign-in" in page.url, "a signed-out browser still reached the home page"
