"""Group sessions on the home pages and the progress page: what each person sees, bounded reads."""

import re
from datetime import timedelta

import pytest

from nqsw_visits.core import clock
from nqsw_visits.core.extensions import db
from nqsw_visits.group_sessions import overview
from nqsw_visits.group_sessions.models import GroupInvite, GroupSession, Reply, SessionState
from nqsw_visits.people.models import Role
from tests.factories import assign_mentor, make_manager_of, make_team, make_user
from tests.http.group_session_rows import stored_session

HOUR = timedelta(hours=1)


@pytest.fixture
def people(app):
    team = make_team()
    mentor = make_user(Role.MENTOR, name="Grace Mensah", team=team)
    nqsw = make_user(Role.NQSW, name="Amira Hassan", team=team)
    other = make_user(Role.NQSW, name="Ben Carter", team=team)
    manager = make_user(Role.PRACTICE_MANAGER, team=team)
    make_manager_of(team, manager)
    assign_mentor(nqsw, mentor)
    return {"mentor": mentor, "nqsw": nqsw, "other": other, "manager": manager}


def days_ahead(count: float, hour: int = 14):
    """A moment `count` days from now at that local hour, in UTC."""
    local = (clock.now() + timedelta(days=count)).astimezone(clock.zone())
    return local.replace(hour=hour, minute=0, second=0, microsecond=0)


def session_at(people, starts, replies=None, **fields) -> GroupSession:
    return stored_session(people["mentor"], starts, starts + 2 * HOUR, replies, **fields)


def attend(session: GroupSession, user, came: bool | None) -> None:
    db.session.get(GroupInvite, (session.id, user.id)).attended = came
    db.session.commit()


def home(client_for, user, path: str) -> str:
    response = client_for(user).get(path)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def section(page: str, heading: str) -> str:
    """The part of a page from an h2 to the next h2."""
    found = re.search(rf">{heading}</h2>(.*?)(<h2|$)", page, re.S)
    assert found, heading
    return found[1]


# What the home pages show


def test_an_nqsw_sees_invitations_soonest_first_with_their_reply_or_a_reply_link(
    people, client_for
):
    nqsw = people["nqsw"]
    later = session_at(people, days_ahead(9), {nqsw: Reply.NONE}, topic="Chronologies")
    sooner = session_at(people, days_ahead(2), {nqsw: Reply.WAITING}, topic="Court skills")
    session_at(people, days_ahead(3), {people["other"]: Reply.GOING}, topic="Not for Amira")
    gone = session_at(people, days_ahead(-3), {nqsw: Reply.GOING}, topic="Already held")
    called_off = session_at(people, days_ahead(4), {nqsw: Reply.GOING}, topic="Called off")
    called_off.state = SessionState.CANCELLED.value
    db.session.commit()
    shown = section(home(client_for, nqsw, "/my-support"), "Group sessions")
    assert shown.index("Court skills") < shown.index("Chronologies")
    assert "On the waiting list" in shown and "organised by Grace Mensah" in shown
    assert f'href="/group-sessions/{later.id}#reply">Reply<' in shown
    assert f'href="/group-sessions/{sooner.id}"' in shown
    for hidden in ("Not for Amira", "Already held", "Called off", f"/group-sessions/{gone.id}"):
        assert hidden not in shown
    assert 'href="/group-sessions">All your group sessions' in shown
    assert "set up a group session" not in shown


def test_an_nqsw_with_nothing_ahead_is_told_so(people, client_for):
    shown = section(home(client_for, people["nqsw"], "/my-support"), "Group sessions")
    assert "You have no group sessions coming up." in shown


def test_the_organiser_sees_their_sessions_with_places_taken(people, client_for):
    nqsw, other = people["nqsw"], people["other"]
    full = session_at(
        people, days_ahead(5), {nqsw: Reply.GOING, other: Reply.GOING}, topic="Full", capacity=2
    )
    open_ = session_at(people, days_ahead(6), {nqsw: Reply.GOING, other: Reply.MAYBE}, capacity=8)
    shown = section(home(client_for, people["mentor"], "/mentoring"), "Group sessions")
    assert "You are organising it: 2 going of 2 places (full)" in shown
    assert "You are organising it: 1 going of 8 places" in shown and "8 places (full)" not in shown
    assert f"/group-sessions/{full.id}" in shown and f"/group-sessions/{open_.id}" in shown
    assert "Your reply" not in shown and "organised by" not in shown
    assert 'href="/group-sessions/new">set up a group session' in shown


def test_a_mentor_invited_to_a_colleagues_session_sees_it_with_their_reply(people, client_for):
    colleague = make_user(Role.MENTOR, name="Tom Whitfield")
    stored_session(
        colleague, days_ahead(3), days_ahead(3, 16), {people["mentor"]: Reply.MAYBE}, topic="Peer"
    )
    shown = section(home(client_for, people["mentor"], "/mentoring"), "Group sessions")
    assert "organised by Tom Whitfield" in shown and ">Maybe</strong>" in shown


def test_the_home_lists_the_next_five_and_a_session_under_way(people):
    nqsw = people["nqsw"]
    under_way = session_at(people, clock.now() - HOUR, {nqsw: Reply.GOING})
    for day in range(1, 8):
        session_at(people, days_ahead(day), {nqsw: Reply.GOING})
    found = overview.upcoming_for(nqsw.id, clock.now())
    assert len(found) == 5 and found[0].session.id == under_way.id
    starts = [item.session.starts_at for item in found]
    assert starts == sorted(starts)
    assert all(item.reply is Reply.GOING and not item.organising for item in found)


def test_an_organiser_also_invited_has_both_their_reply_and_the_count(people):
    mentor = people["mentor"]
    session_at(people, days_ahead(2), {mentor: Reply.GOING, people["nqsw"]: Reply.WAITING})
    (item,) = overview.upcoming_for(mentor.id, clock.now())
    assert item.organising and item.reply is Reply.GOING and item.going == 1


@pytest.mark.parametrize(("path", "who"), [("/my-support", "nqsw"), ("/mentoring", "mentor")])
def test_the_home_takes_one_query_for_group_sessions_however_many(
    people, client_for, count_queries, path, who
):
    client = client_for(people[who])
    client.get(path)
    with count_queries() as none:
        client.get(path)
    crowd = [make_user(Role.NQSW) for _ in range(6)]
    for day in range(1, 9):
        replies = dict.fromkeys(crowd, Reply.GOING) | {people["nqsw"]: Reply.MAYBE}
        session_at(people, days_ahead(day), replies)
    with count_queries() as many:
        page = client.get(path).get_data(as_text=True)
    assert len(re.findall(r'href="/group-sessions/\d+"', section(page, "Group sessions"))) == 5
    assert many.count == none.count
    assert sum("group_sessions" in statement for statement in many.statements) == 1


# The progress page


def past_sessions(people):
    """Three past sessions for Amira (came, missed, not marked) and one before the year."""
    nqsw = people["nqsw"]
    came = session_at(people, days_ahead(-20), {nqsw: Reply.GOING}, topic="Court skills")
    attend(came, nqsw, True)
    longer = stored_session(
        people["mentor"], days_ahead(-50, 10), days_ahead(-50, 13) + 30 * timedelta(minutes=1),
        {nqsw: Reply.MAYBE}, topic="Chronologies",
    )  # fmt: skip
    attend(longer, nqsw, True)
    missed = session_at(people, days_ahead(-80), {nqsw: Reply.GOING}, topic="Missed one")
    attend(missed, nqsw, False)
    unmarked = session_at(people, days_ahead(-5), {nqsw: Reply.GOING}, topic="Not marked")
    old = session_at(people, days_ahead(-400), {nqsw: Reply.GOING}, topic="Long ago")
    attend(old, nqsw, True)
    session_at(people, days_ahead(-10), {people["other"]: Reply.GOING}, topic="Ben only")
    return {"came": came, "longer": longer, "missed": missed, "unmarked": unmarked}


def row_of(shown: str, topic: str) -> str:
    found = re.search(rf"<tr[^>]*>(?:(?!</tr>).)*{topic}(?:(?!</tr>).)*</tr>", shown, re.S)
    assert found, topic
    return found[0]


def test_the_nqsw_sees_their_development_time_and_each_session(people, client_for):
    nqsw = people["nqsw"]
    sessions = past_sessions(people)
    page = home(client_for, nqsw, f"/people/{nqsw.id}/progress")
    shown = section(page, "Group sessions")
    assert re.search(r"last 12 months</dt>\s*<dd[^>]*>5 hours 30 minutes<", shown)
    assert re.search(r"Sessions attended</dt>\s*<dd[^>]*>2<", shown)
    assert re.search(r"Sessions missed</dt>\s*<dd[^>]*>1<", shown)
    assert ">Attended<" in row_of(shown, "Court skills")
    assert ">Attended<" in row_of(shown, "Chronologies")
    assert ">Did not attend<" in row_of(shown, "Missed one")
    assert ">Not recorded<" in row_of(shown, "Not marked")
    assert "Long ago" not in shown and "Ben only" not in shown
    for session in sessions.values():
        assert f'href="/group-sessions/{session.id}"' in shown
    assert shown.index("Not marked") < shown.index("Court skills") < shown.index("Missed one")


def test_the_mentor_sees_it_linked_to_their_own_sessions_and_the_manager_unlinked(
    people, client_for
):
    nqsw = people["nqsw"]
    sessions = past_sessions(people)
    colleague = make_user(Role.MENTOR)
    theirs = stored_session(
        colleague, days_ahead(-30), days_ahead(-30, 16), {nqsw: Reply.GOING}, topic="Peer learning"
    )
    mentor_view = section(
        home(client_for, people["mentor"], f"/people/{nqsw.id}/progress"), "Group sessions"
    )
    assert f'href="/group-sessions/{sessions["came"].id}"' in mentor_view
    assert "Peer learning" in mentor_view and f"/group-sessions/{theirs.id}" not in mentor_view
    manager_view = section(
        home(client_for, people["manager"], f"/people/{nqsw.id}/progress"), "Group sessions"
    )
    assert "5 hours 30 minutes" in manager_view and "Court skills" in manager_view
    assert "/group-sessions/" not in manager_view
    assert "Amira Hassan was invited to" in manager_view


def test_someone_never_invited_is_told_so(people, client_for):
    nqsw = people["nqsw"]
    shown = section(home(client_for, nqsw, f"/people/{nqsw.id}/progress"), "Group sessions")
    assert "0 minutes" in shown
    assert "You have not been invited to a group session in the last 12 months." in shown


def test_an_outsider_still_gets_no_progress_page(people, client_for):
    past_sessions(people)
    stranger = make_user(Role.MENTOR)
    assert client_for(stranger).get(f"/people/{people['nqsw'].id}/progress").status_code == 404


def test_the_progress_page_takes_the_same_queries_with_more_sessions(
    people, client_for, count_queries
):
    nqsw = people["nqsw"]
    client = client_for(nqsw)
    url = f"/people/{nqsw.id}/progress"
    session_at(people, days_ahead(-3), {nqsw: Reply.GOING})
    client.get(url)
    with count_queries() as few:
        client.get(url)
    for day in range(10, 40, 3):
        attend(session_at(people, days_ahead(-day), {nqsw: Reply.GOING}), nqsw, True)
    with count_queries() as many:
        page = client.get(url).get_data(as_text=True)
    assert page.count(">Attended<") == 10
    assert many.count == few.count


@pytest.mark.parametrize(
    ("minutes", "said"),
    [(0, "0 minutes"), (1, "1 minute"), (60, "1 hour"), (150, "2 hours 30 minutes"),
     (241, "4 hours 1 minute")],
)  # fmt: skip
def test_lengths_of_time_read_as_hours_and_minutes(minutes, said):
    assert overview.hours_and_minutes(minutes) == said
