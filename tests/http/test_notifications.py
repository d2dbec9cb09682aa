"""In-app notifications: counted in the header, listed, marked as read, private."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from nqsw_visits.availability import rules as availability_store
from nqsw_visits.core import clock
from nqsw_visits.core.extensions import db
from nqsw_visits.people.models import Role
from nqsw_visits.support_requests import rules as scheduling
from nqsw_visits.support_requests.models import RequestKind
from tests.conftest import sign_in
from tests.factories import assign_mentor, make_user

LONDON = ZoneInfo("Europe/London")


def ask(nqsw, mentor, hour):
    return scheduling.ask(
        nqsw,
        mentor.id,
        scheduling.Details(
            kind=RequestKind.CASE_DISCUSSION,
            starts_at=datetime(2027, 3, 2, hour, tzinfo=LONDON),
            ends_at=datetime(2027, 3, 2, hour + 1, tzinfo=LONDON),
        ),
        LONDON,
        clock.now(),
    )


def test_unread_count_list_and_mark_read(app, client):
    mentor, nqsw = make_user(Role.MENTOR), make_user(Role.NQSW, name="Ben Carter")
    assign_mentor(nqsw, mentor)
    availability_store.add_window(mentor, mentor, 1, time(9), time(17), date(2026, 1, 1))
    ask(nqsw, mentor, 10)
    ask(nqsw, mentor, 13)
    db.session.commit()
    sign_in(client, mentor)
    home = client.get("/mentoring").get_data(as_text=True)
    assert "Notifications (2 new)" in home
    page = client.get("/notifications").get_data(as_text=True)
    assert page.count("Ben Carter asked you for support") == 2 and page.count(">New<") == 2
    fragment = client.post("/notifications/read", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.get_data(as_text=True)
    assert "All notifications marked as read" in fragment.get_data(as_text=True)
    assert "Notifications (" not in client.get("/mentoring").get_data(as_text=True)
    other = app.test_client()
    sign_in(other, make_user(Role.MENTOR))
    assert "Ben Carter" not in other.get("/notifications").get_data(as_text=True)


def test_mark_read_without_javascript_redirects_with_a_banner(client):
    sign_in(client, make_user(Role.NQSW))
    response = client.post("/notifications/read", follow_redirects=True)
    assert "All notifications marked as read" in response.get_data(as_text=True)
    assert "You have no notifications" in response.get_data(as_text=True)
