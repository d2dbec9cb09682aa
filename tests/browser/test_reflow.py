"""WCAG 1.4.10 reflow: at 320 CSS pixels wide no page scrolls sideways (tables may, inside
their own box)."""

import pytest
from playwright.sync_api import Page

from nqsw_visits.extensions import db
from tests.factories import make_team_with_people, make_user

from .journeys import sign_in

OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


def _overflow(page: Page, path: str) -> str | None:
    page.goto(path)
    extra = page.evaluate(OVERFLOW)
    return f"{path} is {extra}px too wide" if extra > 0 else None


@pytest.mark.browser
def test_pages_fit_a_320px_wide_screen(browse):
    people = make_team_with_people()
    # Long names and emails are what push tables wide.
    make_user(
        email="a.very.long.email.address.for.testing@children.example-council.gov.uk",
        name="Alexandra Longname-Featherstonehaugh",
        team=people["team"],
    )
    emails = {
        "nqsw": people["nqsws"][0].email,
        "mentor": people["mentors"][0].email,
        "manager": people["manager"].email,
        "admin": people["admin"].email,
    }
    nqsw_id, team_id = people["nqsws"][0].id, people["team"].id
    db.session.commit()
    paths = {
        "nqsw": ["/my-support", "/account/password"],
        "mentor": ["/mentoring"],
        "manager": ["/my-team"],
        "admin": [
            "/admin/",
            "/admin/people",
            "/admin/people/new",
            f"/admin/people/{nqsw_id}",
            f"/admin/people/{nqsw_id}/mentors",
            "/admin/people/import",
            "/admin/teams",
            f"/admin/teams/{team_id}",
        ],
    }
    too_wide = []
    for who, email in emails.items():
        page = browse()
        page.set_viewport_size({"width": 320, "height": 640})
        if who == "nqsw":
            too_wide += [_overflow(page, "/sign-in"), _overflow(page, "/accessibility")]
        sign_in(page, email)
        too_wide += [_overflow(page, path) for path in paths[who]]
    too_wide = [line for line in too_wide if line]
    assert not too_wide, "\n".join(too_wide)
