"""The app itself marks ended accompaniments as completed, after a response, now and then."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update

from nqsw_visits.availability import rules as availability_store
from nqsw_visits.core import clock
from nqsw_visits.core.extensions import db
from nqsw_visits.people.models import Role
from nqsw_visits.support_requests import rules as scheduling
from nqsw_visits.support_requests.models import RequestKind, SupportRequest
from tests.factories import assign_mentor, make_user

LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def app_config(app_config):
    return {**app_config, "COMPLETE_PAST_EVERY_SECONDS": 3600}


def accepted_request_that_has_ended() -> SupportRequest:
    mentor, nqsw = make_user(Role.MENTOR), make_user(Role.NQSW)
    assign_mentor(nqsw, mentor)
    availability_store.add_window(mentor, mentor, 1, time(9), time(17), date(2027, 1, 1))
    request = scheduling.ask(
        nqsw,
        mentor.id,
        scheduling.Details(
            kind=RequestKind.CASE_DISCUSSION,
            starts_at=datetime(2027, 3, 2, 10, tzinfo=LONDON),
            ends_at=datetime(2027, 3, 2, 11, tzinfo=LONDON),
        ),
        LONDON,
        clock.now(),
    )
    scheduling.accept(mentor, request, LONDON, clock.now())
    yesterday = clock.now() - timedelta(days=1)
    db.session.execute(
        update(SupportRequest)
        .where(SupportRequest.id == request.id)
        .values(starts_at=yesterday, ends_at=yesterday + timedelta(hours=1))
    )
    db.session.commit()
    return request


def test_a_response_completes_past_events_once_per_period(app, client):
    request = accepted_request_that_has_ended()
    state = app.extensions["housekeeping"]
    client.get("/healthz")
    first = state["thread"]
    first.join(timeout=10)
    db.session.expire_all()
    assert db.session.get(SupportRequest, request.id).status == "completed"
    assert [event.action for event in request.events][-1] == "completed"
    client.get("/healthz")
    assert state["thread"] is first  # not again within the period


def test_off_when_the_period_is_zero(app, client):
    app.config["COMPLETE_PAST_EVERY_SECONDS"] = 0
    request = accepted_request_that_has_ended()
    client.get("/healthz")
    assert app.extensions["housekeeping"]["thread"] is None
    db.session.expire_all()
    assert db.session.get(SupportRequest, request.id).status == "accepted"
