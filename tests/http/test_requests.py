"""Support requests over HTTP: asking, answering, who may see and act, privacy, query counts."""

import html
import logging
import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, text

from nqsw_visits.availability import free_time as availability
from nqsw_visits.availability import rules as availability_store
from nqsw_visits.availability.models import BankHoliday, MentorHold
from nqsw_visits.core import clock
from nqsw_visits.core.extensions import db
from nqsw_visits.notifications.models import Notification, OutboxEmail
from nqsw_visits.people.models import AuditEvent, Role
from nqsw_visits.support_requests import rules as scheduling
from nqsw_visits.support_requests.answering_views import WAITING_PER_PAGE
from nqsw_visits.support_requests.asking_views import MY_REQUESTS_PER_PAGE
from nqsw_visits.support_requests.models import RequestEvent, RequestKind, SupportRequest
from tests.conftest import FreshContextClient
from tests.factories import assign_mentor, hold_of, make_manager_of, make_team, make_user
from tests.http.test_csrf import form_token, header_token, sign_in_with_token

LONDON = ZoneInfo("Europe/London")
DAY = date(2027, 3, 2)  # a Tuesday
HTMX = {"HX-Request": "true"}
CHANGED = "This request has changed since you opened it"


def open_diary(mentor, **limits) -> None:
    """Weekdays 09:00 to 17:00, and caps high enough for many requests."""
    for weekday in range(5):
        availability_store.add_window(mentor, mentor, weekday, time(9), time(17), date(2026, 1, 1))
    availability_store.set_limits(
        mentor,
        mentor,
        availability.Limits(
            **{"max_per_day": 50, "max_per_week": 200, "travel_minutes": 0, **limits}
        ),
    )
    db.session.commit()


@pytest.fixture
def people(app):
    """A team's NQSW with a mentor and a manager; another NQSW and another mentor."""
    team = make_team()
    manager = make_user(Role.PRACTICE_MANAGER, name="Pat Manager", team=team)
    make_manager_of(team, manager)
    mentor = make_user(Role.MENTOR, name="Mina Mentor")
    other_mentor = make_user(Role.MENTOR, name="Omar Othermentor")
    nqsw = make_user(Role.NQSW, name="Nia Newly", team=team)
    other_nqsw = make_user(Role.NQSW, name="Ola Otherworker", team=make_team())
    assign_mentor(nqsw, mentor)
    assign_mentor(other_nqsw, mentor)
    assign_mentor(other_nqsw, other_mentor)
    open_diary(mentor)
    open_diary(other_mentor)
    return {
        "team": team,
        "manager": manager,
        "mentor": mentor,
        "other_mentor": other_mentor,
        "nqsw": nqsw,
        "other_nqsw": other_nqsw,
    }


def at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON).astimezone(UTC)


def ask_form(mentor, day: date = DAY, starts="10:00", ends="11:00", **fields) -> dict:
    return {
        "mentor": str(mentor.id),
        "kind": "home_visit",
        "meeting_type": "",
        "day": [str(day.day), str(day.month), str(day.year)],
        "starts": starts,
        "ends": ends,
        "case_reference": "CR-12345",
        "venue_type": "family_home",
        "area": "North patch",
        "purpose": "First joint visit after the referral",
        "feedback_on": "How I open the conversation",
        "feedback_on_second": "",
        "consent": "yes",
        **fields,
    }


def make_request(nqsw, mentor, starts=None, ends=None, **more) -> int:
    """A request made through the service, as if asked through the form; its id."""
    details = scheduling.Details(
        kind=more.pop("kind", RequestKind.HOME_VISIT),
        starts_at=starts or at(10),
        ends_at=ends or at(11),
        case_reference=more.pop("case_reference", "CR-12345"),
        purpose="Joint visit",
        **more,
    )
    made = scheduling.ask(nqsw, mentor.id, details, LONDON, clock.now())
    db.session.commit()
    return made.id


def stored(request_id: int) -> SupportRequest:
    db.session.expire_all()
    return db.session.get(SupportRequest, request_id)


def held(request_id: int) -> bool:
    db.session.expire_all()
    return hold_of(request_id) is not None


def audit_actions(request_id: int | None = None) -> list[str]:
    db.session.expire_all()
    rows = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    return [
        row.action
        for row in rows
        if row.action.startswith("request.") and (request_id is None or row.object_id == request_id)
    ]


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def page_text(response) -> str:
    """The response as a person reads it: entities decoded, spaces collapsed."""
    return " ".join(html.unescape(response.get_data(as_text=True)).split())


def history(client, request_id: int) -> list[str]:
    page = client.get(f"/requests/{request_id}").get_data(as_text=True)
    section = page.split("History</h2>", 1)[1].split("</ol>", 1)[0]
    return [
        " ".join(html.unescape(item).split())
        for item in re.findall(r"<li>(.*?)</li>", section, re.S)
    ]


# Asking -----------------------------------------------------------------------------


def test_asking_holds_the_time_and_shows_the_request(people, client_for):
    nqsw = client_for(people["nqsw"])
    response = nqsw.post("/requests/new", data=ask_form(people["mentor"]))
    assert response.status_code == 302
    request_id = int(re.fullmatch(r"/requests/(\d+)", response.location).group(1))
    item = stored(request_id)
    assert (item.status, item.starts_at, item.ends_at, item.case_reference, item.urgent) == (
        "requested",
        at(10),
        at(11),
        "CR-12345",
        False,
    )
    assert held(request_id)
    assert audit_actions(request_id) == ["request.asked"]
    shown = page_text(nqsw.get(response.location))
    assert "Your request has been sent to Mina Mentor" in shown
    assert "Waiting for an answer" in shown and "CR-12345" in shown
    listed = page_text(nqsw.get("/requests"))
    assert "Mina Mentor" in listed and "Waiting for an answer" in listed
    inbox = page_text(client_for(people["mentor"]).get("/inbox"))
    assert "Waiting for your answer (1)" in inbox and "Nia Newly" in inbox


def test_the_ask_form_offers_only_ones_own_mentors(people, client_for):
    nqsw = client_for(people["nqsw"])
    page = page_text(nqsw.get("/requests/new"))
    assert "Mina Mentor" in page and "Omar Othermentor" not in page
    response = nqsw.post("/requests/new", data=ask_form(people["other_mentor"]))
    assert response.status_code == 422
    assert count(SupportRequest) == 0


def test_a_held_time_answers_409_with_the_reason(people, client_for):
    make_request(people["other_nqsw"], people["mentor"])
    response = client_for(people["nqsw"]).post(
        "/requests/new", data=ask_form(people["mentor"], starts="10:30", ends="11:30")
    )
    assert response.status_code == 409
    assert "it clashes with another commitment" in page_text(response)
    assert count(SupportRequest) == 1


@pytest.mark.parametrize(
    ("field", "value", "warning"),
    [
        ("purpose", "Visit to Mrs Smith about school", "a person's name"),
        ("area", "E1 6AN", "a postcode"),
        ("feedback_on", "Checking DOB 01/02/2015 with the family", "a date of birth"),
        ("feedback_on_second", "How I speak with Mrs Smith", "a person's name"),
    ],
)
def test_identifying_detail_is_refused_and_nothing_is_saved(
    people, client_for, field, value, warning
):
    response = client_for(people["nqsw"]).post(
        "/requests/new", data=ask_form(people["mentor"], **{field: value})
    )
    assert response.status_code == 422
    shown = page_text(response)
    assert f"This looks like it contains {warning}" in shown
    assert "There is a problem" in shown
    assert (count(SupportRequest), count(MentorHold), count(Notification)) == (0, 0, 0)


@pytest.mark.parametrize(
    ("kind", "meeting_type"),
    [("home_visit", ""), ("court_hearing", ""), ("meeting", "core_group")],
)
def test_visits_hearings_and_meetings_need_a_case_reference(people, client_for, kind, meeting_type):
    form = ask_form(people["mentor"], kind=kind, meeting_type=meeting_type, case_reference="")
    response = client_for(people["nqsw"]).post("/requests/new", data=form)
    assert response.status_code == 422
    assert "Enter the case reference from the case system" in page_text(response)
    assert (count(SupportRequest), count(MentorHold)) == (0, 0)


def test_a_case_discussion_needs_no_case_reference(people, client_for):
    form = ask_form(people["mentor"], kind="case_discussion", case_reference="")
    response = client_for(people["nqsw"]).post("/requests/new", data=form)
    assert response.status_code == 302
    item = db.session.scalar(select(SupportRequest))
    assert (item.kind, item.case_reference) == ("case_discussion", None)


def test_a_meeting_needs_a_meeting_type(people, client_for):
    nqsw = client_for(people["nqsw"])
    response = nqsw.post("/requests/new", data=ask_form(people["mentor"], kind="meeting"))
    assert response.status_code == 422
    assert "Select the kind of meeting" in page_text(response)
    assert count(SupportRequest) == 0
    response = nqsw.post(
        "/requests/new",
        data=ask_form(people["mentor"], kind="meeting", meeting_type="core_group"),
    )
    assert response.status_code == 302
    assert db.session.scalar(select(SupportRequest.meeting_type)) == "core_group"
    assert "Meeting: core group" in page_text(nqsw.get(response.location))
    # Other kinds need no meeting type, even from a form that leaves the field out.
    visit = ask_form(people["mentor"], starts="14:00", ends="15:00")
    del visit["meeting_type"]
    assert nqsw.post("/requests/new", data=visit).status_code == 302


def working_days_ahead(first: date, how_many: int) -> list[date]:
    """Weekdays from `first` on that are not bank holidays."""
    holidays = set(db.session.scalars(select(BankHoliday.day)))
    days, day = [], first
    while len(days) < how_many:
        if day.weekday() < 5 and day not in holidays:
            days.append(day)
        day += timedelta(days=1)
    return days


def test_inside_the_minimum_notice_is_urgent_and_comes_first(people, client_for):
    mentor = people["mentor"]
    today = clock.today()
    sooner, later = working_days_ahead(today + timedelta(days=3), 2)
    nqsw = client_for(people["nqsw"])
    # Asked while the mentor needs no notice: not urgent, though it is the sooner one.
    availability_store.set_limits(mentor, mentor, availability.Limits(50, 200, 0, 0))
    db.session.commit()
    assert nqsw.post("/requests/new", data=ask_form(mentor, day=sooner)).status_code == 302
    availability_store.set_limits(mentor, mentor, availability.Limits(50, 200, 0, 20))
    db.session.commit()
    check = nqsw.get(
        "/requests/new/check",
        query_string=ask_form(mentor, day=later),
        headers=HTMX,
    )
    assert "it will be marked urgent" in page_text(check)
    response = nqsw.post("/requests/new", data=ask_form(mentor, day=later))
    assert response.status_code == 302
    urgent = db.session.scalar(select(SupportRequest).where(SupportRequest.urgent))
    assert urgent.starts_at.astimezone(LONDON).date() == later
    assert "Urgent" in page_text(nqsw.get(response.location))

    inbox = client_for(mentor).get("/inbox").get_data(as_text=True)
    cards = re.findall(r'id="request-(\d+)"', inbox)
    assert cards[0] == str(urgent.id) and len(cards) == 2
    first_card = inbox.split('id="request-', 2)[1]
    assert "Urgent" in first_card


def test_the_free_check_says_free_then_not_free(people, client_for):
    nqsw = client_for(people["nqsw"])
    query = ask_form(people["mentor"])
    fragment = nqsw.get("/requests/new/check", query_string=query, headers=HTMX)
    shown = page_text(fragment)
    assert fragment.status_code == 200 and "<html" not in fragment.get_data(as_text=True)
    assert 'id="free-check"' in fragment.get_data(as_text=True)
    assert "Mina Mentor is free</strong> for a home visit" in shown
    make_request(people["other_nqsw"], people["mentor"])
    shown = page_text(nqsw.get("/requests/new/check", query_string=query, headers=HTMX))
    assert "Mina Mentor is not free" in shown and "it clashes with another commitment" in shown
    whole = nqsw.get("/requests/new/check", query_string=query)
    assert "<html" in whole.get_data(as_text=True) and "Mina Mentor is not free" in page_text(whole)


# Answering: the allowed transitions ---------------------------------------------------


def test_ask_accept_cancel(people, client_for):
    request_id = make_request(people["nqsw"], people["mentor"])
    mentor = client_for(people["mentor"])
    response = mentor.post(f"/requests/{request_id}/accept")
    # Back to the inbox, at the week that shows what was just agreed.
    day = stored(request_id).starts_at.astimezone(LONDON).date()
    at = "/inbox" if day < clock.today() + timedelta(days=7) else f"/inbox?from={day}"
    assert response.status_code == 302 and response.location == at
    assert "Accepted: it is in your diary" in page_text(mentor.get(response.location))
    assert stored(request_id).status == "accepted" and held(request_id)

    nqsw = client_for(people["nqsw"])
    assert "Cancel this request" in page_text(nqsw.get(f"/requests/{request_id}"))
    assert nqsw.get(f"/requests/{request_id}/cancel").status_code == 200
    refused = nqsw.post(f"/requests/{request_id}/cancel", data={"reason": "  "})
    assert refused.status_code == 422 and "Enter a reason" in page_text(refused)
    assert stored(request_id).status == "accepted" and held(request_id)

    response = nqsw.post(f"/requests/{request_id}/cancel", data={"reason": "The family moved it"})
    assert response.status_code == 302 and response.location == f"/requests/{request_id}"
    assert stored(request_id).status == "cancelled" and not held(request_id)
    assert "It has been cancelled" in page_text(nqsw.get(response.location))
    assert audit_actions(request_id) == ["request.asked", "request.accepted", "request.cancelled"]
    steps = history(nqsw, request_id)
    assert [step.split(": ", 1)[1] for step in steps] == [
        "Nia Newly, asked",
        "Mina Mentor, accepted",
        "Nia Newly, cancelled (The family moved it)",
    ]


def test_the_mentor_may_cancel_too(people, client_for):
    request_id = make_request(people["nqsw"], people["mentor"])
    mentor = client_for(people["mentor"])
    assert mentor.post(f"/requests/{request_id}/accept").status_code == 302
    response = mentor.post(f"/requests/{request_id}/cancel", data={"reason": "Off sick"})
    assert response.status_code == 302
    assert stored(request_id).status == "cancelled" and not held(request_id)


def test_ask_decline_with_a_reason(people, client_for):
    request_id = make_request(people["nqsw"], people["mentor"])
    mentor = client_for(people["mentor"])
    form = mentor.get(f"/requests/{request_id}/decline")
    assert form.status_code == 200 and "Decline: home visit" in page_text(form)
    refused = mentor.post(f"/requests/{request_id}/decline", data={"reason": ""})
    assert refused.status_code == 422 and "Enter a reason" in page_text(refused)
    assert stored(request_id).status == "requested"

    response = mentor.post(f"/requests/{request_id}/decline", data={"reason": "On leave then"})
    assert response.status_code == 302
    assert stored(request_id).status == "declined" and not held(request_id)
    assert audit_actions(request_id) == ["request.asked", "request.declined"]
    shown = page_text(client_for(people["nqsw"]).get(f"/requests/{request_id}"))
    assert "Declined" in shown and "Mina Mentor, declined (On leave then)" in shown


def test_ask_withdraw(people, client_for):
    request_id = make_request(people["nqsw"], people["mentor"])
    nqsw = client_for(people["nqsw"])
    assert "Withdraw this request" in page_text(nqsw.get(f"/requests/{request_id}"))
    response = nqsw.post(f"/requests/{request_id}/withdraw")
    assert response.status_code == 302 and response.location == f"/requests/{request_id}"
    shown = page_text(nqsw.get(response.location))
    assert "Your request has been withdrawn" in shown and "Withdrawn" in shown
    assert stored(request_id).status == "withdrawn" and not held(request_id)
    assert audit_actions(request_id) == ["request.asked", "request.withdrawn"]
    # The time is free again.
    again = nqsw.post("/requests/new", data=ask_form(people["mentor"]))
    assert again.status_code == 302


def test_htmx_accept_answers_with_the_card(people, client_for):
    request_id = make_request(people["nqsw"], people["mentor"])
    response = client_for(people["mentor"]).post(f"/requests/{request_id}/accept", headers=HTMX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body
    assert body.lstrip().startswith(f'<div class="app-request-card" id="request-{request_id}"')
    assert "Accepted: it is in your diary" in page_text(response) and "Accepted" in body
    assert stored(request_id).status == "accepted"


def test_taking_an_offered_time_accepts_it(people, client_for):
    request_id = make_request(people["nqsw"], people["mentor"])
    scheduling.propose(people["mentor"], stored(request_id), at(14), at(15), LONDON, clock.now())
    db.session.commit()
    nqsw = client_for(people["nqsw"])
    assert "Take the offered time" in page_text(nqsw.get(f"/requests/{request_id}"))
    assert nqsw.post(f"/requests/{request_id}/take").status_code == 302
    item = stored(request_id)
    assert (item.status, item.starts_at) == ("accepted", at(14))


# Answering: what the state machine refuses ---------------------------------------------

FORBIDDEN = [
    ("accepted", "mentor", "accept", None),
    ("declined", "mentor", "accept", None),
    ("withdrawn", "mentor", "accept", None),
    ("accepted", "nqsw", "withdraw", None),
    ("withdrawn", "nqsw", "withdraw", None),
    ("cancelled", "nqsw", "withdraw", None),
    ("requested", "nqsw", "take", None),
    ("accepted", "mentor", "decline", "Busy"),
    ("withdrawn", "mentor", "decline", "Busy"),
    ("requested", "nqsw", "cancel", "Not needed"),
    ("declined", "mentor", "cancel", "Not needed"),
]


def snapshot(request_id: int) -> tuple:
    item = stored(request_id)
    return (
        item.status,
        item.sequence,
        held(request_id),
        count(RequestEvent),
        len(audit_actions()),
        count(Notification),
        count(OutboxEmail),
    )


@pytest.mark.parametrize(("state", "who", "action", "reason"), FORBIDDEN)
def test_forbidden_transitions_answer_409_and_change_nothing(
    people, client_for, state, who, action, reason
):
    request_id = make_request(people["nqsw"], people["mentor"])
    db.session.execute(
        text("UPDATE support_requests SET status = :s WHERE id = :id"),
        {"s": state, "id": request_id},
    )
    db.session.commit()
    client = client_for(people[who])
    before = snapshot(request_id)
    if reason is None:
        response = client.post(f"/requests/{request_id}/{action}", headers=HTMX)
        assert f'id="request-{request_id}"' in response.get_data(as_text=True)
        assert CHANGED in page_text(response)
    else:
        response = client.post(f"/requests/{request_id}/{action}", data={"reason": reason})
        assert "You cannot" not in page_text(response)
        assert CHANGED in page_text(response) and "There is a problem" in page_text(response)
    assert response.status_code == 409
    assert snapshot(request_id) == before


def test_a_conflict_without_htmx_redirects_with_a_banner(people, client_for):
    request_id = make_request(people["nqsw"], people["mentor"])
    mentor = client_for(people["mentor"])
    assert mentor.post(f"/requests/{request_id}/accept").status_code == 302
    again = mentor.post(f"/requests/{request_id}/accept")
    assert again.status_code == 302
    assert CHANGED in page_text(mentor.get(again.location))
    assert count(RequestEvent) == 2


# Who may see and act -------------------------------------------------------------------

OUTSIDERS = [
    ("other_nqsw", "get", "", None),
    ("other_nqsw", "post", "/withdraw", None),
    ("other_nqsw", "post", "/take", None),
    ("other_nqsw", "get", "/cancel", None),
    ("other_nqsw", "post", "/cancel", {"reason": "Not mine"}),
    ("other_mentor", "get", "", None),
    ("other_mentor", "post", "/accept", None),
    ("other_mentor", "get", "/decline", None),
    ("other_mentor", "post", "/decline", {"reason": "Not mine"}),
    ("other_mentor", "get", "/cancel", None),
    ("other_mentor", "post", "/cancel", {"reason": "Not mine"}),
]


def refusals(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if "object refused" in r.getMessage()]


@pytest.mark.parametrize(("who", "method", "suffix", "data"), OUTSIDERS)
def test_another_persons_request_is_not_found_and_logged(
    people, client_for, caplog, who, method, suffix, data
):
    request_id = make_request(people["nqsw"], people["mentor"])
    if suffix == "/cancel":
        scheduling.accept(people["mentor"], stored(request_id), LONDON, clock.now())
        db.session.commit()
    client = client_for(people[who])
    before = snapshot(request_id)
    with caplog.at_level(logging.WARNING):
        response = getattr(client, method)(f"/requests/{request_id}{suffix}", data=data)
    assert response.status_code == 404
    assert "Nia Newly" not in page_text(response)
    assert f"user {people[who].id} asked for support request {request_id}" in " ".join(
        refusals(caplog)
    )
    assert snapshot(request_id) == before


def test_the_nqsws_manager_may_read_but_not_act(people, client_for):
    request_id = make_request(people["nqsw"], people["mentor"])
    manager = client_for(people["manager"])
    shown = page_text(manager.get(f"/requests/{request_id}"))
    assert "Nia Newly" in shown and "Mina Mentor" in shown and "Nia Newly, asked" in shown
    assert "Accept" not in shown and "Withdraw this request" not in shown
    before = snapshot(request_id)
    for path in ("accept", "withdraw", "take", "decline", "cancel"):
        response = manager.post(f"/requests/{request_id}/{path}", data={"reason": "Because"})
        assert response.status_code == 403, path
    assert snapshot(request_id) == before
    scheduling.accept(people["mentor"], stored(request_id), LONDON, clock.now())
    db.session.commit()
    assert "Cancel this request" not in page_text(manager.get(f"/requests/{request_id}"))


def test_a_manager_who_also_mentors_cannot_act_on_a_team_request(people, client_for, caplog):
    both = make_user(Role.PRACTICE_MANAGER, Role.MENTOR)
    make_manager_of(people["team"], both)
    request_id = make_request(people["nqsw"], people["mentor"])
    client = client_for(both)
    assert client.get(f"/requests/{request_id}").status_code == 200
    before = snapshot(request_id)
    with caplog.at_level(logging.WARNING):
        assert client.post(f"/requests/{request_id}/accept").status_code == 404
        assert client.get(f"/requests/{request_id}/decline").status_code == 404
    assert len(refusals(caplog)) == 2
    assert snapshot(request_id) == before


def test_another_teams_manager_cannot_read(people, client_for, caplog):
    stranger = make_user(Role.PRACTICE_MANAGER)
    make_manager_of(make_team(), stranger)
    request_id = make_request(people["nqsw"], people["mentor"])
    with caplog.at_level(logging.WARNING):
        assert client_for(stranger).get(f"/requests/{request_id}").status_code == 404
    assert refusals(caplog)


def test_lists_show_only_ones_own_requests(people, client_for):
    make_request(people["nqsw"], people["mentor"])
    make_request(people["other_nqsw"], people["other_mentor"], at(12), at(13))
    mine = page_text(client_for(people["nqsw"]).get("/requests"))
    assert "Mina Mentor" in mine and "Omar Othermentor" not in mine
    inbox = page_text(client_for(people["other_mentor"]).get("/inbox"))
    assert "Ola Otherworker" in inbox and "Nia Newly" not in inbox


# Notices carry no case detail -------------------------------------------------------------


def test_notifications_and_emails_name_no_case(people, client_for):
    nqsw, mentor = client_for(people["nqsw"]), client_for(people["mentor"])
    assert nqsw.post("/requests/new", data=ask_form(people["mentor"])).status_code == 302
    first = db.session.scalar(select(SupportRequest.id))
    assert mentor.post(f"/requests/{first}/accept").status_code == 302
    assert nqsw.post(f"/requests/{first}/cancel", data={"reason": "Moved"}).status_code == 302
    second_form = ask_form(people["mentor"], starts="14:00", ends="15:00", case_reference="CR-999")
    assert nqsw.post("/requests/new", data=second_form).status_code == 302
    second = db.session.scalar(select(func.max(SupportRequest.id)))
    assert mentor.post(f"/requests/{second}/decline", data={"reason": "Busy"}).status_code == 302

    db.session.expire_all()
    notes = db.session.scalars(select(Notification.message)).all()
    emails = db.session.scalars(select(OutboxEmail)).all()
    # Asked, accepted, cancelled; asked, declined: one notice and one email each.
    assert len(notes) == 5 and len(emails) == 5
    assert {stored(first).case_reference, stored(second).case_reference} == {"CR-12345", "CR-999"}
    for message in notes:
        assert "CR-" not in message
    for email in emails:
        assert "CR-" not in email.subject and "CR-" not in email.body
        assert "/requests/" in email.body


# CSRF ------------------------------------------------------------------------------------


class TestCsrf:
    """With CSRF on, as in production."""

    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "WTF_CSRF_ENABLED": True}

    @pytest.fixture
    def csrf_client_for(self, app):
        def make(user):
            app.test_client_class = FreshContextClient
            own = app.test_client()
            sign_in_with_token(own, user)
            return own

        return make

    @pytest.mark.parametrize(
        ("who", "suffix", "data"),
        [
            ("nqsw", "/withdraw", {}),
            ("nqsw", "/take", {}),
            ("mentor", "/accept", {}),
            ("mentor", "/decline", {"reason": "Busy"}),
            ("nqsw", "/cancel", {"reason": "Moved"}),
        ],
    )
    def test_a_post_without_a_token_is_refused(self, people, csrf_client_for, who, suffix, data):
        request_id = make_request(people["nqsw"], people["mentor"])
        before = snapshot(request_id)
        response = csrf_client_for(people[who]).post(f"/requests/{request_id}{suffix}", data=data)
        assert response.status_code == 400
        assert "Your form has expired" in page_text(response)
        assert snapshot(request_id) == before

    def test_asking_without_a_token_is_refused(self, people, csrf_client_for):
        nqsw = csrf_client_for(people["nqsw"])
        response = nqsw.post("/requests/new", data=ask_form(people["mentor"]))
        assert response.status_code == 400 and count(SupportRequest) == 0
        token = form_token(nqsw.get("/requests/new").get_data(as_text=True))
        form = {**ask_form(people["mentor"]), "csrf_token": token}
        assert nqsw.post("/requests/new", data=form).status_code == 302
        assert count(SupportRequest) == 1

    def test_htmx_accept_with_the_header_token_is_accepted(self, people, csrf_client_for):
        request_id = make_request(people["nqsw"], people["mentor"])
        mentor = csrf_client_for(people["mentor"])
        token = header_token(mentor.get("/inbox").get_data(as_text=True))
        response = mentor.post(
            f"/requests/{request_id}/accept", headers={**HTMX, "X-CSRFToken": token}
        )
        assert response.status_code == 200 and "Accepted: it is in your diary" in page_text(
            response
        )
        assert stored(request_id).status == "accepted"


# Query counts -------------------------------------------------------------------------------


def slots(how_many: int):
    """Distinct 45-minute slots inside the weekday 09:00 to 17:00 pattern, from DAY on."""
    days = [d for d in (DAY + timedelta(days=n) for n in range(30)) if d.weekday() < 5]
    for number in range(how_many):
        day, hour = days[number // 8], 9 + number % 8
        yield at(hour, day=day), at(hour, 45, day=day)


def names(response, prefix: str) -> int:
    """How many different people called `prefix` and a number the page names."""
    return len(set(re.findall(rf"{prefix} \d+", page_text(response))))


def test_inbox_queries_do_not_grow_with_requests(people, client_for, count_queries):
    mentor = people["mentor"]
    asking = [make_user(Role.NQSW, name=f"Asker {n}") for n in range(30)]
    for nqsw in asking:
        assign_mentor(nqsw, mentor)
    times = list(slots(30))
    for nqsw, (starts, ends) in zip(asking[:3], times[:3], strict=True):
        make_request(nqsw, mentor, starts, ends)
    client = client_for(mentor)
    client.get("/inbox")
    with count_queries() as few:
        assert names(client.get("/inbox"), "Asker") == 3
    for nqsw, (starts, ends) in zip(asking[3:], times[3:], strict=True):
        make_request(nqsw, mentor, starts, ends)
    with count_queries() as many:
        assert names(client.get("/inbox"), "Asker") == WAITING_PER_PAGE  # the first page
    assert many.count == few.count, many.statements


def test_my_requests_queries_do_not_grow_with_requests(people, client_for, count_queries):
    nqsw = people["nqsw"]
    mentors = [make_user(Role.MENTOR, name=f"Helper {n}") for n in range(30)]
    for mentor in mentors:
        assign_mentor(nqsw, mentor)
        open_diary(mentor)
    for mentor in mentors[:3]:
        make_request(nqsw, mentor)
    client = client_for(nqsw)
    client.get("/requests")
    with count_queries() as few:
        assert names(client.get("/requests"), "Helper") == 3
    for mentor in mentors[3:]:
        make_request(nqsw, mentor)
    with count_queries() as many:
        assert names(client.get("/requests"), "Helper") == MY_REQUESTS_PER_PAGE  # the first page
    assert many.count == few.count, many.statements


@pytest.mark.parametrize(
    "fields",
    [
        {"purpose": "First visit\x00"},
        {"area": "North\x1b"},
        {"kind": "case_discussion", "case_reference": "CR\x00-1"},
    ],
)
def test_control_characters_are_refused_not_a_crash(people, client_for, fields):
    client = client_for(people["nqsw"])
    response = client.post("/requests/new", data=ask_form(people["mentor"], **fields))
    assert response.status_code == 422
    assert count(SupportRequest) == 0
