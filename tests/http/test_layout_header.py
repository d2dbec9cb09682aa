"""The header is kept rendered per menu: each person still sees their own name and menu."""

import re

from nqsw_visits.core.extensions import db
from nqsw_visits.notifications.notify import notify
from nqsw_visits.people.models import Role, UserRole
from tests.conftest import sign_in
from tests.factories import make_user

CURRENT = re.compile(r'aria-current="page">\s*<strong[^>]*>([^<]+)<')


def header(client, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    return page.split("</header>", 1)[0]


def test_two_people_with_the_same_menu_each_see_their_own_sign_out(client_for):
    first = client_for(make_user(Role.MENTOR, name="Ada Okafor"))
    second = client_for(make_user(Role.MENTOR, name="Bea Lindqvist"))
    mine, theirs = header(first, "/mentoring"), header(second, "/mentoring")
    assert 'Sign out<span class="govuk-visually-hidden"> (Ada Okafor)' in mine
    assert "Bea Lindqvist" not in mine
    assert 'Sign out<span class="govuk-visually-hidden"> (Bea Lindqvist)' in theirs
    assert mine.count('name="csrf_token"') == 1 and "app-account-links-slot" not in mine


def test_the_current_menu_item_follows_the_page(client):
    sign_in(client, make_user(Role.MENTOR))
    assert CURRENT.findall(header(client, "/mentoring")) == ["Mentoring"]
    assert CURRENT.findall(header(client, "/inbox")) == ["Requests"]
    assert CURRENT.findall(header(client, "/mentoring")) == ["Mentoring"]


def test_a_role_given_later_shows_in_the_menu_at_once(client):
    person = make_user(Role.NQSW)
    sign_in(client, person)
    assert 'href="/mentoring"' not in header(client, "/notifications")
    person.role_rows.append(UserRole(role=Role.MENTOR.value))
    db.session.commit()
    assert 'href="/mentoring"' in header(client, "/notifications")


def test_a_mentors_own_links_lead_to_their_own_diary(client_for):
    first, second = make_user(Role.MENTOR), make_user(Role.MENTOR)
    mine = header(client_for(first), "/notifications")
    theirs = header(client_for(second), "/notifications")
    assert f"/mentors/{first.id}/diary" in mine and f"/mentors/{second.id}/" not in mine
    assert f"/mentors/{second.id}/diary" in theirs and f"/mentors/{first.id}/" not in theirs


def test_the_unread_count_comes_with_the_session_and_is_never_stale(client, count_queries):
    mentor, other = make_user(Role.MENTOR), make_user(Role.MENTOR)
    sign_in(client, mentor)
    assert "Notifications (" not in header(client, "/mentoring")
    notify(mentor, "A first note", link="/mentoring")
    notify(other, "Not yours", link="/mentoring")
    db.session.commit()
    with count_queries() as counted:
        shown = header(client, "/mentoring")
    assert "Notifications (1 new)" in shown
    # One statement reads the session, the person, their roles and the count.
    assert sum("notifications" in statement for statement in counted.statements) == 1
    assert "user_sessions" in next(s for s in counted.statements if "notifications" in s)
    client.post("/notifications/read")
    assert "Notifications (" not in header(client, "/notifications")
