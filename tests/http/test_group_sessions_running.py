"""A group session over HTTP from the invitation on: replies in place and without
JavaScript, the waiting list, clashes, guests, changes and cancelling, the register ticked
in place or saved at once, the record and feedback."""

from datetime import date

import pytest
from sqlalchemy import select

from nqsw_visits.core import clock
from nqsw_visits.core.extensions import db
from nqsw_visits.group_sessions import rules
from nqsw_visits.group_sessions.models import (
    GroupFeedback,
    GroupGuest,
    GroupInvite,
    GroupSeries,
    GroupSession,
)
from nqsw_visits.support_requests import rules as scheduling
from nqsw_visits.support_requests.models import RequestKind
from tests.conftest import FreshContextClient
from tests.factories import assign_mentor
from tests.http.test_group_sessions import DAY, LONDON, at, build, count, day_field, during
from tests.http.test_requests import open_diary

HTMX = {"HX-Request": "true"}


@pytest.fixture
def world(app):
    app.test_client_class = FreshContextClient
    return build(capacity=1, invited=3)


def path(world, suffix: str = "") -> str:
    return f"/group-sessions/{world['session'].id}{suffix}"


def invite(world, who: str) -> GroupInvite:
    db.session.expire_all()
    return db.session.get(GroupInvite, (world["session"].id, world["people"][who].id))


# --- Replies -------------------------------------------------------------------------------


def test_a_reply_without_javascript_goes_back_to_the_page(world, client_for):
    client = client_for(world["people"]["invited"])
    page = client.get(path(world)).get_data(as_text=True)
    assert "You have not replied yet" in page and f'hx-post="{path(world, "/reply")}"' in page
    response = client.post(path(world, "/reply"), data={"answer": "maybe"})
    assert response.status_code == 303
    assert response.headers["Location"] == path(world) + "#reply"
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Reply saved: Maybe" in shown and "You replied: <strong>Maybe</strong>" in shown
    assert invite(world, "invited").reply == "maybe"


def test_an_htmx_reply_swaps_the_panel_and_the_waiting_list_moves_up(world, client_for):
    first, second = client_for(world["people"]["invited"]), client_for(world["people"]["second"])
    going = first.post(path(world, "/reply"), data={"answer": "going"}, headers=HTMX)
    assert going.status_code == 200 and "HX-Request" in going.headers["Vary"]
    fragment = going.get_data(as_text=True)
    assert fragment.startswith('<section id="reply"') and "<html" not in fragment
    assert "Reply saved: Going" in fragment and 'value="going" checked' in fragment
    full = second.post(path(world, "/reply"), data={"answer": "going"}, headers=HTMX)
    assert "You are on the waiting list: the session is full" in full.get_data(as_text=True)
    assert invite(world, "second").reply == "waiting"
    first.post(path(world, "/reply"), data={"answer": "not_going"}, headers=HTMX)
    assert invite(world, "second").reply == "going"
    page = second.get(path(world)).get_data(as_text=True)
    assert "You replied: <strong>Going</strong>" in page


@pytest.mark.parametrize("headers", [{}, HTMX])
def test_an_answer_not_offered_is_an_error_beside_the_form(world, client_for, headers):
    client = client_for(world["people"]["invited"])
    response = client.post(path(world, "/reply"), data={"answer": "waiting"}, headers=headers)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "govuk-error-summary" in text and "Choose going, maybe or not going" in text
    assert ("<html" in text) is (headers == {})
    assert invite(world, "invited").reply == "none"


def test_replies_close_when_the_session_starts(app, world):
    with during(app, world["session"]) as client_as:
        client = client_as(world["people"]["invited"])
        page = client.get(path(world)).get_data(as_text=True)
        assert "Replies closed when the session started" in page
        late = client.post(path(world, "/reply"), data={"answer": "going"}, headers=HTMX)
    assert late.status_code == 409
    assert "Replies close when the session starts" in late.get_data(as_text=True)
    assert invite(world, "invited").reply == "none"


def _ask(world, starts, ends, reference: str):
    people = world["people"]
    details = scheduling.Details(
        kind=RequestKind.HOME_VISIT, starts_at=starts, ends_at=ends, case_reference=reference
    )
    return scheduling.ask(people["invited"], people["mentor"].id, details, LONDON, clock.now())


def test_the_reply_shows_a_clash_with_agreed_support(world, client_for):
    people = world["people"]
    open_diary(people["mentor"])
    assign_mentor(people["invited"], people["mentor"])
    _ask(world, at(DAY, 10), at(DAY, 11), "CR-2001")  # that morning: no clash
    clashing = _ask(world, at(DAY, 15), at(DAY, 17), "CR-2002")
    scheduling.accept(people["mentor"], clashing, LONDON, clock.now())
    db.session.commit()
    page = client_for(people["invited"]).get(path(world)).get_data(as_text=True)
    warning = page[page.index("govuk-warning-text") :][:600]
    assert "This clashes with support you have agreed" in warning
    assert "home visit, 2 February 2027 at 3:00pm to 5:00pm" in warning
    assert "10:00am" not in warning and "CR-2002" not in page
    second = client_for(people["second"]).get(path(world)).get_data(as_text=True)
    assert "This clashes" not in second
    assert 'id="reply"' not in client_for(people["organiser"]).get(path(world)).get_data(
        as_text=True
    )


# --- Guests, changes and cancelling --------------------------------------------------------


def test_the_organiser_adds_and_removes_guests(world, client_for):
    client = client_for(world["people"]["organiser"])
    bad = client.post(path(world, "/guests"), data={"name": "Olu", "email": "not an address"})
    assert bad.status_code == 422
    assert "Enter an email address in the correct format" in bad.get_data(as_text=True)
    guest = {"name": "Olu Outside", "role": "Advocate", "organisation": "Voices", "email": ""}
    added = client.post(path(world, "/guests"), data={**guest, "email": "Olu@Example.net"})
    assert added.status_code == 303 and added.headers["Location"].endswith("#guests")
    stored = db.session.scalar(select(GroupGuest).filter_by(name="Olu Outside"))
    assert (stored.email, stored.user_id) == ("olu@example.net", None)
    again = client.post(path(world, "/guests"), data={**guest, "email": "olu@example.net"})
    assert again.status_code == 422
    assert "already a guest" in again.get_data(as_text=True)
    page = client.get(path(world)).get_data(as_text=True)
    assert "Olu Outside (Advocate, Voices)" in page and "olu@example.net" in page
    invited = client_for(world["people"]["invited"]).get(path(world)).get_data(as_text=True)
    assert "Olu Outside (Advocate, Voices)" in invited and "olu@example.net" not in invited
    guest_id = stored.id
    removed = client.post(path(world, f"/guests/{guest_id}/remove"))
    assert removed.status_code == 303
    assert count(GroupGuest, GroupGuest.name == "Olu Outside") == 0
    twice = client.post(path(world, f"/guests/{guest_id}/remove"), follow_redirects=True)
    assert "This guest is not invited to the session" in twice.get_data(as_text=True)


def test_the_organiser_changes_one_session_without_a_series_choice(world, client_for):
    client = client_for(world["people"]["organiser"])
    page = client.get(path(world, "/edit")).get_data(as_text=True)
    assert 'value="Court skills"' in page and 'value="14:00"' in page
    assert 'name="scope"' not in page
    form = {"topic": "Court skills, part 2", "day": day_field(DAY), "starts": "10:00"}
    link = "https://meet.example.org/court"
    form |= {"ends": "12:00", "place": link, "capacity": "4", "scope": "future"}
    response = client.post(path(world, "/edit"), data=form)
    assert response.status_code == 303
    db.session.expire_all()
    session = db.session.get(GroupSession, world["session"].id)
    assert (session.topic, session.place, session.capacity) == ("Court skills, part 2", link, 4)
    assert session.starts_at == at(DAY, 10) and session.sequence == 1
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Session changed. Everyone who replied and every guest is told" in shown
    assert f'<a class="govuk-link" href="{link}"' in shown


def _series(world, months: int = 3) -> list[GroupSession]:
    people = world["people"]
    plan = rules.MonthlyPlan(date(2027, 3, 1), months, 2, 3, at(DAY, 14).time(), at(DAY, 16).time())
    holidays = rules.holidays_between(date(2027, 3, 1), date(2027, 7, 1))
    rules.create_series(
        people["organiser"], people["organiser"], "Monthly", "Room 2", 10, plan,
        [people["invited"].id], holidays, LONDON, clock.now(),
    )  # fmt: skip
    db.session.commit()
    return db.session.scalars(
        select(GroupSession)
        .where(GroupSession.series_id.is_not(None))
        .order_by(GroupSession.starts_at)
    ).all()


def test_a_series_is_changed_from_one_date_on(world, client_for):
    first, second, third = _series(world)
    client = client_for(world["people"]["organiser"])
    page = client.get(f"/group-sessions/{second.id}/edit").get_data(as_text=True)
    assert 'name="scope"' in page and 'value="one" checked' in page
    form = {"topic": "Monthly", "day": day_field(second.starts_at.astimezone(LONDON).date())}
    form |= {"starts": "15:00", "ends": "17:00", "place": "Room 2", "capacity": "10"}
    response = client.post(f"/group-sessions/{second.id}/edit", data={**form, "scope": "future"})
    assert response.status_code == 303
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "2 sessions changed" in shown
    db.session.expire_all()
    hours = [
        db.session.get(GroupSession, s.id).starts_at.astimezone(LONDON).hour
        for s in (first, second, third)
    ]
    assert hours == [14, 15, 15]
    assert db.session.scalar(select(GroupSeries.starts)).hour == 15


def test_cancelling_needs_a_reason_and_can_take_the_rest_of_a_series(world, client_for):
    first, second, third = _series(world)
    client = client_for(world["people"]["organiser"])
    page = client.get(f"/group-sessions/{second.id}/cancel").get_data(as_text=True)
    assert 'name="scope"' in page and 'name="reason"' in page
    empty = client.post(f"/group-sessions/{second.id}/cancel", data={"scope": "future"})
    assert empty.status_code == 422 and "Say why it is cancelled" in empty.get_data(as_text=True)
    gone = client.post(
        f"/group-sessions/{second.id}/cancel", data={"scope": "future", "reason": "Room closed"}
    )
    assert gone.status_code == 303
    assert "2 sessions cancelled" in client.get(gone.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    states = [db.session.get(GroupSession, s.id).state for s in (first, second, third)]
    assert states == ["scheduled", "cancelled", "cancelled"]
    shown = client_for(world["people"]["invited"]).get(f"/group-sessions/{third.id}")
    text = shown.get_data(as_text=True)
    assert "Cancelled" in text and "Room closed" in text and "The session is cancelled" in text
    again = client.get(f"/group-sessions/{third.id}/cancel").get_data(as_text=True)
    assert "already cancelled" in again and 'name="reason"' not in again
    late = client.post(
        f"/group-sessions/{third.id}/cancel", data={"reason": "Again", "scope": "one"}
    )
    assert late.status_code == 409


# --- The register --------------------------------------------------------------------------


def test_the_register_opens_when_the_session_starts(world, client_for):
    client = client_for(world["people"]["organiser"])
    page = client.get(path(world, "/attendance")).get_data(as_text=True)
    assert "once the session has started" in page and 'type="checkbox"' not in page
    early = client.post(path(world, "/attendance"), data={"present": []})
    assert early.status_code == 409
    assert "The register opens when the session starts" in early.get_data(as_text=True)
    assert invite(world, "invited").attended is None


def test_the_register_is_saved_at_once_without_javascript(app, world):
    people = world["people"]
    with during(app, world["session"]) as client_as:
        client = client_as(people["organiser"])
        page = client.get(path(world, "/attendance")).get_data(as_text=True)
        for who in ("invited", "second", "third"):
            assert f'id="present-{people[who].id}"' in page
        assert "Save the register" in page
        present = {"present": [str(people["invited"].id), str(people["third"].id)]}
        saved = client.post(path(world, "/attendance"), data=present)
        assert saved.status_code == 303 and saved.headers["Location"] == path(world, "/attendance")
        after = client.get(saved.headers["Location"]).get_data(as_text=True)
        assert "Register saved" in after
        assert f'value="{people["invited"].id}" checked' in after
        outsider = {"present": [str(people["uninvited"].id)]}
        refused = client.post(path(world, "/attendance"), data=outsider)
        assert refused.status_code == 422
    assert [invite(world, w).attended for w in ("invited", "second", "third")] == [
        True,
        False,
        True,
    ]


def test_each_tick_is_saved_in_place_with_htmx(app, world):
    people = world["people"]
    second = people["second"].id
    with during(app, world["session"]) as client_as:
        client = client_as(people["organiser"])
        page = client.get(path(world, "/attendance")).get_data(as_text=True)
        tick = f'hx-post="{path(world, f"/attendance/{second}")}"'
        assert tick in page and 'hx-vals=\'{"attended": "yes"}\'' in page
        row = client.post(
            path(world, f"/attendance/{second}"), data={"attended": "yes"}, headers=HTMX
        )
        assert row.status_code == 200 and "HX-Request" in row.headers["Vary"]
        text = row.get_data(as_text=True)
        assert text.strip().startswith(
            f'<div class="govuk-checkboxes__item" id="attendee-{second}">'
        )
        assert f'value="{second}" checked' in text and "Saved as came" in text
        assert 'hx-vals=\'{"attended": "no"}\'' in text and "<html" not in text
        assert invite(world, "second").attended is True
        untick = client.post(
            path(world, f"/attendance/{second}"), data={"attended": "no"}, headers=HTMX
        )
        assert "Saved as did not come" in untick.get_data(as_text=True)
        assert invite(world, "second").attended is False
        plain = client.post(path(world, f"/attendance/{second}"), data={"attended": "yes"})
        assert plain.status_code == 303 and plain.headers["Location"] == path(world, "/attendance")
        assert invite(world, "second").attended is True
        stranger = client.post(
            path(world, f"/attendance/{people['uninvited'].id}"),
            data={"attended": "yes"},
            headers=HTMX,
        )
        assert stranger.status_code == 404


def test_a_tick_before_the_start_comes_back_unticked_with_the_reason(world, client_for):
    client = client_for(world["people"]["organiser"])
    who = world["people"]["invited"].id
    row = client.post(path(world, f"/attendance/{who}"), data={"attended": "yes"}, headers=HTMX)
    assert row.status_code == 409
    text = row.get_data(as_text=True)
    assert "The register opens when the session starts" in text and " checked" not in text


# --- The record and feedback ---------------------------------------------------------------


def test_the_record_is_written_once_started_without_case_detail(app, world, client_for):
    early = client_for(world["people"]["organiser"]).post(
        path(world, "/record"), data={"notes": "Too soon"}
    )
    assert early.status_code == 409
    with during(app, world["session"], minutes=150) as client_as:
        client = client_as(world["people"]["organiser"])
        page = client.get(path(world, "/record")).get_data(as_text=True)
        assert "No case detail" in page and "Every invited person can read this" in page
        named = client.post(path(world, "/record"), data={"notes": "Visit to SW1A 1AA"})
        assert named.status_code == 422 and "postcode" in named.get_data(as_text=True)
        record = {
            "notes": "Court etiquette and statements",
            "resources": "https://example.org/g Guide",
        }
        assert client.post(path(world, "/record"), data=record).status_code == 303
        # Everyone invited reads it, whether or not they came.
        shown = client_as(world["people"]["third"]).get(path(world)).get_data(as_text=True)
        assert "Court etiquette and statements" in shown
        assert '<a class="govuk-link" href="https://example.org/g"' in shown
        assert client_as(world["people"]["uninvited"]).get(path(world)).status_code == 404


def test_those_who_came_give_feedback_the_organiser_reads_without_names(app, world):
    people = world["people"]
    with during(app, world["session"], minutes=150) as client_as:
        organiser = client_as(people["organiser"])
        organiser.post(path(world, "/attendance"), data={"present": [str(people["invited"].id)]})
        came, missed = client_as(people["invited"]), client_as(people["second"])
        page = came.get(path(world)).get_data(as_text=True)
        assert "Your feedback" in page and "The register says you came" in page
        assert "Your feedback" not in missed.get(path(world)).get_data(as_text=True)
        refused = missed.post(path(world, "/feedback"), data={"rating": "2"})
        assert refused.status_code == 403
        bad = came.post(path(world, "/feedback"), data={"rating": "9", "comment": "x"})
        assert bad.status_code == 422 and "Choose a rating from 1 to 5" in bad.get_data(
            as_text=True
        )
        given = came.post(path(world, "/feedback"), data={"rating": "5", "comment": "Very clear"})
        assert given.status_code == 303
        assert "Your feedback" not in came.get(path(world)).get_data(as_text=True)
        shown = organiser.get(path(world)).get_data(as_text=True)
    feedback = shown[shown.index(">Feedback<") :]
    assert "1 rating, on average 5.0 out of 5" in feedback and "Very clear" in feedback
    assert people["invited"].display_name not in feedback
    assert count(GroupFeedback) == 1
