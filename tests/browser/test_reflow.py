"""WCAG 1.4.10 reflow: at 320 CSS pixels wide no page scrolls sideways (tables may, inside
their own box)."""

import pytest
from playwright.sync_api import Page

from nqsw_visits.core import clock
from nqsw_visits.core.extensions import db
from nqsw_visits.observations import rules as observations
from nqsw_visits.observations.models import Classification
from tests.browser.journeys import sign_in
from tests.factories import (
    make_completed_request,
    make_shared_observation,
    make_team_with_people,
    make_user,
)

OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


def _overflow(page: Page, path: str) -> str | None:
    page.goto(path)
    extra = page.evaluate(OVERFLOW)
    return f"{path} is {extra}px too wide" if extra > 0 else None


def _an_observation_with_an_action(people) -> tuple[int, int]:
    """A shared observation of the first NQSW's visit, with a long agreed action."""
    nqsw, mentor = people["nqsws"][0], people["mentors"][0]
    request = make_completed_request(nqsw, mentor)
    observation = make_shared_observation(
        request, classification=Classification.ASYE_DIRECT, observed="Seen " * 80
    )
    observations.add_action(
        nqsw,
        observation,
        "Read the whole chronology before the next visit",
        "both",
        clock.today(),
        clock.now(),
    )
    ids = observation.id, request.id
    db.session.commit()  # last: reading after it would hold SQLite's lock against the server
    return ids


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
    observation_id, request_id = _an_observation_with_an_action(people)
    paths = {
        "nqsw": [
            "/my-support",
            "/account/password",
            f"/people/{nqsw_id}/progress",
            f"/observations/{observation_id}",
            f"/people/{nqsw_id}/portfolio",
        ],
        "mentor": ["/mentoring", f"/requests/{request_id}/observation"],
        "manager": ["/my-team", f"/people/{nqsw_id}/progress", f"/observations/{observation_id}"],
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
