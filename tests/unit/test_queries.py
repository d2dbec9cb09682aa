"""The queries that decide what lists show: who holds a role, who manages whom, a team's
size, an NQSW's requests in order, and the inbox's clashes and counts."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from nqsw_visits.availability import free_time
from nqsw_visits.availability import rules as availability_store
from nqsw_visits.core import clock
from nqsw_visits.core.extensions import db
from nqsw_visits.people import queries as people
from nqsw_visits.people.models import Role
from nqsw_visits.support_requests import queries as requests
from nqsw_visits.support_requests import rules as scheduling
from nqsw_visits.support_requests.models import RequestKind
from tests.factories import (
    assign_mentor,
    make_manager_of,
    make_team,
    make_team_with_people,
    make_user,
)

LONDON = ZoneInfo("Europe/London")
DAY = date(2027, 3, 2)  # a Tuesday


def at(hour: int, minute: int = 0) -> datetime:
    return datetime.combine(DAY, time(hour, minute), tzinfo=LONDON).astimezone(UTC)


def ask(nqsw, mentor, starts: datetime, minutes: int = 60, kind=RequestKind.HOME_VISIT):
    details = scheduling.Details(
        kind=kind,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=minutes),
        case_reference="CR-12345",
    )
    made = scheduling.ask(nqsw, mentor.id, details, LONDON, clock.now())
    db.session.commit()
    return made


def test_who_holds_a_role_and_who_manages_whom(app):
    world = make_team_with_people()
    other_team = make_team()
    stranger = make_user(Role.PRACTICE_MANAGER, team=other_team)
    make_manager_of(other_team, stranger)
    mentors = set(db.session.scalars(people.with_role(Role.MENTOR)))
    assert mentors == set(world["mentors"])
    assert set(db.session.scalars(people.ids_with_role(Role.ADMIN))) == {world["admin"].id}
    nqsw = world["nqsws"][0]
    assert people.manages(world["manager"], nqsw)
    assert not people.manages(stranger, nqsw)
    assert not people.manages(world["mentors"][0], nqsw)  # not a manager at all
    assert people.managers_of(nqsw) == [world["manager"]]
    assert list(db.session.scalars(people.managed_team_ids(stranger.id))) == [other_team.id]
    assert people.mentors_of(nqsw) == [world["mentors"][0]]
    assert people.mentors_of(world["nqsws"][-1]) == []  # the last NQSW has no mentor


def test_teams_come_with_their_size_and_their_members_by_name(app):
    world = make_team_with_people(nqsws=2)
    empty = make_team("Aardvark team")
    sizes = {team.id: size for team, size in people.teams_with_sizes()}
    # The manager, two mentors and two NQSWs; the admin belongs to no team.
    assert sizes == {world["team"].id: 5, empty.id: 0}
    members = list(db.session.scalars(people.team_members(world["team"].id)))
    assert [m.display_name for m in members] == sorted(m.display_name for m in members)
    assert len(members) == 5


def test_an_nqsws_requests_run_upcoming_soonest_first_then_past_latest_first(app):
    mentor, nqsw = make_user(Role.MENTOR), make_user(Role.NQSW)
    assign_mentor(nqsw, mentor)
    for weekday in range(5):
        availability_store.add_window(mentor, mentor, weekday, time(9), time(17), DAY)
    roomy = free_time.Limits(max_per_day=5, max_per_week=10, travel_minutes=0)
    availability_store.set_limits(mentor, mentor, roomy)
    db.session.commit()
    early, middle, late = (
        ask(nqsw, mentor, at(9)),
        ask(nqsw, mentor, at(11)),
        ask(nqsw, mentor, at(14)),
    )
    mine = {"nqsw_id": nqsw.id, "now": at(10, 30)}
    shown = list(db.session.scalars(requests.nqsw_requests(), mine))
    assert [r.id for r in shown] == [middle.id, late.id, early.id]


def test_the_inbox_counts_and_names_each_clash(app):
    mentor, nqsw, other = make_user(Role.MENTOR), make_user(Role.NQSW), make_user(Role.NQSW)
    assign_mentor(nqsw, mentor)
    assign_mentor(other, mentor)
    for weekday in range(5):
        availability_store.add_window(mentor, mentor, weekday, time(9), time(17), DAY)
    roomy = free_time.Limits(max_per_day=5, max_per_week=10, travel_minutes=0)
    availability_store.set_limits(mentor, mentor, roomy)
    db.session.commit()
    first = ask(nqsw, mentor, at(10))
    scheduling.accept(mentor, first, LONDON, clock.now())
    db.session.commit()
    waiting = ask(other, mentor, at(13))
    rows = list(db.session.scalars(requests.waiting_for_answer(), {"mentor_id": mentor.id}))
    assert rows == [waiting]
    assert requests.inbox_clashes(mentor.id, rows, LONDON, clock.now()) == {}
    assert requests.inbox_counts(waiting) == {"waiting": 1, "others": 1}
    assert requests.inbox_counts(first) == {"waiting": 1, "others": 0}
    # Then the mentor lowers their limit to one a day: the waiting visit would break it.
    limits = free_time.Limits(max_per_day=1, max_per_week=10, travel_minutes=0)
    availability_store.set_limits(mentor, mentor, limits)
    db.session.commit()
    clashes = requests.inbox_clashes(mentor.id, rows, LONDON, clock.now())
    assert list(clashes) == [waiting.id]
    assert clashes[waiting.id]["reasons"] == [
        "they already have their most accompaniments for that day"
    ]
