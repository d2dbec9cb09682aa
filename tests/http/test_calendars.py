"""Calendar files and feeds: parsed with icalendar, private, and free of case detail."""

import gzip
import re
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from nqsw_visits.agreements import rules as agreement_rules
from nqsw_visits.agreements.models import SupportLevel
from nqsw_visits.availability import rules as availability_store
from nqsw_visits.core import clock
from nqsw_visits.core.extensions import db
from nqsw_visits.one_to_ones.models import OneToOne
from nqsw_visits.people.models import Role
from nqsw_visits.support_requests import rules as scheduling
from nqsw_visits.support_requests.models import RequestKind
from tests.conftest import sign_in
from tests.factories import assign_mentor, make_manager_of, make_team, make_user
from tests.http.test_stored_markup import assert_calendar

LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def booked(app):
    mentor, nqsw = (
        make_user(Role.MENTOR, name="Grace Mensah"),
        make_user(Role.NQSW, name="Amira Hassan"),
    )
    assign_mentor(nqsw, mentor)
    availability_store.add_window(mentor, mentor, 1, time(9), time(17), date(2026, 1, 1))
    request = scheduling.ask(
        nqsw,
        mentor.id,
        scheduling.Details(
            kind=RequestKind.HOME_VISIT,
            case_reference="CR-777",
            starts_at=datetime(2027, 3, 2, 10, tzinfo=LONDON),
            ends_at=datetime(2027, 3, 2, 11, tzinfo=LONDON),
        ),
        LONDON,
        clock.now(),
    )
    scheduling.accept(mentor, request, LONDON, clock.now())
    db.session.commit()
    return {"mentor": mentor, "nqsw": nqsw, "request": request}


def events(body: bytes):
    return Calendar.from_ical(body).walk("VEVENT")


def test_an_accepted_request_downloads_as_one_event(client, booked):
    sign_in(client, booked["nqsw"])
    response = client.get(f"/requests/{booked['request'].id}.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    (event,) = events(response.data)
    assert event["SUMMARY"] == "Home visit with Grace Mensah (Alongside)"
    assert event["STATUS"] == "CONFIRMED" and event["SEQUENCE"] == 1
    assert event.decoded("DTSTART") == datetime(2027, 3, 2, 10, tzinfo=UTC)  # GMT in March
    assert "CR-777" not in response.get_data(as_text=True)


def test_uid_stays_and_sequence_rises_and_cancelled_shows_so(client, booked):
    sign_in(client, booked["mentor"])
    first = events(client.get(f"/requests/{booked['request'].id}.ics").data)[0]
    scheduling.cancel(booked["mentor"], booked["request"], "Visit moved by the family", clock.now())
    db.session.commit()
    second = events(client.get(f"/requests/{booked['request'].id}.ics").data)[0]
    assert first["UID"] == second["UID"]
    assert second["SEQUENCE"] > first["SEQUENCE"]
    assert second["STATUS"] == "CANCELLED"
    assert second["SUMMARY"] == "Home visit with Amira Hassan (Alongside)"


def test_someone_elses_event_is_404(client, booked):
    sign_in(client, make_user(Role.NQSW))
    assert client.get(f"/requests/{booked['request'].id}.ics").status_code == 404


def feed_path(client) -> str:
    page = client.post("/account/calendar").get_data(as_text=True)
    return re.search(r'value="http://[^/]+(/calendar/[^"]+\.ics)"', page).group(1)


def test_the_feed_works_without_signing_in_and_a_new_address_kills_the_old(app, client, booked):
    sign_in(client, booked["mentor"])
    old = feed_path(client)
    anonymous = app.test_client()
    response = anonymous.get(old)
    assert response.status_code == 200
    assert [str(e["UID"]) for e in events(response.data)] == [f"{booked['request'].uid}@alongside"]
    new = feed_path(client)
    assert new != old
    assert anonymous.get(old).status_code == 404
    assert anonymous.get(new).status_code == 200
    assert anonymous.get("/calendar/not-a-real-secret.ics").status_code == 404


def test_the_feed_goes_compressed_to_a_calendar_app_that_accepts_it(app, client, booked):
    sign_in(client, booked["mentor"])
    path, anonymous = feed_path(client), app.test_client()
    plain = anonymous.get(path)
    packed = anonymous.get(path, headers={"Accept-Encoding": "gzip, deflate"})
    assert "Content-Encoding" not in plain.headers
    assert packed.headers["Content-Encoding"] == "gzip"
    assert (
        "Accept-Encoding" in packed.headers["Vary"] and "Accept-Encoding" in plain.headers["Vary"]
    )
    assert unstamped(gzip.decompress(packed.data)) == unstamped(plain.data)
    refused = anonymous.get(path, headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert "Content-Encoding" not in refused.headers
    assert unstamped(refused.data) == unstamped(plain.data)


def unstamped(body: bytes) -> bytes:
    """The feed without its DTSTAMP lines, which name the second it was made."""
    return re.sub(rb"DTSTAMP:\w+\r\n", b"", body)


def test_a_deactivated_persons_feed_stops(app, client, booked):
    sign_in(client, booked["nqsw"])
    path = feed_path(client)
    booked["nqsw"].active = False
    db.session.commit()
    assert app.test_client().get(path).status_code == 404


def test_the_secret_is_stored_only_as_a_hash(client, booked):
    sign_in(client, booked["nqsw"])
    secret = feed_path(client).removeprefix("/calendar/").removesuffix(".ics")
    db.session.refresh(booked["nqsw"])
    assert secret not in booked["nqsw"].calendar_token_hash
    assert len(booked["nqsw"].calendar_token_hash) == 64


def test_the_feed_shows_what_goes_ahead_with_names_escaped_and_lines_folded(app, client, booked):
    mentor = booked["mentor"]
    mentor.display_name = "Zoë Ní Bhriain-Ó Súilleabháin, Senior; Practitioner \\ Lead " * 2
    declined = scheduling.ask(
        booked["nqsw"],
        mentor.id,
        scheduling.Details(
            kind=RequestKind.MEETING,
            case_reference="CR-778",
            starts_at=datetime(2027, 3, 9, 10, tzinfo=LONDON),
            ends_at=datetime(2027, 3, 9, 11, tzinfo=LONDON),
        ),
        LONDON,
        clock.now(),
    )
    waiting = scheduling.ask(
        booked["nqsw"],
        mentor.id,
        scheduling.Details(
            kind=RequestKind.HOME_VISIT,
            case_reference="CR-779",
            starts_at=datetime(2027, 3, 16, 10, tzinfo=LONDON),
            ends_at=datetime(2027, 3, 16, 11, tzinfo=LONDON),
        ),
        LONDON,
        clock.now(),
    )
    scheduling.decline(mentor, declined, "Not that day", clock.now())
    db.session.commit()
    sign_in(client, booked["nqsw"])
    response = app.test_client().get(feed_path(client))
    lines = response.data.split(b"\r\n")
    assert max(len(line) for line in lines) <= 75 and lines[-1] == b""
    found = {str(event["UID"]): event for event in events(response.data)}
    assert set(found) == {f"{booked['request'].uid}@alongside", f"{waiting.uid}@alongside"}
    agreed, asked = found[f"{booked['request'].uid}@alongside"], found[f"{waiting.uid}@alongside"]
    assert agreed["SUMMARY"] == f"Home visit with {mentor.display_name}"
    assert agreed.decoded("DTSTART") == datetime(2027, 3, 2, 10, tzinfo=UTC)
    assert agreed.decoded("DTEND") == datetime(2027, 3, 2, 11, tzinfo=UTC)
    assert agreed["DESCRIPTION"].endswith(f"/requests/{booked['request'].id}")
    assert "STATUS" not in agreed and asked["STATUS"] == "TENTATIVE"
    assert "CR-777" not in response.get_data(as_text=True)


def test_a_one_to_ones_calendar_file_keeps_odd_names_to_their_own_lines(app, client):
    """Commas, semicolons, backslashes and a line break in a name stay inside the summary."""
    team = make_team()
    mentor = make_user(Role.MENTOR, name="Grace Mensah")
    nqsw = make_user(Role.NQSW, name="Amira Hassan", team=team)
    manager = make_user(Role.PRACTICE_MANAGER)
    make_manager_of(team, manager)
    assign_mentor(nqsw, mentor)
    mentor.display_name = "Ó Súilleabháin, Senior; Lead \\ Mentor\r\nATTENDEE:evil@example.org"
    case = agreement_rules.NewFocusCase("CR-780", "Plan a visit", SupportLevel.ACCOMPANY)
    terms = agreement_rules.Terms(mentor, manager, clock.today(), new_focus_cases=[case])
    agreement = agreement_rules.start(manager, nqsw, terms, clock.now())
    starts = datetime(2027, 3, 2, 10, tzinfo=LONDON)
    session = OneToOne(
        agreement_id=agreement.id,
        mentor_id=mentor.id,
        nqsw_id=nqsw.id,
        starts_at=starts,
        ends_at=starts.replace(hour=11),
        booked_by_id=mentor.id,
    )
    db.session.add(session)
    db.session.commit()
    sign_in(client, nqsw)
    for path in (f"/one-to-ones/{session.id}.ics", feed_path(client)):
        response = app.test_client().get(path) if "/calendar/" in path else client.get(path)
        assert response.status_code == 200, path
        summaries = assert_calendar(response.data, path)
        assert any("Ó Súilleabháin, Senior; Lead \\ Mentor" in s for s in summaries), summaries
