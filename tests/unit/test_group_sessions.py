"""Group sessions in the organiser's diary: creating one or a monthly series, the holds
they keep, changing one date or all future dates, cancelling, and every refusal."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from nqsw_visits.availability import rules as availability_store
from nqsw_visits.availability.models import BankHoliday
from nqsw_visits.core import clock
from nqsw_visits.core.extensions import db
from nqsw_visits.group_sessions import rules
from nqsw_visits.group_sessions.diary import held
from nqsw_visits.group_sessions.models import GroupInvite, GroupSeries, GroupSession, Reply
from nqsw_visits.notifications.models import Notification
from nqsw_visits.people.models import AuditEvent, Role
from nqsw_visits.support_requests import rules as scheduling
from nqsw_visits.support_requests.models import RequestKind
from tests.factories import assign_mentor, make_user

LONDON = ZoneInfo("Europe/London")
DAY = date(2027, 2, 3)  # a Wednesday, three weeks after the tests' frozen moment


def at(hour: int, minute: int = 0, day: date = DAY) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON).astimezone(UTC)


def build_world() -> dict:
    """A mentor working 9 to 5 on weekdays, another mentor, four NQSWs and an admin."""
    mentor, other = make_user(Role.MENTOR), make_user(Role.MENTOR)
    nqsws = [make_user(Role.NQSW) for _ in range(4)]
    for nqsw in nqsws:
        assign_mentor(nqsw, mentor)
    for person in (mentor, other):
        for weekday in range(5):
            availability_store.add_window(
                person, person, weekday, time(9), time(17), date(2027, 1, 1)
            )
    db.session.commit()
    return {"mentor": mentor, "other": other, "nqsws": nqsws, "admin": make_user(Role.ADMIN)}


@pytest.fixture
def world(app):
    return build_world()


@pytest.fixture
def bank_holidays(app):
    """The England and Wales holidays the migration seeds (put back if a run emptied them)."""
    if not db.session.scalar(select(func.count()).select_from(BankHoliday)):
        with open(app.root_path + "/data/bank_holidays.json") as file:
            holidays = availability_store.parse_bank_holidays(file.read())
        db.session.add_all(BankHoliday(day=day, title=title) for day, title in holidays)
        db.session.commit()


def details(starts=None, ends=None, **more) -> rules.Details:
    values = {"topic": "Working with interpreters", "place": "Room 4", "capacity": 10}
    return rules.Details(starts_at=starts or at(14), ends_at=ends or at(16), **(values | more))


def new_session(world, actor=None, people=None, **more) -> GroupSession:
    mentor = world["mentor"]
    invited = [p.id for p in (people or world["nqsws"])]
    session = rules.create_session(
        actor or mentor, mentor, details(**more), invited, LONDON, clock.now()
    )
    db.session.commit()
    return session


def monthly(world, first=date(2027, 2, 1), months=3, week=1, weekday=2, starts=time(14)):
    plan = rules.MonthlyPlan(first, months, week, weekday, starts, time(starts.hour + 2))
    holidays = rules.holidays_between(first, date(first.year + 2, 1, 1))
    made = rules.create_series(
        world["mentor"],
        world["mentor"],
        "Court skills",
        "Room 4",
        10,
        plan,
        [p.id for p in world["nqsws"]],
        holidays,
        LONDON,
        clock.now(),
    )
    db.session.commit()
    return made


def ask(world, starts, ends, nqsw=None):
    """An NQSW's request for the mentor at that time, by the scheduling rule."""
    request = scheduling.ask(
        nqsw or world["nqsws"][0],
        world["mentor"].id,
        scheduling.Details(
            kind=RequestKind.HOME_VISIT, starts_at=starts, ends_at=ends, case_reference="CR-1"
        ),
        LONDON,
        clock.now(),
    )
    db.session.commit()
    return request


def refused(call, *args) -> rules.GroupSessionError:
    with pytest.raises(rules.GroupSessionError) as caught:
        call(*args)
    db.session.rollback()
    return caught.value


# Creating one session


def test_a_session_holds_the_organisers_time_and_invites_each_person(world):
    session = new_session(world)
    hold = held(session.id)
    assert (hold.mentor_id, hold.starts_at, hold.ends_at, hold.kind) == (
        world["mentor"].id,
        at(14),
        at(16),
        "group_session",
    )
    invites = db.session.scalars(select(GroupInvite).order_by(GroupInvite.user_id)).all()
    assert [i.user_id for i in invites] == sorted(p.id for p in world["nqsws"])
    assert {i.reply for i in invites} == {Reply.NONE.value}
    told = set(db.session.scalars(select(Notification.user_id)))
    assert told == {p.id for p in world["nqsws"]}
    assert db.session.scalar(select(AuditEvent).filter_by(action="group_session.created"))


def test_an_admin_creates_a_session_for_a_mentor_who_is_left_off_the_invitations(world):
    people = [world["mentor"], *world["nqsws"][:2]]
    session = new_session(world, actor=world["admin"], people=people)
    assert session.organiser_id == world["mentor"].id
    assert session.created_by_id == world["admin"].id
    assert {i.user_id for i in session.invites} == {p.id for p in world["nqsws"][:2]}


def test_the_session_blocks_a_support_request_at_that_time_and_cancelling_frees_it(world):
    session = new_session(world)
    with pytest.raises(scheduling.SchedulingError) as blocked:
        ask(world, at(15), at(16))
    db.session.rollback()
    assert blocked.value.status == 409
    rules.cancel(world["mentor"], session, "Speaker unwell", "one", clock.now())
    db.session.commit()
    assert held(session.id) is None
    assert ask(world, at(15), at(16)).status == "requested"


def test_a_session_that_clashes_is_refused_with_the_reasons(world):
    ask(world, at(13), at(14, 30))
    error = refused(new_session, world)
    assert (error.status, error.field) == (409, "starts")
    assert "clashes with another commitment" in str(error)
    evening = refused(lambda: new_session(world, starts=at(17), ends=at(18)))
    assert evening.status == 409 and "working pattern" in str(evening)
    assert db.session.scalar(select(func.count()).select_from(GroupSession)) == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"topic": "  "}, "topic"),
        ({"topic": "x" * 121}, "topic"),
        ({"topic": "Visiting Mrs Smith"}, "topic"),
        ({"place": "x" * 301}, "place"),
        ({"capacity": 0}, "capacity"),
        ({"capacity": 201}, "capacity"),
        ({"starts": datetime(2027, 1, 12, 14, tzinfo=UTC)}, "starts"),
        ({"ends": at(13)}, "ends"),
        ({"ends": at(14, 10)}, "ends"),
        ({"starts": at(9), "ends": at(13, 1)}, "ends"),
    ],
)
def test_bad_details_are_refused_on_their_field(world, change, field):
    error = refused(lambda: new_session(world, **change))
    assert (error.status, error.field) == (422, field)


def test_invitations_need_active_people(world):
    mentor, gone = world["mentor"], make_user(Role.NQSW, active=False)
    for invited in ([], [mentor.id], [gone.id, world["nqsws"][0].id], [999999]):
        error = refused(
            rules.create_session, mentor, mentor, details(), invited, LONDON, clock.now()
        )
        assert (error.status, error.field) == (422, "invitees")


def test_only_a_mentor_or_an_admin_for_a_mentor_organises(world):
    mentor, other, nqsw, admin = world["mentor"], world["other"], world["nqsws"][0], world["admin"]
    ids = [world["nqsws"][1].id]
    for actor, organiser in ((nqsw, nqsw), (other, mentor), (nqsw, mentor), (admin, nqsw)):
        error = refused(rules.create_session, actor, organiser, details(), ids, LONDON, clock.now())
        assert error.status == 403
    assert rules.may_organise(admin, mentor) and rules.may_organise(mentor, mentor)


def test_who_may_see_a_session(world):
    session = new_session(world, people=world["nqsws"][:2])
    assert rules.may_see(world["mentor"], session) and rules.may_see(world["admin"], session)
    assert rules.may_see(world["nqsws"][0], session)
    assert not rules.may_see(world["nqsws"][3], session)
    assert not rules.may_see(world["other"], session)


# A monthly series


def test_a_series_skips_the_spring_bank_holiday_and_books_the_rest(world, bank_holidays):
    series, planned = monthly(world, first=date(2027, 4, 1), week=-1, weekday=0)
    assert [(p.day, p.outcome) for p in planned] == [
        (date(2027, 4, 26), "booked"),
        (date(2027, 5, 31), "skipped"),
        (date(2027, 6, 28), "booked"),
    ]
    assert "bank holiday" in planned[1].why and planned[1].session_id is None
    sessions = db.session.scalars(select(GroupSession).order_by(GroupSession.starts_at)).all()
    assert [s.id for s in sessions] == [planned[0].session_id, planned[2].session_id]
    assert {s.series_id for s in sessions} == {series.id}
    assert all(held(s.id) is not None for s in sessions)
    assert (series.week_of_month, series.weekday, series.starts) == (-1, 0, time(14))
    assert db.session.scalar(select(func.count()).select_from(GroupInvite)) == 8


def test_a_series_date_that_clashes_is_reported_and_not_booked(world, bank_holidays):
    ask(world, at(15, day=date(2027, 3, 3)), at(16, day=date(2027, 3, 3)))
    _, planned = monthly(world)
    assert [p.outcome for p in planned] == ["booked", "clash", "booked"]
    assert "clashes" in planned[1].why and planned[1].session_id is None
    assert db.session.scalar(select(func.count()).select_from(GroupSession)) == 2


def test_a_series_with_no_free_date_is_refused(world, bank_holidays):
    error = refused(monthly, world, date(2027, 2, 1), 3, 1, 2, time(18))
    assert (error.status, error.field) == (409, "first_month")
    assert db.session.scalar(select(func.count()).select_from(GroupSeries)) == 0


def test_a_series_keeps_two_oclock_local_across_the_clock_change(world, bank_holidays):
    _, planned = monthly(world, first=date(2027, 10, 1), months=2, week=1, weekday=0)
    sessions = [db.session.get(GroupSession, p.session_id) for p in planned]
    assert [s.starts_at.astimezone(LONDON).time() for s in sessions] == [time(14)] * 2
    assert [s.starts_at.astimezone(UTC).hour for s in sessions] == [13, 14]


def test_a_series_plan_out_of_range_is_refused_before_anything_is_stored(world):
    error = refused(monthly, world, date(2027, 2, 1), 3, 5, 2)
    assert (error.status, error.field) == (422, "week_of_month")
    assert db.session.scalar(select(func.count()).select_from(GroupSeries)) == 0


# Changing one date or all future dates


def _sessions():
    return db.session.scalars(select(GroupSession).order_by(GroupSession.starts_at)).all()


def test_editing_one_date_leaves_the_others_alone(world, bank_holidays):
    series, _ = monthly(world)
    first, second, third = _sessions()
    moved = details(at(10, day=date(2027, 3, 4)), at(11, day=date(2027, 3, 4)), topic="Moved")
    changed = rules.edit(world["mentor"], second, moved, "one", LONDON, clock.now())
    db.session.commit()
    assert changed == [second]
    assert (second.topic, second.starts_at, second.sequence) == ("Moved", moved.starts_at, 1)
    hold = held(second.id)
    assert (hold.starts_at, hold.ends_at) == (moved.starts_at, moved.ends_at)
    assert [s.topic for s in (first, third)] == ["Court skills"] * 2
    assert [s.sequence for s in (first, third)] == [0, 0]
    assert (series.topic, series.starts) == ("Court skills", time(14))


def test_editing_all_future_dates_keeps_each_date_and_takes_the_new_time(world, bank_holidays):
    series, _ = monthly(world, first=date(2027, 9, 1), months=4, week=2, weekday=3)
    first, second, third, fourth = _sessions()
    wanted = details(
        at(10, day=date(2027, 10, 14)), at(11, 30, day=date(2027, 10, 14)), topic="Assessment"
    )
    changed = rules.edit(world["mentor"], second, wanted, "future", LONDON, clock.now())
    db.session.commit()
    assert changed == [second, third, fourth]
    local = [s.starts_at.astimezone(LONDON) for s in (second, third, fourth)]
    assert [moment.date() for moment in local] == [
        date(2027, 10, 14),
        date(2027, 11, 11),  # after the clocks go back, still 10:00 local
        date(2027, 12, 9),
    ]
    assert {moment.time() for moment in local} == {time(10)}
    assert {s.ends_at - s.starts_at for s in (second, third, fourth)} == {timedelta(minutes=90)}
    assert {s.topic for s in (second, third, fourth)} == {"Assessment"}
    assert {s.sequence for s in (second, third, fourth)} == {1}
    assert all(held(s.id).starts_at == s.starts_at for s in (second, third, fourth))
    assert (first.topic, first.sequence, first.starts_at.astimezone(LONDON).hour) == (
        "Court skills",
        0,
        14,
    )
    assert (series.topic, series.starts, series.ends) == ("Assessment", time(10), time(11, 30))


def test_a_future_date_that_would_clash_refuses_the_whole_change_and_names_it(world, bank_holidays):
    monthly(world)
    ask(world, at(10, day=date(2027, 4, 7)), at(11, day=date(2027, 4, 7)))
    _, second, third = _sessions()
    wanted = details(at(10, day=date(2027, 3, 3)), at(12, day=date(2027, 3, 3)))
    error = refused(rules.edit, world["mentor"], second, wanted, "future", LONDON, clock.now())
    assert error.status == 409 and "7 April 2027" in str(error)
    for session in _sessions():
        db.session.refresh(session)
    assert {s.starts_at.astimezone(LONDON).hour for s in (second, third)} == {14}
    assert held(second.id).starts_at == second.starts_at


def test_a_session_moved_onto_its_own_old_time_is_not_a_clash_with_itself(world):
    session = new_session(world)
    later = details(at(15), at(17))
    rules.edit(world["mentor"], session, later, "one", LONDON, clock.now())
    db.session.commit()
    assert (held(session.id).starts_at, session.sequence) == (at(15), 1)


def test_capacity_below_those_going_is_refused_and_says_how_many(world):
    session = new_session(world)
    for nqsw in world["nqsws"][:3]:
        rules.reply(nqsw, session, Reply.GOING, clock.now())
    db.session.commit()
    error = refused(
        rules.edit, world["mentor"], session, details(capacity=2), "one", LONDON, clock.now()
    )
    assert (error.status, error.field) == (422, "capacity")
    assert "3 people are going" in str(error)
    rules.edit(world["mentor"], session, details(capacity=3), "one", LONDON, clock.now())
    db.session.commit()
    assert session.capacity == 3


def test_raising_capacity_moves_the_waiting_list_up(world):
    session = new_session(world, capacity=1)
    first, second, third = world["nqsws"][:3]
    for nqsw in (first, second, third):
        rules.reply(nqsw, session, Reply.GOING, clock.now())
    db.session.commit()
    rules.edit(world["mentor"], session, details(capacity=2), "one", LONDON, clock.now())
    db.session.commit()
    replies = {i.user_id: i.reply for i in session.invites}
    assert [replies[p.id] for p in (first, second, third)] == ["going", "going", "waiting"]
    told = db.session.scalars(select(Notification.message).filter_by(user_id=second.id)).all()
    assert any("A place came free" in message for message in told)


def test_editing_tells_those_who_replied(world):
    session = new_session(world)
    replier = world["nqsws"][0]
    rules.reply(replier, session, Reply.MAYBE, clock.now())
    db.session.commit()
    before = db.session.scalar(select(func.count()).select_from(Notification))
    rules.edit(world["mentor"], session, details(topic="New topic"), "one", LONDON, clock.now())
    db.session.commit()
    after = db.session.scalars(select(Notification).order_by(Notification.id)).all()[before:]
    assert [n.user_id for n in after] == [replier.id]


def test_edit_refusals(world):
    session = new_session(world)
    mentor, now = world["mentor"], clock.now()
    assert refused(rules.edit, world["other"], session, details(), "one", LONDON, now).status == 403
    assert (
        refused(rules.edit, world["nqsws"][0], session, details(), "one", LONDON, now).status == 403
    )
    scope = refused(rules.edit, mentor, session, details(), "all", LONDON, now)
    assert (scope.status, scope.field) == (422, "scope")
    next_week = details(at(14, day=DAY + timedelta(days=7)), at(16, day=DAY + timedelta(days=7)))
    started = refused(rules.edit, mentor, session, next_week, "one", LONDON, at(14, 30))
    assert started.status == 409
    rules.cancel(mentor, session, "No speaker", "one", now)
    db.session.commit()
    assert refused(rules.edit, mentor, session, details(), "one", LONDON, now).status == 409


def test_an_admin_edits_and_cancels_for_the_organiser(world):
    session = new_session(world)
    rules.edit(world["admin"], session, details(topic="By the admin"), "one", LONDON, clock.now())
    rules.cancel(world["admin"], session, "Room unavailable", "one", clock.now())
    db.session.commit()
    assert (session.topic, session.cancelled, session.sequence) == ("By the admin", True, 2)


# Cancelling


def test_cancelling_one_date_tells_those_who_replied_and_frees_the_diary(world):
    session = new_session(world)
    replier = world["nqsws"][1]
    rules.reply(replier, session, Reply.NOT_GOING, clock.now())
    db.session.commit()
    before = db.session.scalar(select(func.count()).select_from(Notification))
    rules.cancel(world["mentor"], session, "  Speaker unwell ", "one", clock.now())
    db.session.commit()
    assert (session.cancelled, session.cancel_reason, session.sequence) == (
        True,
        "Speaker unwell",
        1,
    )
    assert held(session.id) is None
    after = db.session.scalars(select(Notification).order_by(Notification.id)).all()[before:]
    assert [n.user_id for n in after] == [replier.id]
    assert db.session.scalar(select(AuditEvent).filter_by(action="group_session.cancelled"))


def test_cancelling_future_dates_leaves_the_earlier_ones(world, bank_holidays):
    monthly(world)
    first, second, third = _sessions()
    cancelled = rules.cancel(world["mentor"], second, "Series ends", "future", clock.now())
    db.session.commit()
    assert cancelled == [second, third]
    assert [s.cancelled for s in (first, second, third)] == [False, True, True]
    assert [held(s.id) is None for s in (first, second, third)] == [False, True, True]


def test_cancel_refusals(world):
    session, mentor, now = new_session(world), world["mentor"], clock.now()
    assert refused(rules.cancel, world["other"], session, "Why", "one", now).status == 403
    assert refused(rules.cancel, world["nqsws"][0], session, "Why", "one", now).status == 403
    empty = refused(rules.cancel, mentor, session, "   ", "one", now)
    assert (empty.status, empty.field) == (422, "reason")
    assert refused(rules.cancel, mentor, session, "Why", "one", at(14)).status == 409
    rules.cancel(mentor, session, "Why", "one", now)
    db.session.commit()
    assert refused(rules.cancel, mentor, session, "Again", "one", now).status == 409
    assert session.sequence == 1
