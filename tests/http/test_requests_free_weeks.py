"""Free times week by week: previous and next up to the booking horizon, never a 500."""

import html
import re
from datetime import timedelta

import pytest

from nqsw_visits.availability.diary_views import BOOKING_HORIZON_WEEKS
from nqsw_visits.availability.week import week_of
from nqsw_visits.core import clock
from nqsw_visits.people.models import Role
from tests.conftest import sign_in
from tests.factories import make_user
from tests.http.test_requests_flexible import mentors_for


@pytest.fixture
def slots(client):
    """slots(query, **headers): the NQSW's view of their mentor's free times."""
    nqsw = make_user(Role.NQSW)
    (mentor,) = mentors_for(nqsw, "Grace Mensah")
    sign_in(client, nqsw)

    def get(query: str = "", **headers):
        return client.get(f"/mentors/{mentor.id}/slots?duration=60&{query}", headers=headers)

    return get


def links(page) -> dict[str, str]:
    """The week links by their title: Previous week / Next week -> href."""
    found = re.findall(
        r'govuk-pagination__link" href="([^"]+)".*?pagination__link-title">([^<]+)<',
        page.get_data(as_text=True),
        re.S,
    )
    return {title: html.unescape(href) for href, title in found}


def days_shown(page) -> list[str]:
    return re.findall(r'summary-list__key">([^<]+)<', page.get_data(as_text=True))


def day_name(day) -> str:
    return day.strftime("%A %-d %B")


def test_next_week_moves_week_by_week_up_to_the_horizon(slots):
    this_monday = week_of(clock.today())
    first = slots()
    assert "in the next two weeks" in first.get_data(as_text=True)
    assert "Previous week" not in links(first)
    steps, page = [], first
    while "Next week" in links(page):
        href = links(page)["Next week"]
        assert "duration=60" in href and "kind=case_discussion" in href
        steps.append(re.search(r"week=([\d-]+)", href).group(1))
        page = slots(href.split("?", 1)[1])
        assert page.status_code == 200
        assert "Previous week" in links(page)
    assert steps == [
        (this_monday + timedelta(weeks=n)).isoformat() for n in range(1, BOOKING_HORIZON_WEEKS - 1)
    ]
    horizon = this_monday + timedelta(weeks=BOOKING_HORIZON_WEEKS)
    last_tuesday = horizon - timedelta(days=6)
    shown = days_shown(page)
    assert day_name(last_tuesday) in shown  # the last bookable week is offered
    assert all(day_name(horizon + timedelta(days=n)) not in shown for n in range(7))
    assert f"in the two weeks from {day_name(horizon - timedelta(weeks=2))}" in page.get_data(
        as_text=True
    )


def test_a_later_week_shows_only_its_own_days_and_goes_back(slots):
    this_monday = week_of(clock.today())
    week = this_monday + timedelta(weeks=3)
    page = slots(f"week={week.isoformat()}")
    shown = days_shown(page)
    assert day_name(week + timedelta(days=1)) in shown
    assert day_name(week + timedelta(days=15)) not in shown
    assert day_name(week - timedelta(days=6)) not in shown
    assert f"week={(week - timedelta(weeks=1)).isoformat()}" in links(page)["Previous week"]
    assert f"week={(week + timedelta(weeks=1)).isoformat()}" in links(page)["Next week"]
    # A Wednesday in the address means its week.
    midweek = slots(f"week={(week + timedelta(days=2)).isoformat()}")
    assert days_shown(midweek) == shown


@pytest.mark.parametrize(
    "week", ["2000-01-03", "0001-01-01", "9999-12-31", "2099-01-05", "not-a-date", "²", ""]
)
def test_weeks_out_of_range_are_brought_back_within_it(slots, week):
    page = slots(f"week={week}")
    assert page.status_code == 200
    this_monday = week_of(clock.today())
    last = this_monday + timedelta(weeks=BOOKING_HORIZON_WEEKS - 2)
    body = page.get_data(as_text=True)
    if week.startswith(("9999", "2099")):
        assert f"in the two weeks from {day_name(last)}" in body and "Next week" not in body
    else:
        assert "in the next two weeks" in body and "Previous week" not in body


def test_the_weeks_move_in_place_with_htmx_and_keep_the_week_for_a_new_length(slots):
    week = week_of(clock.today()) + timedelta(weeks=2)
    fragment = slots(f"week={week.isoformat()}", **{"HX-Request": "true"})
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and 'id="free-slots"' in body
    assert 'hx-target="#free-slots"' in body and 'hx-push-url="true"' in body
    assert "HX-Request" in fragment.headers["Vary"]
    assert (
        f'<input type="hidden" name="week" value="{week.isoformat()}" form="free-slots-filter">'
        in body
    )
    page = slots(f"week={week.isoformat()}").get_data(as_text=True)
    assert 'id="free-slots-filter"' in page
