"""The support-request state machine, its holds, and the database guard against overlaps."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from nqsw_visits.availability import rules as availability_store
from nqsw_visits.availability.models import MentorHold
from nqsw_visits.core import clock
from nqsw_visits.core.extensions import db
from nqsw_visits.notifications.models import Notification, OutboxEmail
from nqsw_visits.people.models import AuditEvent, Role
from nqsw_visits.support_requests import details as request_details
from nqsw_visits.support_requests import rules as scheduling
from nqsw_visits.support_requests.models import RequestEvent, RequestKind, SupportRequest
from tests.factories import FROZEN_AT, assign_mentor, hold_of, make_user

LONDON = ZoneInfo("Europe/London")
DAY = date(2027, 3, 2)  # a Tuesday


def at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON).astimezone(UTC)


@pytest.fixture
def people(app):
    mentor, other = make_user(Role.MENTOR), make_user(Role.MENTOR)
    nqsw = make_user(Role.NQSW)
    assign_mentor(nqsw, mentor)
    assign_mentor(nqsw, other)
    for person in (mentor, other):
        for weekday in range(5):
            availability_store.add_window(
                person, person, weekday, time(9), time(17), date(2027, 1, 1)
            )
    db.session.commit()
    return {"mentor": mentor, "other": other, "nqsw": nqsw}


def details(start=None, end=None, kind=RequestKind.HOME_VISIT, **more):
    return scheduling.Details(
        kind=kind,
        starts_at=start or at(10),
        ends_at=end or at(11),
        case_reference="CR-12345",
        **more,
    )


def ask(people, **more):
    request = scheduling.ask(
        people["nqsw"], people["mentor"].id, details(**more), LONDON, clock.now()
    )
    db.session.commit()
    return request


def test_asking_holds_the_time_and_tells_the_mentor(people):
    request = ask(people)
    assert request.status == "requested" and not request.urgent
    hold = hold_of(request.id)
    assert (hold.mentor_id, hold.starts_at, hold.ends_at) == (people["mentor"].id, at(10), at(11))
    note = db.session.scalar(select(Notification))
    assert note.user_id == people["mentor"].id and "CR-12345" not in note.message
    email = db.session.scalar(select(OutboxEmail))
    assert "CR-12345" not in email.subject + email.body and "/requests/" in email.body
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.action == "request.asked"))


def test_a_held_time_cannot_be_asked_for_again(people):
    ask(people)
    with pytest.raises(scheduling.SchedulingError) as refused:
        scheduling.ask(
            people["nqsw"],
            people["mentor"].id,
            details(at(10, 30), at(11, 30)),
            LONDON,
            clock.now(),
        )
    assert refused.value.status == 409 and "clashes" in str(refused.value)


def test_only_ones_own_mentors_and_a_case_reference(people):
    stranger = make_user(Role.MENTOR)
    with pytest.raises(scheduling.SchedulingError, match="one of your mentors"):
        scheduling.ask(people["nqsw"], stranger.id, details(), LONDON, clock.now())
    no_reference = scheduling.Details(
        kind=RequestKind.COURT_HEARING, starts_at=at(10), ends_at=at(11)
    )
    with pytest.raises(scheduling.SchedulingError, match="case reference"):
        scheduling.ask(people["nqsw"], people["mentor"].id, no_reference, LONDON, clock.now())
    talk = scheduling.Details(kind=RequestKind.CASE_DISCUSSION, starts_at=at(14), ends_at=at(15))
    assert (
        scheduling.ask(
            people["nqsw"], people["mentor"].id, talk, LONDON, clock.now()
        ).case_reference
        is None
    )


def test_accept_then_cancel_releases_the_time(people):
    request = ask(people)
    scheduling.accept(people["mentor"], request, LONDON, clock.now())
    assert request.status == "accepted" and request.sequence == 1
    with pytest.raises(scheduling.SchedulingError, match="reason"):
        scheduling.cancel(people["nqsw"], request, "  ", clock.now())
    scheduling.cancel(people["nqsw"], request, "Family moved the visit", clock.now())
    db.session.commit()
    assert request.status == "cancelled" and hold_of(request.id) is None
    actions = db.session.scalars(select(RequestEvent.action).order_by(RequestEvent.id)).all()
    assert actions == ["asked", "accepted", "cancelled"]


def test_decline_needs_a_reason_and_frees_the_time(people):
    request = ask(people)
    scheduling.decline(people["mentor"], request, "On a training course", clock.now())
    db.session.commit()
    assert request.status == "declined" and hold_of(request.id) is None
    assert ask(people).status == "requested"  # the same time can be asked for again


def test_proposal_moves_the_hold_and_taking_it_accepts(people):
    request = ask(people)
    scheduling.propose(people["mentor"], request, at(14), at(15), LONDON, clock.now())
    assert request.status == "alternative_proposed"
    assert hold_of(request.id).starts_at == at(14)
    scheduling.take_proposal(people["nqsw"], request, clock.now())
    assert (request.status, request.starts_at, request.proposed_starts_at) == (
        "accepted",
        at(14),
        None,
    )


def test_hand_over_moves_the_request_and_its_hold(people):
    request = ask(people)
    scheduling.hand_over(people["mentor"], request, people["other"], LONDON, clock.now())
    db.session.commit()
    assert request.mentor_id == people["other"].id and request.status == "requested"
    assert hold_of(request.id).mentor_id == people["other"].id
    with pytest.raises(scheduling.SchedulingError):
        scheduling.accept(people["mentor"], request, LONDON, clock.now())
    scheduling.accept(people["other"], request, LONDON, clock.now())
    assert request.status == "accepted"


FORBIDDEN = [
    ("accepted", "accept"),
    ("accepted", "decline"),
    ("accepted", "withdraw"),
    ("declined", "accept"),
    ("declined", "cancel"),
    ("withdrawn", "accept"),
    ("requested", "cancel"),
    ("requested", "take_proposal"),
    ("cancelled", "withdraw"),
    ("completed", "change_time"),
    ("declined", "change_time"),
    ("alternative_proposed", "change_time"),
]


@pytest.mark.parametrize(("state", "action"), FORBIDDEN)
def test_transitions_not_in_the_state_machine_are_refused(people, state, action):
    request = ask(people)
    db.session.execute(
        text("UPDATE support_requests SET status = :s WHERE id = :id"),
        {"s": state, "id": request.id},
    )
    db.session.commit()
    db.session.refresh(request)
    calls = {
        "accept": lambda: scheduling.accept(people["mentor"], request, LONDON, clock.now()),
        "decline": lambda: scheduling.decline(people["mentor"], request, "no", clock.now()),
        "withdraw": lambda: scheduling.withdraw(people["nqsw"], request, clock.now()),
        "cancel": lambda: scheduling.cancel(people["nqsw"], request, "no", clock.now()),
        "take_proposal": lambda: scheduling.take_proposal(people["nqsw"], request, clock.now()),
        "change_time": lambda: scheduling.change_time(
            people["nqsw"], request, at(14), at(15), LONDON, clock.now()
        ),
    }
    with pytest.raises(scheduling.SchedulingError) as refused:
        calls[action]()
    assert refused.value.status == 409
    db.session.rollback()
    assert db.session.get(SupportRequest, request.id).status == state


def test_only_the_parties_may_act(people):
    request = ask(people)
    for outsider_action in (
        lambda: scheduling.accept(people["other"], request, LONDON, clock.now()),
        lambda: scheduling.withdraw(people["mentor"], request, clock.now()),
        lambda: scheduling.cancel(people["other"], request, "x", clock.now()),
        lambda: scheduling.change_time(
            people["mentor"], request, at(14), at(15), LONDON, clock.now()
        ),
    ):
        with pytest.raises(scheduling.SchedulingError) as refused:
            outsider_action()
        assert refused.value.status == 404


def test_changing_the_time_asks_the_mentor_again_and_moves_the_hold(people):
    request = ask(people)
    scheduling.accept(people["mentor"], request, LONDON, clock.now())
    scheduling.change_time(people["nqsw"], request, at(14), at(15), LONDON, clock.now(), "moved")
    db.session.commit()
    assert (request.status, request.starts_at, request.sequence) == ("requested", at(14), 2)
    assert hold_of(request.id).starts_at == at(14)
    assert scheduling.ask(
        people["nqsw"], people["mentor"].id, details(), LONDON, clock.now()
    )  # 10:00 free


def test_past_accepted_events_become_completed(people):
    request = ask(people)
    scheduling.accept(people["mentor"], request, LONDON, clock.now())
    assert scheduling.complete_past(at(10, 30)) == 0
    assert scheduling.complete_past(at(11)) == 1
    assert request.status == "completed" and hold_of(request.id) is not None


def test_the_database_refuses_overlapping_holds(people):
    """The guard under the service: a trigger on SQLite, an exclusion constraint on PG."""
    first = ask(people)
    second = ask(people, start=at(14), end=at(15))
    hold = hold_of(second.id)
    hold.starts_at, hold.ends_at = at(10, 30), at(11, 30)
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    db.session.delete(hold_of(second.id))
    db.session.commit()
    db.session.add(
        MentorHold(
            request_id=second.id,
            mentor_id=first.mentor_id,
            starts_at=at(10, 59),
            ends_at=at(12),
            kind="meeting",
        )
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    # Touching is not overlapping, and another mentor's time is separate.
    db.session.add(
        MentorHold(
            request_id=second.id,
            mentor_id=first.mentor_id,
            starts_at=at(11),
            ends_at=at(12),
            kind="meeting",
        )
    )
    db.session.commit()
    other = hold_of(first.id)
    other.mentor_id = people["other"].id
    db.session.commit()


def test_inside_the_minimum_notice_is_urgent(people):
    always = make_user(Role.MENTOR)
    assign_mentor(people["nqsw"], always)
    for weekday in range(7):
        availability_store.add_window(
            always, always, weekday, time(0), time(23, 45), date(2026, 1, 1)
        )
    db.session.commit()
    start = FROZEN_AT + timedelta(hours=2)  # Wednesday noon, inside a working day's notice
    end = start + timedelta(minutes=30)
    request = scheduling.ask(people["nqsw"], always.id, details(start, end), LONDON, clock.now())
    assert request.urgent
    later = scheduling.ask(
        people["nqsw"],
        always.id,
        details(at(10, day=date(2027, 3, 3)), at(11, day=date(2027, 3, 3))),
        LONDON,
        clock.now(),
    )
    assert not later.urgent


def test_any_available_mentor_picks_one_who_is_free(people):
    ask(people)  # the first mentor is now busy 10-11
    chosen = request_details.first_free_mentor(
        people["nqsw"], details(at(10, 30), at(11, 30)), LONDON, clock.now()
    )
    assert chosen == people["other"].id
    scheduling.ask(people["nqsw"], chosen, details(at(10, 30), at(11, 30)), LONDON, clock.now())
    with pytest.raises(scheduling.SchedulingError, match="None of your mentors") as refused:
        request_details.first_free_mentor(
            people["nqsw"], details(at(10, 30), at(11)), LONDON, clock.now()
        )
    assert refused.value.status == 409
