"""Flexible times: pick one of a mentor's free slots; or ask whichever mentor is free."""

import re
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import select

from nqsw_visits.availability import rules as availability_store
from nqsw_visits.core.extensions import db
from nqsw_visits.people.models import Role
from nqsw_visits.support_requests.models import SupportRequest
from tests.conftest import sign_in
from tests.factories import assign_mentor, make_user

LONDON = ZoneInfo("Europe/London")


def mentors_for(nqsw, *names):
    mentors = []
    for name in names:
        mentor = make_user(Role.MENTOR, name=name)
        assign_mentor(nqsw, mentor)
        for weekday in range(5):
            availability_store.add_window(
                mentor, mentor, weekday, time(9), time(17), date(2026, 1, 1)
            )
        mentors.append(mentor)
    db.session.commit()
    return mentors


def test_a_free_slot_links_to_a_prefilled_request(client):
    nqsw = make_user(Role.NQSW)
    (mentor,) = mentors_for(nqsw, "Grace Mensah")
    sign_in(client, nqsw)
    slots = client.get(f"/mentors/{mentor.id}/slots?duration=60&kind=case_discussion")
    links = re.findall(r'href="(/requests/new\?[^"]+)"', slots.get_data(as_text=True))
    assert links, "each free start time links to the ask form"
    link = links[0].replace("&amp;", "&")
    assert "case_reference" not in link and "purpose" not in link
    form = client.get(link).get_data(as_text=True)
    day = re.search(r"day=(\d{4}-\d\d-\d\d)", link).group(1)
    starts = re.search(r"starts=(\d\d:\d\d)", link).group(1)
    assert f'value="{starts}"' in form
    assert f'value="{int(day[8:])}"' in form  # the day box is filled
    assert 'value="case_discussion" checked' in form


def test_mentor_sees_no_ask_links(client):
    mentor = make_user(Role.MENTOR)
    sign_in(client, mentor)
    page = client.get(f"/mentors/{mentor.id}/slots").get_data(as_text=True)
    assert "/requests/new?" not in page


def test_any_of_my_mentors_goes_to_one_who_is_free(client):
    nqsw = make_user(Role.NQSW)
    first, second = mentors_for(nqsw, "Amy First", "Bo Second")
    sign_in(client, nqsw)
    data = {
        "mentor": "0",
        "kind": "case_discussion",
        "day": ["2", "3", "2027"],
        "starts": "10:00",
        "ends": "11:00",
        "venue_type": "office",
        "purpose": "Talk through the plan",
        "consent": "not_applicable",
    }
    assert client.post("/requests/new", data=data).status_code == 302
    assert client.post("/requests/new", data=data).status_code == 302
    rows = db.session.scalars(select(SupportRequest).order_by(SupportRequest.id)).all()
    assert [r.mentor_id for r in rows] == [first.id, second.id]
    assert rows[0].starts_at == datetime(2027, 3, 2, 10, tzinfo=UTC)
    third = client.post("/requests/new", data=data)
    assert third.status_code == 409
    assert "None of your mentors is free at that time" in third.get_data(as_text=True)
