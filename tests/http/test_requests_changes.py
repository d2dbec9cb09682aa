"""Offering another time, passing a request on, and recording that it did not happen."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import update

from nqsw_visits.availability import rules as availability_store
from nqsw_visits.availability.free_time import Limits
from nqsw_visits.core import clock
from nqsw_visits.core.extensions import db
from nqsw_visits.people.models import Role
from nqsw_visits.support_requests import rules as scheduling
from nqsw_visits.support_requests.models import RequestKind, SupportRequest
from tests.conftest import sign_in
from tests.factories import assign_mentor, hold_of, make_user

LONDON = ZoneInfo("Europe/London")


def setup():
    mentor, other = make_user(Role.MENTOR), make_user(Role.MENTOR, name="Tom Whitfield")
    nqsw = make_user(Role.NQSW)
    assign_mentor(nqsw, mentor)
    for person in (mentor, other):
        for weekday in range(5):
            availability_store.add_window(
                person, person, weekday, time(9), time(17), date(2026, 1, 1)
            )
    request = scheduling.ask(
        nqsw,
        mentor.id,
        scheduling.Details(
            kind=RequestKind.MEETING,
            meeting_type="core_group",
            case_reference="CR-9",
            starts_at=datetime(2027, 3, 2, 10, tzinfo=LONDON),
            ends_at=datetime(2027, 3, 2, 11, tzinfo=LONDON),
        ),
        LONDON,
        clock.now(),
    )
    db.session.commit()
    return mentor, other, nqsw, request


def test_mentor_offers_another_time_and_the_nqsw_takes_it(app, client):
    mentor, _, nqsw, request = setup()
    sign_in(client, mentor)
    bad = client.post(
        f"/requests/{request.id}/propose",
        data={"day": ["2", "3", "2027"], "starts": "15:00", "ends": "14:00"},
    )
    assert bad.status_code == 422 and "There is a problem" in bad.get_data(as_text=True)
    outside = client.post(
        f"/requests/{request.id}/propose",
        data={"day": ["2", "3", "2027"], "starts": "18:00", "ends": "19:00"},
    )
    assert outside.status_code == 409 and "not free" in outside.get_data(as_text=True)
    good = client.post(
        f"/requests/{request.id}/propose",
        data={"day": ["2", "3", "2027"], "starts": "14:00", "ends": "15:00"},
    )
    assert good.status_code == 302
    db.session.refresh(request)
    assert request.status == "alternative_proposed"
    nqsw_client = app.test_client()
    sign_in(nqsw_client, nqsw)
    page = nqsw_client.get(f"/requests/{request.id}").get_data(as_text=True)
    assert "Take the offered time" in page and "Another time offered" in page
    assert nqsw_client.post(f"/requests/{request.id}/take").status_code == 302
    db.session.refresh(request)
    assert request.status == "accepted"
    assert request.starts_at == datetime(2027, 3, 2, 14, tzinfo=UTC)


def test_mentor_passes_a_request_on_and_the_new_mentor_answers(app, client):
    mentor, other, _, request = setup()
    sign_in(client, mentor)
    page = client.get(f"/requests/{request.id}/hand-over").get_data(as_text=True)
    assert "Tom Whitfield" in page
    assert (
        client.post(f"/requests/{request.id}/hand-over", data={"mentor": other.id}).status_code
        == 302
    )
    db.session.refresh(request)
    assert request.mentor_id == other.id and hold_of(request.id).mentor_id == other.id
    assert client.get(f"/requests/{request.id}").status_code == 404  # no longer theirs
    other_client = app.test_client()
    sign_in(other_client, other)
    assert other_client.post(f"/requests/{request.id}/accept").status_code == 302
    db.session.refresh(request)
    assert request.status == "accepted"


def test_forged_mentor_id_for_hand_over_is_refused(client):
    mentor, _, nqsw, request = setup()
    sign_in(client, mentor)
    response = client.post(f"/requests/{request.id}/hand-over", data={"mentor": nqsw.id})
    assert response.status_code == 422
    db.session.refresh(request)
    assert request.mentor_id == mentor.id


def test_did_not_happen_only_after_the_start(client):
    mentor, _, _, request = setup()
    scheduling.accept(mentor, request, LONDON, clock.now())
    db.session.commit()
    sign_in(client, mentor)
    early = client.post(f"/requests/{request.id}/did-not-happen", data={"reason": "Family not in"})
    assert early.status_code == 422
    db.session.execute(
        update(SupportRequest)
        .where(SupportRequest.id == request.id)
        .values(
            starts_at=clock.now() - timedelta(hours=3),
            ends_at=clock.now() - timedelta(hours=2),
        )
    )
    db.session.commit()
    done = client.post(f"/requests/{request.id}/did-not-happen", data={"reason": "Family not in"})
    assert done.status_code == 302
    db.session.refresh(request)
    assert request.status == "did_not_happen" and hold_of(request.id) is None


def test_flask_complete_past_marks_ended_accompaniments(runner):
    mentor, _, _, request = setup()
    scheduling.accept(mentor, request, LONDON, clock.now())
    db.session.execute(
        update(SupportRequest)
        .where(SupportRequest.id == request.id)
        .values(
            starts_at=clock.now() - timedelta(hours=3),
            ends_at=clock.now() - timedelta(hours=2),
        )
    )
    db.session.commit()
    result = runner.invoke(args=["complete-past"])
    assert result.exit_code == 0 and "1 accompaniment(s) marked as completed" in result.output
    db.session.refresh(request)
    assert request.status == "completed"


def test_inbox_warns_when_a_waiting_request_now_clashes(client):
    mentor, _, _, _request = setup()
    availability_store.add_exception(
        mentor,
        mentor,
        availability_store.ExceptionKind.LEAVE,
        datetime(2027, 3, 2, 0, tzinfo=LONDON),
        datetime(2027, 3, 3, 0, tzinfo=LONDON),
    )
    db.session.commit()
    sign_in(client, mentor)
    page = client.get("/inbox").get_data(as_text=True)
    assert "You could not take this now: they are on leave, training or otherwise away" in page


def test_inbox_names_the_commitment_a_waiting_request_clashes_with(app, client):
    mentor, _, nqsw, first = setup()  # a core group meeting, 10:00 to 11:00
    availability_store.set_limits(mentor, mentor, Limits(travel_minutes=0))
    visit = scheduling.ask(
        nqsw,
        mentor.id,
        scheduling.Details(
            kind=RequestKind.HOME_VISIT,
            case_reference="CR-10",
            starts_at=datetime(2027, 3, 2, 11, 15, tzinfo=LONDON),
            ends_at=datetime(2027, 3, 2, 12, tzinfo=LONDON),
        ),
        LONDON,
        clock.now(),
    )
    # Travel time set afterwards: the home visit now comes too close to the meeting.
    availability_store.set_limits(mentor, mentor, Limits(travel_minutes=45))
    db.session.commit()
    sign_in(client, mentor)
    page = client.get("/inbox").get_data(as_text=True)
    card = page[page.index(f'id="request-{visit.id}"') :]
    assert "there is not enough travel time" in card.split("It clashes with")[0]
    named = card.split("It clashes with:")[1].split("</ul>")[0]
    assert f'href="/requests/{first.id}"' in named
    assert "Meeting</a>, 2 March 2027 at 10:00am to 11:00" in named


def test_request_page_query_count_does_not_grow_with_its_history(app, client, count_queries):
    mentor, _other, nqsw, request = setup()
    sign_in(client, nqsw)
    with count_queries() as short:
        client.get(f"/requests/{request.id}")
    for hour in (12, 14, 15):  # offer, move on, offer again: the history grows
        scheduling.propose(
            mentor,
            request,
            datetime(2027, 3, 2, hour, tzinfo=LONDON),
            datetime(2027, 3, 2, hour + 1, tzinfo=LONDON),
            LONDON,
            clock.now(),
        )
        scheduling.take_proposal(nqsw, request, clock.now())
    db.session.commit()
    with count_queries() as long:
        page = client.get(f"/requests/{request.id}")
    assert page.get_data(as_text=True).count("took proposal") == 3
    assert long.count == short.count


def test_nqsw_moves_an_accepted_event_and_the_mentor_is_asked_again(app, client):
    mentor, _other, nqsw, request = setup()
    scheduling.accept(mentor, request, LONDON, clock.now())
    db.session.commit()
    sign_in(client, nqsw)
    page = client.get(f"/requests/{request.id}").get_data(as_text=True)
    assert "Change the time" in page
    form = {"day": ["2", "3", "2027"], "starts": "18:00", "ends": "19:00"}
    busy = client.post(f"/requests/{request.id}/change-time", data=form)
    assert busy.status_code == 409 and "not free" in busy.get_data(as_text=True)
    db.session.refresh(request)
    assert request.status == "accepted"  # a refused move loses nothing
    form.update(starts="15:00", ends="16:00", reason="Family asked for the afternoon")
    assert client.post(f"/requests/{request.id}/change-time", data=form).status_code == 302
    db.session.refresh(request)
    assert request.status == "requested"
    assert request.starts_at == datetime(2027, 3, 2, 15, tzinfo=UTC)
    hold = hold_of(request.id)
    assert hold.starts_at == datetime(2027, 3, 2, 15, tzinfo=UTC)
    assert request.events[-1].action == "time_changed"
    assert request.events[-1].reason == "Family asked for the afternoon"
    mentor_client = app.test_client()
    sign_in(mentor_client, mentor)
    inbox = mentor_client.get("/inbox").get_data(as_text=True)
    assert "Accept" in inbox
    assert mentor_client.post(f"/requests/{request.id}/change-time", data=form).status_code == 403


def test_only_the_requests_own_nqsw_can_move_it(app, client):
    _mentor, _other, _nqsw, request = setup()
    stranger = make_user(Role.NQSW)
    db.session.commit()
    sign_in(client, stranger)
    form = {"day": ["2", "3", "2027"], "starts": "15:00", "ends": "16:00"}
    assert client.get(f"/requests/{request.id}/change-time").status_code == 404
    assert client.post(f"/requests/{request.id}/change-time", data=form).status_code == 404
    db.session.refresh(request)
    assert request.starts_at == datetime(2027, 3, 2, 10, tzinfo=UTC)
