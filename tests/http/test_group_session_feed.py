"""Group sessions in the personal calendar feed: the organiser's and those going or maybe,
nobody else's; a cancelled one drops out; the feed's queries stay the same as they grow."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from nqsw_visits.core import clock
from nqsw_visits.core.extensions import db
from nqsw_visits.core.tokens import hash_token
from nqsw_visits.group_sessions import rules
from nqsw_visits.group_sessions.models import Reply
from nqsw_visits.people.models import Role
from tests.factories import make_user
from tests.http.group_session_rows import stored_session

LONDON = ZoneInfo("Europe/London")
STARTS = datetime(2027, 2, 11, 14, tzinfo=LONDON)
PLACE = "Room 4, Town Hall; or online"


@pytest.fixture
def world(app):
    people = {"organiser": make_user(Role.MENTOR), "uninvited": make_user(Role.NQSW)}
    people |= {reply: make_user(Role.NQSW) for reply in Reply}
    for person in people.values():
        person.calendar_token_hash = hash_token(f"token-{person.id}")
    db.session.commit()
    replies = {people[reply]: reply for reply in Reply}
    session = stored_session(
        people["organiser"], STARTS, STARTS + timedelta(hours=2), replies, place=PLACE
    )
    return people | {"session": session}


def feed_events(client, person) -> dict:
    response = client.get(f"/calendar/token-{person.id}.ics")
    assert response.status_code == 200
    return {str(e["UID"]): e for e in Calendar.from_ical(response.data).walk("VEVENT")}


def test_the_organiser_and_those_going_or_maybe_see_it_and_no_one_else(world, client):
    uid = f"group-session-{world['session'].uid}@alongside"
    for who in ("organiser", Reply.GOING, Reply.MAYBE):
        event = feed_events(client, world[who])[uid]
        assert str(event["SUMMARY"]) == "Court skills (Alongside group session)"
        assert str(event["LOCATION"]) == PLACE
        assert event.decoded("DTSTART") == datetime(2027, 2, 11, 14, tzinfo=UTC)
        assert event.decoded("DTEND") == datetime(2027, 2, 11, 16, tzinfo=UTC)
        assert str(event["DESCRIPTION"]).endswith(f"/group-sessions/{world['session'].id}")
    for who in ("uninvited", Reply.NONE, Reply.NOT_GOING, Reply.WAITING):
        assert uid not in feed_events(client, world[who])


def test_a_cancelled_session_drops_out(world, client):
    uid = f"group-session-{world['session'].uid}@alongside"
    assert uid in feed_events(client, world[Reply.GOING])
    rules.cancel(world["organiser"], world["session"], "Room closed", "one", clock.now())
    db.session.commit()
    for who in ("organiser", Reply.GOING, Reply.MAYBE):
        assert uid not in feed_events(client, world[who])


def test_only_sessions_inside_the_feeds_window(world, client):
    far = stored_session(
        world["organiser"],
        STARTS + timedelta(days=400),
        STARTS + timedelta(days=400, hours=2),
        {world[Reply.GOING]: Reply.GOING},
    )
    shown = feed_events(client, world[Reply.GOING])
    assert f"group-session-{far.uid}@alongside" not in shown
    assert f"group-session-{world['session'].uid}@alongside" in shown


def test_the_feed_runs_the_same_queries_for_one_session_or_many(world, client, count_queries):
    person = world[Reply.GOING]
    url = f"/calendar/token-{person.id}.ics"
    client.get(url)
    with count_queries() as few:
        client.get(url)
    for week in range(1, 13):
        starts = STARTS + timedelta(weeks=week)
        stored_session(
            world["organiser"],
            starts,
            starts + timedelta(hours=2),
            {person: Reply.GOING if week % 2 else Reply.MAYBE},
            topic=f"Topic {week}",
        )
    with count_queries() as many:
        body = client.get(url).get_data(as_text=True)
    assert body.count("BEGIN:VEVENT") == 13
    assert many.count == few.count, many.statements
