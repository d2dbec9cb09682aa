"""The mentoring programme end to end in Chromium, as one journey: the manager starts an
agreement with two focus cases and books the start meeting, all three confirm, the mentor
books a fortnightly series of one-to-ones, the NQSW asks for an accompaniment on a focus
case, the mentor writes the first one-to-one's record with an action, and in April the
3-month review is written, the NQSW adds their view and the manager confirms it."""

from datetime import datetime, time

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from nqsw_visits.availability import rules as availability_store
from nqsw_visits.availability.free_time import Limits
from nqsw_visits.core import clock
from nqsw_visits.core.extensions import db
from nqsw_visits.people.models import User
from tests.browser.journeys import assert_clean, sign_in, sign_out, success_banner, unchecked
from tests.browser.test_agreements import _confirm, _open_review, _people, _start
from tests.browser.test_one_to_ones import (
    FIRST,
    _accept_as_mentor,
    _ask_on_a_focus_case,
    _book,
    _write_the_record,
)

MODES = pytest.mark.parametrize("javascript", [True, False], ids=["js", "js-off"])
# A Wednesday inside the fortnight before the 3-month review of an agreement that starts
# on Monday 18 January 2027 (due Monday 19 April), clear of the Easter bank holidays.
REVIEW_WEEK = datetime(2027, 4, 14, 10, 0)


def _room_for_the_series(found: dict) -> None:
    """The mentor takes up to ten commitments a day, so the series and the visit fit."""
    mentor = db.session.scalar(select(User).where(User.email == found["mentor"]))
    availability_store.set_limits(mentor, mentor, Limits(max_per_day=10, max_per_week=40))
    db.session.commit()


def _review(page, found: dict, check) -> list[str]:
    """The mentor writes the 3-month review, the NQSW adds their view, the manager confirms."""
    sign_in(page, found["mentor"])
    _open_review(page, "Agreements")
    failures = check(page, "journey-review-to-write")
    page.get_by_label("Progress on each goal and focus case").fill("Visits are well planned.")
    page.get_by_label("Progress on the goal: Plan each visit").fill("Plans with a purpose.")
    page.get_by_label("What next").fill("Court statements.")
    page.get_by_role("button", name="Save the review").click()
    expect(success_banner(page)).to_contain_text("Review saved")
    expect(page.get_by_text("Plans with a purpose.", exact=True)).to_be_visible()
    failures += check(page, "journey-review-written")
    sign_out(page)
    sign_in(page, found["nqsw"])
    _open_review(page, "My agreement")
    page.get_by_label("Your view").fill("I agree; court work next.")
    page.get_by_label("4: Confident", exact=True).check()
    page.get_by_role("button", name="Add my view").click()
    expect(success_banner(page)).to_contain_text("Your view is added")
    failures += check(page, "journey-review-viewed")
    sign_out(page)
    sign_in(page, found["manager"])
    _open_review(page, "Agreements")
    expect(page.get_by_role("cell", name="4: Confident", exact=True)).to_be_visible()
    page.get_by_role("button", name="Confirm this review").click()
    expect(success_banner(page)).to_contain_text("confirmed")
    page.get_by_role("link", name="Back to the agreement").click()
    expect(page.get_by_text("Confirmed", exact=True)).to_be_visible()
    return failures + check(page, "journey-review-confirmed")


@MODES
def test_agreement_to_three_month_review(browse, audit, moment, javascript):
    found = _people()
    _room_for_the_series(found)
    check = audit if javascript else unchecked
    page = browse(javascript=javascript)
    sign_in(page, found["manager"])
    failures = _start(page, check)
    sign_out(page)
    for who in ("mentor", "nqsw"):
        sign_in(page, found[who])
        failures += _confirm(page, check, f"{who}-journey")
        sign_out(page)
    sign_in(page, found["mentor"])
    failures += _book(page, check)
    sign_out(page)
    sign_in(page, found["nqsw"])
    failures += _ask_on_a_focus_case(page, check, javascript)
    sign_out(page)
    _accept_as_mentor(found)

    # The first one-to-one has been and gone.
    moment.move_to(datetime.combine(FIRST, time(15, 30), tzinfo=clock.zone()))
    sign_in(page, found["mentor"])
    failures += _write_the_record(page, check)
    sign_out(page)

    moment.move_to(REVIEW_WEEK.replace(tzinfo=clock.zone()))
    failures += _review(page, found, check)
    assert_clean(failures)
