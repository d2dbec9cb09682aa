"""Who may see and change a mentor's availability, diary and free time; CSRF on every change."""

import logging
import re
from datetime import UTC, datetime, time

import pytest
from sqlalchemy import func, select

from nqsw_visits.availability.models import (
    AvailabilityException,
    AvailabilityPattern,
    AvailabilityWindow,
    MentorLimits,
)
from nqsw_visits.core import clock
from nqsw_visits.core.extensions import db
from nqsw_visits.people.models import AuditEvent, Role
from tests.conftest import sign_in
from tests.factories import DEFAULT_PASSWORD, assign_mentor, make_user

LIMITS = {
    "limits-max_per_day": "3",
    "limits-max_per_week": "8",
    "limits-travel_minutes": "20",
    "limits-notice_working_days": "2",
}
WINDOW = {"window-weekday": "3", "window-starts": "9:00", "window-ends": "12:00"}
AWAY = {"away-kind": "leave", "away-first_day": ["3", "3", "2027"]}


@pytest.fixture
def people():
    """Two mentors, an NQSW assigned to the first, an admin and a practice manager."""
    mentor = make_user(Role.MENTOR, name="Mina Mentor")
    other = make_user(Role.MENTOR, name="Owen Other")
    nqsw = make_user(Role.NQSW, name="Nia Newly")
    assign_mentor(nqsw, mentor)
    return {
        "mentor": mentor,
        "other": other,
        "nqsw": nqsw,
        "admin": make_user(Role.ADMIN, name="Ada Admin"),
        "manager": make_user(Role.PRACTICE_MANAGER, name="Pat Manager"),
    }


def given_window(mentor, weekday=2, starts=time(9), ends=time(12)) -> AvailabilityWindow:
    """A pattern in force from today with one window, made directly in the database.

    From today, so that changes edit it in place and the window keeps its id.
    """
    window = AvailabilityWindow(weekday=weekday, starts=starts, ends=ends)
    today = clock.today()
    db.session.add(AvailabilityPattern(mentor_id=mentor.id, effective_from=today, windows=[window]))
    db.session.commit()
    return window


def given_exception(mentor) -> AvailabilityException:
    row = AvailabilityException(
        mentor_id=mentor.id,
        kind="leave",
        starts_at=datetime(2027, 3, 3, tzinfo=UTC),
        ends_at=datetime(2027, 3, 4, tzinfo=UTC),
        note="",
    )
    db.session.add(row)
    db.session.commit()
    return row


def changes(mentor, window, exception) -> list[tuple[str, dict]]:
    """Every POST that changes a mentor's availability, with valid data."""
    base = f"/mentors/{mentor.id}/availability"
    return [
        (f"{base}/windows", WINDOW),
        (
            f"{base}/windows/{window.id}",
            {"edit-weekday": "2", "edit-starts": "10:00", "edit-ends": "13:00"},
        ),
        (f"{base}/windows/{window.id}/remove", {}),
        (f"{base}/exceptions", AWAY),
        (f"{base}/exceptions/{exception.id}/remove", {}),
        (f"{base}/limits", LIMITS),
    ]


def stored_state(mentor) -> tuple:
    """What is stored about a mentor's availability, to prove nothing changed."""
    db.session.expire_all()
    windows = db.session.execute(
        select(AvailabilityWindow.weekday, AvailabilityWindow.starts, AvailabilityWindow.ends)
        .join(AvailabilityPattern)
        .where(AvailabilityPattern.mentor_id == mentor.id)
        .order_by(AvailabilityWindow.id)
    ).all()
    patterns = db.session.scalar(
        select(func.count()).where(AvailabilityPattern.mentor_id == mentor.id)
    )
    exceptions = db.session.scalar(
        select(func.count()).where(AvailabilityException.mentor_id == mentor.id)
    )
    limits = db.session.get(MentorLimits, mentor.id)
    audits = db.session.scalar(
        select(func.count()).where(AuditEvent.action.startswith("availability."))
    )
    return (windows, patterns, exceptions, limits is not None, audits)


def refusals(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if "object refused" in r.getMessage()]


# Another mentor's availability and diary


@pytest.mark.parametrize("page", ["availability", "diary", "availability/windows/{wid}"])
def test_a_mentor_cannot_see_another_mentors_availability_pages(client, people, page, caplog):
    other = people["other"]
    window = given_window(other)
    sign_in(client, people["mentor"])
    with caplog.at_level(logging.WARNING):
        response = client.get(f"/mentors/{other.id}/{page.format(wid=window.id)}")
    assert response.status_code == 404
    assert "Owen Other" not in response.get_data(as_text=True)
    assert any(f"user {people['mentor'].id}" in line for line in refusals(caplog))


def test_a_mentor_cannot_change_another_mentors_availability(client, people, caplog):
    other = people["other"]
    window, exception = given_window(other), given_exception(other)
    before = stored_state(other)
    sign_in(client, people["mentor"])
    for url, data in changes(other, window, exception):
        with caplog.at_level(logging.WARNING):
            response = client.post(url, data=data)
        assert response.status_code == 404, url
    assert stored_state(other) == before
    assert len(refusals(caplog)) == 6


def test_a_mentor_cannot_reach_another_mentors_window_or_leave_through_their_own_address(
    client, people
):
    """The object ids are checked against the mentor in the address, not only the address."""
    mentor, other = people["mentor"], people["other"]
    given_window(mentor, weekday=4)
    window, exception = given_window(other), given_exception(other)
    before = stored_state(other)
    sign_in(client, mentor)
    base = f"/mentors/{mentor.id}/availability"
    assert client.get(f"{base}/windows/{window.id}").status_code == 404
    edit = {"edit-weekday": "2", "edit-starts": "10:00", "edit-ends": "13:00"}
    assert client.post(f"{base}/windows/{window.id}", data=edit).status_code == 404
    assert client.post(f"{base}/windows/{window.id}/remove").status_code == 404
    assert client.post(f"{base}/exceptions/{exception.id}/remove").status_code == 404
    assert stored_state(other) == before


def test_a_mentor_sees_their_own_pages(client, people):
    mentor = people["mentor"]
    sign_in(client, mentor)
    page = client.get(f"/mentors/{mentor.id}/availability")
    assert page.status_code == 200
    assert "My availability" in page.get_data(as_text=True)
    diary = client.get(f"/mentors/{mentor.id}/diary")
    assert diary.status_code == 200
    assert "My diary" in diary.get_data(as_text=True)


@pytest.mark.parametrize("who", ["nqsw", "admin"])
def test_someone_who_is_not_a_mentor_has_no_availability(client, people, who):
    """An id that is not an active mentor answers 404, even to an admin."""
    sign_in(client, people["admin"])
    assert client.get(f"/mentors/{people[who].id}/availability").status_code == 404
    assert client.get(f"/mentors/{people[who].id}/diary").status_code == 404
    assert client.get("/mentors/999999/availability").status_code == 404


def test_a_deactivated_mentor_has_no_free_time_to_show(client, people):
    people["mentor"].active = False
    db.session.commit()
    sign_in(client, people["nqsw"])
    assert client.get(f"/mentors/{people['mentor'].id}/slots").status_code == 404


# Administrators


def test_an_admin_sees_and_changes_any_mentors_availability_and_is_the_audited_actor(
    client, people
):
    admin, other = people["admin"], people["other"]
    sign_in(client, admin)
    page = client.get(f"/mentors/{other.id}/availability")
    assert page.status_code == 200
    assert "Owen Other" in page.get_data(as_text=True)
    assert client.get(f"/mentors/{other.id}/diary").status_code == 200

    response = client.post(f"/mentors/{other.id}/availability/windows", data=WINDOW)
    assert response.status_code == 302
    response = client.post(f"/mentors/{other.id}/availability/limits", data=LIMITS)
    assert response.status_code == 302

    events = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action.startswith("availability."))
        .order_by(AuditEvent.id)
    ).all()
    assert [e.action for e in events] == ["availability.window_added", "availability.limits_set"]
    assert {(e.actor_id, e.object_type, e.object_id) for e in events} == {
        (admin.id, "user", other.id)
    }
    assert db.session.get(MentorLimits, other.id).max_per_day == 3


# NQSWs, practice managers and people not signed in


def test_an_nqsw_is_refused_the_edit_pages_and_changes(client, people):
    mentor = people["mentor"]
    window, exception = given_window(mentor), given_exception(mentor)
    before = stored_state(mentor)
    sign_in(client, people["nqsw"])
    base = f"/mentors/{mentor.id}"
    for url in [
        f"{base}/availability",
        f"{base}/diary",
        f"{base}/availability/windows/{window.id}",
    ]:
        assert client.get(url).status_code == 403, url
    for url, data in changes(mentor, window, exception):
        assert client.post(url, data=data).status_code == 403, url
    assert stored_state(mentor) == before


def test_an_nqsw_may_ask_about_their_own_mentors_free_time_only(client, people, caplog):
    mentor, other = people["mentor"], people["other"]
    sign_in(client, people["nqsw"])
    query = "date=2027-03-03&start=10:00&end=11:00&kind=home_visit"
    free = client.get(f"/mentors/{mentor.id}/free?{query}")
    assert free.status_code == 200
    assert "Mina Mentor is not free" in free.get_data(as_text=True)
    slots = client.get(f"/mentors/{mentor.id}/slots?duration=60&kind=case_discussion")
    assert slots.status_code == 200
    assert "Mina Mentor" in slots.get_data(as_text=True)
    with caplog.at_level(logging.WARNING):
        assert client.get(f"/mentors/{other.id}/free?{query}").status_code == 404
        assert client.get(f"/mentors/{other.id}/slots?duration=60").status_code == 404
    assert len(refusals(caplog)) == 2


def test_a_mentor_may_ask_about_any_mentors_free_time(client, people):
    sign_in(client, people["mentor"])
    other = people["other"]
    assert client.get(f"/mentors/{other.id}/free").status_code == 200
    assert client.get(f"/mentors/{other.id}/slots").status_code == 200


def test_a_practice_manager_is_refused_everything(client, people):
    mentor = people["mentor"]
    window, exception = given_window(mentor), given_exception(mentor)
    before = stored_state(mentor)
    sign_in(client, people["manager"])
    base = f"/mentors/{mentor.id}"
    for page in ["availability", "diary", "free", "slots", f"availability/windows/{window.id}"]:
        assert client.get(f"{base}/{page}").status_code == 403, page
    for url, data in changes(mentor, window, exception):
        assert client.post(url, data=data).status_code == 403, url
    assert stored_state(mentor) == before


def test_people_not_signed_in_are_sent_to_sign_in(client, people):
    mentor = people["mentor"]
    window, exception = given_window(mentor), given_exception(mentor)
    base = f"/mentors/{mentor.id}"
    for page in ["availability", "diary", "free", "slots"]:
        response = client.get(f"{base}/{page}")
        assert response.status_code == 302, page
        assert "/sign-in" in response.headers["Location"]
    for url, data in changes(mentor, window, exception):
        response = client.post(url, data=data)
        assert response.status_code == 302, url
        assert "/sign-in" in response.headers["Location"]


def test_changes_are_refused_over_get(client, people):
    mentor = people["mentor"]
    window, exception = given_window(mentor), given_exception(mentor)
    sign_in(client, mentor)
    base = f"/mentors/{mentor.id}/availability"
    for url in [
        f"{base}/windows",
        f"{base}/windows/{window.id}/remove",
        f"{base}/exceptions",
        f"{base}/exceptions/{exception.id}/remove",
        f"{base}/limits",
    ]:
        assert client.get(url).status_code == 405, url
    assert len(stored_state(mentor)[0]) == 1


# CSRF


TOKEN = re.compile(
    r'name="(?:[\w-]+-)?csrf_token"[^>]*value="([^"]+)"'
    r'|value="([^"]+)"[^>]*name="(?:[\w-]+-)?csrf_token"'
)


def csrf_token(html: str) -> str:
    match = TOKEN.search(html)
    assert match, "no CSRF token on the page"
    return match[1] or match[2]


class TestCsrf:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "WTF_CSRF_ENABLED": True}

    @pytest.fixture
    def mentor(self, client, people):
        """The mentor, signed in through the real form (with its token)."""
        mentor = people["mentor"]
        token = csrf_token(client.get("/sign-in").get_data(as_text=True))
        data = {"email": mentor.email, "password": DEFAULT_PASSWORD, "csrf_token": token}
        assert client.post("/sign-in", data=data).status_code == 302
        return mentor

    def test_every_change_without_a_token_is_refused(self, client, mentor):
        window, exception = given_window(mentor), given_exception(mentor)
        before = stored_state(mentor)
        for url, data in changes(mentor, window, exception):
            response = client.post(url, data=data)
            assert response.status_code == 400, url
            assert "Your form has expired" in response.get_data(as_text=True)
            htmx = client.post(url, data=data, headers={"HX-Request": "true"})
            assert htmx.status_code == 400, url
        assert stored_state(mentor) == before

    def test_a_wrong_token_is_refused(self, client, mentor):
        response = client.post(
            f"/mentors/{mentor.id}/availability/limits",
            data=LIMITS,
            headers={"X-CSRFToken": "not-the-token"},
        )
        assert response.status_code == 400
        assert db.session.get(MentorLimits, mentor.id) is None

    def test_every_change_with_the_header_token_is_accepted(self, client, mentor):
        window, exception = given_window(mentor), given_exception(mentor)
        page = client.get(f"/mentors/{mentor.id}/availability").get_data(as_text=True)
        headers = {"X-CSRFToken": csrf_token(page), "HX-Request": "true"}
        for url, data in changes(mentor, window, exception):
            response = client.post(url, data=data, headers=headers)
            assert response.status_code == 200, (url, response.get_data(as_text=True)[:300])
        actions = db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.action.startswith("availability."))
            .order_by(AuditEvent.id)
        ).all()
        assert len(actions) == 6

    def test_the_form_token_is_accepted(self, client, mentor):
        page = client.get(f"/mentors/{mentor.id}/availability").get_data(as_text=True)
        data = {**WINDOW, "window-csrf_token": csrf_token(page)}
        response = client.post(f"/mentors/{mentor.id}/availability/windows", data=data)
        assert response.status_code == 302
        assert len(stored_state(mentor)[0]) == 1
