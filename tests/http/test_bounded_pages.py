"""Lists that grow with time come a page or a time window at a time: same queries at 10x data."""

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from nqsw_visits.agreements.models import (
    AgreementConfirmation,
    AgreementGoal,
    AgreementReview,
    AgreementVersion,
    FocusCase,
    GoalRating,
    MentoringAgreement,
)
from nqsw_visits.calendars import feed as calendars
from nqsw_visits.core import clock
from nqsw_visits.core.extensions import db
from nqsw_visits.core.tokens import hash_token
from nqsw_visits.notifications.models import Notification
from nqsw_visits.observations.models import Addendum, AgreedAction, Observation, Standard
from nqsw_visits.observations.progress_views import PORTFOLIO_PER_PAGE
from nqsw_visits.one_to_ones.models import OneToOne, SessionAction
from nqsw_visits.people import audit_trail as activity
from nqsw_visits.people.models import AuditEvent, Role, User, UserRole
from nqsw_visits.support_requests.answering_views import WAITING_PER_PAGE
from nqsw_visits.support_requests.models import SupportRequest
from tests.factories import assign_mentor, make_manager_of, make_team, make_user

N = 6  # 10N is more than any page holds (50 at most)
MAX_QUERIES = 12
MAX_BYTES = 60_000
FEED_TOKEN = "a-secret-feed-token-for-tests"


@pytest.fixture
def world(app):
    team = make_team()
    manager = make_user(Role.PRACTICE_MANAGER, team=team, name="Manager")
    make_manager_of(team, manager)
    mentor = make_user(Role.MENTOR, team=team, name="Mentor")
    nqsw = make_user(Role.NQSW, team=team, name="Newly Qualified")
    assign_mentor(nqsw, mentor)
    mentor.calendar_token_hash = hash_token(FEED_TOKEN)
    db.session.commit()
    people = {"team": team, "manager": manager, "mentor": mentor, "nqsw": nqsw}
    now = clock.now().replace(minute=0, second=0, microsecond=0)
    agreement = _agreement(people, nqsw, months_ago=13)
    db.session.flush()
    for months, confirmed in ((3, True), (6, True), (12, False)):
        _review(agreement, people, months, now - timedelta(days=400 - 31 * months), confirmed)
    # The session whose page carries the open actions of every earlier one.
    session = _session(agreement, now - timedelta(days=1), "held")
    db.session.commit()
    return {
        **people,
        "admin": make_user(Role.ADMIN, name="Admin"),
        "agreement": agreement,
        "session": session,
        "grown": 0,
    }


def _agreement(people, nqsw, months_ago: int, ended: bool = False) -> MentoringAgreement:
    """An agreement of the NQSW with the mentor and manager, confirmed by all three."""
    started = clock.now() - timedelta(days=31 * months_ago)
    agreement = MentoringAgreement(
        nqsw_id=nqsw.id,
        started_by_id=people["manager"].id,
        created_at=started,
        ended_on=clock.today() - timedelta(days=7) if ended else None,
        focus_cases=[
            FocusCase(case_reference="CR-7001", support_level="accompany", added_in=1),
            FocusCase(case_reference="CR-7002", support_level="talk_through", added_in=1),
        ],
        goals=[
            AgreementGoal(
                description="Plan visits",
                added_in=1,
                standard=db.session.scalars(select(Standard).limit(1)).first(),
            )
        ],
    )
    db.session.add(agreement)
    _version(agreement, people, 1, started)
    return agreement


def _version(agreement, people, number: int, at) -> None:
    nqsw_id = agreement.nqsw_id or agreement.nqsw.id
    agreement.versions.append(
        AgreementVersion(
            number=number,
            mentor_id=people["mentor"].id,
            manager_id=people["manager"].id,
            starts_on=(clock.now() - timedelta(days=31 * 13)).date() if number > 1 else at.date(),
            what_changed=f"Change {number}",
            created_by_id=people["mentor"].id,
            created_at=at,
            confirmations=[
                AgreementConfirmation(person_id=person, confirmed_at=at)
                for person in (nqsw_id, people["mentor"].id, people["manager"].id)
            ],
        )
    )


def _review(agreement, people, months: int, at, confirmed: bool) -> None:
    agreement.reviews.append(
        AgreementReview(
            months=months,
            progress="Steady progress",
            written_by_id=people["mentor"].id,
            written_at=at,
            nqsw_view="I agree",
            nqsw_added_at=at,
            confirmed_by_id=people["manager"].id if confirmed else None,
            confirmed_at=at if confirmed else None,
        )
    )
    for goal in agreement.goals:
        goal.ratings.append(GoalRating(point=months, rating=3, rated_at=at))


def _session(agreement, starts, status: str, action: bool = False) -> OneToOne:
    version = agreement.versions[0]
    session = OneToOne(
        agreement_id=agreement.id,
        mentor_id=version.mentor_id,
        nqsw_id=agreement.nqsw_id,
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        status=status,
        booked_by_id=version.mentor_id,
        talked_about="The focus case" if status == "held" else "",
        written_by_id=version.mentor_id if status == "held" else None,
        written_at=starts + timedelta(hours=2) if status == "held" else None,
    )
    db.session.add(session)
    db.session.flush()
    if action:
        db.session.add(
            SessionAction(
                session_id=session.id,
                agreement_id=agreement.id,
                description="Read the plan again",
                owner_id=agreement.nqsw_id,
                created_by_id=version.mentor_id,
            )
        )
    return session


def _grow_programme(world, number: int, now, colleague: User) -> None:
    """A change, a focus-case request, two one-to-ones and an action on the NQSW's agreement;
    an ended agreement of the NQSW's; a colleague's agreement with a review to confirm."""
    agreement = world["agreement"]
    _version(agreement, world, len(agreement.versions) + 1, now - timedelta(days=number))
    asked = _request(world, now - timedelta(days=number, hours=9), "completed")
    asked.focus_case_id = agreement.focus_cases[number % 2].id
    _session(agreement, now - timedelta(weeks=number, days=1), "held", action=True)
    _session(agreement, now + timedelta(weeks=number, hours=3), "booked")
    _agreement(world, world["nqsw"], months_ago=20, ended=True)
    theirs = _agreement(world, colleague, months_ago=4)
    db.session.flush()
    _review(theirs, world, 3, now - timedelta(days=20), confirmed=False)


def _request(world, starts, status, hours=1):
    row = SupportRequest(
        nqsw_id=world["nqsw"].id,
        mentor_id=world["mentor"].id,
        kind="home_visit",
        starts_at=starts,
        ends_at=starts + timedelta(hours=hours),
        purpose="Review the plan",
        consent="yes",
        status=status,
    )
    db.session.add(row)
    return row


def _observation(world, request, **fields):
    observation = Observation(
        request_id=request.id,
        mentor_id=request.mentor_id,
        nqsw_id=request.nqsw_id,
        observed="Noted with care",
        shared_at=request.ends_at,
        **fields,
    )
    db.session.add(observation)
    return observation


def grow(world, how_many: int) -> None:
    """How_many more of everything each list shows, spread as time would spread them."""
    now = clock.now().replace(minute=0, second=0, microsecond=0)
    standards = list(db.session.scalars(select(Standard).limit(3)))
    password = world["admin"].password_hash
    for _ in range(how_many):
        number = world["grown"] = world["grown"] + 1
        # Waiting for an answer in the next fortnight: the inbox and planned support page them.
        _request(world, now + timedelta(days=1 + number % 12, hours=number % 7), "requested")
        # Agreed, one a week from today: the inbox and the feed show a window of them.
        _request(world, now + timedelta(weeks=number - 1, hours=2), "accepted")
        # Done and not yet written up, one a day back.
        _request(world, now - timedelta(days=number, hours=3), "completed")
        shared = _request(world, now - timedelta(days=number, hours=5), "completed")
        signed = _request(world, now - timedelta(days=14 * number, hours=7), "completed")
        db.session.flush()
        _observation(world, shared, standards=standards[: number % 3])
        kept = _observation(
            world,
            signed,
            classification="asye_direct_observation" if number % 2 else "formative",
            reflection="I learned to slow down",
            standards=standards[: number % 3],
        )
        db.session.flush()
        db.session.add(
            AgreedAction(
                observation_id=kept.id,
                what="Read up on the plan",
                owner="nqsw",
                due_on=clock.today() + timedelta(days=number),
                added_by_id=world["nqsw"].id,
            )
        )
        db.session.flush()
        # Signed by both, so locked: nothing more is added to it.
        done = now - timedelta(days=number)
        kept.mentor_signed_at = kept.nqsw_signed_at = kept.locked_at = done
        for person in ("nqsw", "mentor", "manager", "admin"):
            db.session.add(Notification(user_id=world[person].id, message=f"Change {number}"))
        colleague = User(
            email=f"colleague{number}@example.org",
            display_name=f"Colleague {number:04d}",
            password_hash=password,
            team=world["team"],
            role_rows=[UserRole(role=Role.NQSW.value)],
        )
        db.session.add(colleague)
        db.session.add(AuditEvent(action="user.created", actor_id=world["admin"].id))
        db.session.flush()
        _grow_programme(world, number, now, colleague)
    db.session.commit()


PAGES = [
    ("mentor", "/inbox"),
    ("mentor", "/mentoring"),
    ("mentor", "/mentoring/to-write"),
    ("mentor", "/mentoring/to-sign"),
    ("mentor", "/notifications"),
    ("nqsw", "/requests"),
    ("nqsw", "/my-support"),
    ("nqsw", "/people/{nqsw}/progress"),
    ("nqsw", "/people/{nqsw}/portfolio"),
    ("manager", "/people/{nqsw}/progress"),
    ("manager", "/planned-support"),
    ("manager", "/my-team"),
    ("admin", "/admin/"),
    ("admin", "/admin/people"),
    ("admin", "/admin/people?status=all&role=nqsw&q=colleague"),
    ("admin", "/admin/activity"),
    (None, f"/calendar/{FEED_TOKEN}.ics"),
    ("nqsw", "/agreements"),
    ("mentor", "/agreements"),
    ("manager", "/agreements"),
    ("mentor", "/agreements/{agreement}"),
    ("nqsw", "/agreements/{agreement}"),
    ("mentor", "/agreements/{agreement}/versions/1"),
    ("manager", "/agreements/{agreement}/reviews/12"),
    ("nqsw", "/agreements/{agreement}/reviews/3"),
    ("nqsw", "/agreements/{agreement}/ratings"),
    ("mentor", "/agreements/{agreement}/one-to-ones"),
    ("nqsw", "/one-to-ones/{session}"),
    ("mentor", "/one-to-ones/{session}"),
    # The ask form's check while it is filled in: is the mentor free then, and who else is.
    (
        "nqsw",
        "/requests/new/check?mentor={mentor}&kind=home_visit&day={day.day}&day={day.month}"
        "&day={day.year}&starts=10:00&ends=11:00",
    ),
]


def measure(client, count_queries, url: str) -> tuple[int, int, list[str]]:
    """Queries and bytes of one GET, after a first one has warmed the session up."""
    assert client.get(url).status_code == 200
    with count_queries() as counter:
        response = client.get(url)
    assert response.status_code == 200, url
    return counter.count, len(response.data), counter.statements


def _url(world, path: str) -> str:
    return path.format(
        nqsw=world["nqsw"].id,
        agreement=world["agreement"].id,
        session=world["session"].id,
        mentor=world["mentor"].id,
        day=clock.today() + timedelta(days=8),
    )


@pytest.mark.parametrize(("who", "path"), PAGES)
def test_queries_stay_the_same_at_ten_times_the_data(
    world, client, client_for, count_queries, who, path
):
    url = _url(world, path)
    browser = client_for(world[who]) if who else client
    grow(world, N)
    few, small, _ = measure(browser, count_queries, url)
    grow(world, 9 * N)
    many, large, statements = measure(browser, count_queries, url)
    print(f"{path}: {few} queries, {small} bytes at N; {many} queries, {large} bytes at 10N")
    assert many == few, statements
    assert many <= MAX_QUERIES, statements
    if who:  # the calendar feed is bounded by its window, not by a page size
        assert large <= MAX_BYTES


@pytest.mark.parametrize(
    ("who", "path", "pattern", "per_page"),
    [
        # A page of those waiting, then the week's agreed: one a week, from today
        ("mentor", "/inbox", r'class="app-request-card"', WAITING_PER_PAGE + 1),
        ("nqsw", "/requests", r'<tr class="govuk-table__row">', 20 + 1),  # rows and the head
        ("mentor", "/notifications", r"Change \d+", 25),
        ("admin", "/admin/people?q=colleague", r"colleague\d+@", 50),
        ("admin", "/admin/activity", r'<tr class="govuk-table__row">', 50 + 1),
        ("mentor", "/mentoring", r"/requests/\d+/observation", 10),
        ("mentor", "/mentoring", r"/observations/\d+", 10),
        ("mentor", "/mentoring/to-write", r"/requests/\d+/observation", 25),
        ("mentor", "/mentoring/to-sign", r"/observations/\d+", 25),
        ("nqsw", "/people/{nqsw}/progress", r"/observations/\d+", 20),
        ("manager", "/planned-support?weeks=8", r"/requests/\d+\"", 50),
        ("mentor", "/agreements", r'href="/agreements/\d+"', 20),
        ("nqsw", "/agreements", r'href="/agreements/\d+"', 20),
        ("nqsw", "/agreements/{agreement}/one-to-ones", r'href="/one-to-ones/\d+"', 20),
        ("nqsw", "/one-to-ones/{session}", r"/one-to-ones/\d+/actions/\d+/done", 10),
    ],
)
def test_a_page_holds_a_page_and_links_to_the_next(world, client_for, who, path, pattern, per_page):
    grow(world, 10 * N)
    page = client_for(world[who]).get(_url(world, path)).get_data(as_text=True)
    assert len(re.findall(pattern, page)) == per_page
    # The home pages show the first few and link to the rest; other lists have page links.
    assert "See all 60" in page if path == "/mentoring" else 'class="govuk-pagination' in page


@pytest.mark.parametrize("page", ["0", "-1", "two", "1e3", "99999", "9" * 40, "", "%00"])
def test_a_page_number_out_of_range_gives_the_first_or_last_page(world, client_for, page):
    grow(world, 10 * N)
    client = client_for(world["nqsw"])
    response = client.get(f"/requests?page={page}")
    assert response.status_code == 200
    last = 10 * N * 6 // 20  # six requests a round, 20 to a page
    expected = last if page.isdigit() and int(page) >= last else 1
    assert f'aria-label="Page {expected}" aria-current="page"' in response.get_data(as_text=True)


def test_page_links_keep_the_filters(world, client_for):
    grow(world, 10 * N)
    page = client_for(world["admin"]).get("/admin/people?status=all&role=nqsw&q=coll")
    body = page.get_data(as_text=True)
    assert "/admin/people?status=all&amp;role=nqsw&amp;q=coll&amp;page=2" in body
    second = client_for(world["admin"]).get("/admin/people?status=all&role=nqsw&q=coll&page=2")
    assert second.get_data(as_text=True).count("colleague") == 10 * N - 50


def test_the_feed_covers_a_fortnight_back_to_twelve_months_ahead_and_says_so(world, client):
    grow(world, 10 * N)
    now = clock.now()
    _request(world, now + timedelta(days=400), "accepted")
    _request(world, now - timedelta(days=20), "completed")
    _request(world, now + timedelta(days=3), "declined")
    db.session.commit()
    response = client.get(f"/calendar/{FEED_TOKEN}.ics")
    body = response.get_data(as_text=True)
    inside = db.session.scalar(
        select(func.count())
        .select_from(SupportRequest)
        .where(
            SupportRequest.ends_at >= now - timedelta(days=14),
            SupportRequest.starts_at < now + timedelta(days=365),
            SupportRequest.status.in_(calendars.IN_FEED),
        )
    )
    inside += db.session.scalar(  # the mentor's one-to-ones in the window come too
        select(func.count())
        .select_from(OneToOne)
        .where(
            OneToOne.ends_at >= now - timedelta(days=14),
            OneToOne.starts_at < now + timedelta(days=365),
            OneToOne.status.in_(("booked", "held")),
        )
    )
    everything = db.session.scalar(select(func.count()).select_from(SupportRequest))
    assert body.count("BEGIN:VEVENT") == inside < everything
    unfolded = body.replace("\r\n ", "")  # iCalendar folds long lines
    window = "accompaniments and one-to-ones from 14 days ago to twelve months"
    assert f"X-WR-CALDESC:Your Alongside {window}" in unfolded
    assert len(response.data) < 260 * inside  # bytes an event: what a calendar shows, no more


def test_the_portfolio_prints_the_last_twelve_months_unless_asked(world, client_for):
    grow(world, 5 * N)  # signed observations a fortnight apart, back 60 weeks
    client = client_for(world["nqsw"])
    url = f"/people/{world['nqsw'].id}/portfolio"
    first = client.get(url).get_data(as_text=True)
    assert first.count("<article") == PORTFOLIO_PER_PAGE
    assert "Showing 1 to 12 of 26 signed observations" in first  # fortnightly, a year back
    earlier = (clock.today() - timedelta(days=500)).isoformat()
    everything = client.get(f"{url}?from={earlier}&page=3").get_data(as_text=True)
    assert everything.count("<article") == 5 * N - 2 * PORTFOLIO_PER_PAGE
    reads = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "observation.read")
    ).all()
    assert len(reads) == 2  # one row per view, naming what it showed
    assert [len(json.loads(read.detail)["observation_ids"]) for read in reads] == [12, 6]


def _observation_holding(world, how_many: int) -> Observation:
    """A signed, locked observation with how_many standards, actions and addenda."""
    starts = clock.now().replace(minute=0, second=0, microsecond=0) - timedelta(days=3)
    observation = _observation(
        world,
        _request(world, starts, "completed"),
        reflection="I learned to slow down",
        shared_with_manager=True,
        standards=list(db.session.scalars(select(Standard).limit(how_many))),
    )
    db.session.flush()
    for number in range(how_many):
        db.session.add(
            AgreedAction(
                observation_id=observation.id,
                what=f"Action {number}",
                owner="nqsw",
                due_on=clock.today() + timedelta(days=number),
                added_by_id=world["nqsw"].id,
            )
        )
    db.session.flush()
    observation.mentor_signed_at = observation.nqsw_signed_at = observation.locked_at = starts
    db.session.flush()
    for number in range(how_many):
        author = world["mentor" if number % 2 else "nqsw"]
        db.session.add(Addendum(observation_id=observation.id, author_id=author.id, text="Later"))
    db.session.commit()
    return observation


@pytest.mark.parametrize("who", ["nqsw", "mentor", "manager"])
def test_an_observation_runs_the_same_queries_however_much_it_holds(
    world, client_for, count_queries, who
):
    grow(world, N)
    few = _observation_holding(world, 2)
    many = _observation_holding(world, 20)
    browser = client_for(world[who])
    counted = [measure(browser, count_queries, f"/observations/{o.id}") for o in (few, many)]
    (small_count, small, _), (large_count, large, statements) = counted
    assert large_count == small_count <= MAX_QUERIES, statements
    assert small < large <= MAX_BYTES
    assert sum(s.lstrip().startswith("INSERT") for s in statements) == 1  # the audited read


def test_activity_counts_only_a_few_pages_ahead_and_finds_the_end_past_it(
    world, client_for, monkeypatch
):
    db.session.add_all(AuditEvent(action="user.created") for _ in range(160))
    db.session.commit()
    monkeypatch.setattr(activity, "PAGES_AHEAD", 1)  # counted to the page after this one
    client = client_for(world["admin"])
    first = client.get("/admin/activity").get_data(as_text=True)
    assert "Showing 1 to 50 of more than 100 events" in first
    assert 'href="/admin/activity?page=2"' in first
    past = client.get("/admin/activity?page=99999").get_data(as_text=True)
    total = db.session.scalar(select(func.count()).select_from(AuditEvent))
    assert total > 3 * activity.EVENTS_PER_PAGE
    last = -(-total // activity.EVENTS_PER_PAGE)
    assert f'aria-label="Page {last}" aria-current="page"' in past
    assert f"of {total} events" in past and "more than" not in past


def test_carried_actions_come_ten_at_a_time_and_a_later_mentor_sees_only_shared_ones(
    world, client_for
):
    grow(world, 2 * N)  # an open action on each of 12 earlier one-to-ones
    done = r"/one-to-ones/\d+/actions/\d+/done"
    url = _url(world, "/one-to-ones/{session}")
    client = client_for(world["nqsw"])
    first = client.get(url).get_data(as_text=True)
    assert len(re.findall(done, first)) == 10
    assert "Showing 1 to 10 of 12 open actions" in first
    assert f'href="{url}?carried=2"' in first
    second = client.get(f"{url}?carried=2").get_data(as_text=True)
    assert len(re.findall(done, second)) == 2
    # A new mentor takes over: they read only the records the NQSW shared onward.
    later = make_user(Role.MENTOR, team=world["team"], name="Later Mentor")
    agreement = world["agreement"]
    _version(agreement, {**world, "mentor": later}, len(agreement.versions) + 1, clock.now())
    earlier = db.session.scalars(
        select(OneToOne)
        .where(OneToOne.agreement_id == agreement.id, OneToOne.id != world["session"].id)
        .order_by(OneToOne.starts_at)
    ).all()
    for session in [world["session"], *earlier[::3]]:
        session.shared_onward = True
    db.session.commit()
    shared = sum(bool(s.actions) and s.shared_onward for s in earlier)
    page = client_for(later).get(url).get_data(as_text=True)
    assert 0 < shared < 10
    assert len(re.findall(done, page)) == shared
