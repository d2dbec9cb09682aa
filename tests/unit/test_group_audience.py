"""Who a group session invites: teams, a cohort by the month mentoring started, named people."""

from datetime import date, timedelta

import pytest

from nqsw_visits.agreements import rules as agreements
from nqsw_visits.agreements.models import AgreementVersion, SupportLevel
from nqsw_visits.core import clock
from nqsw_visits.core.extensions import db
from nqsw_visits.group_sessions import audience
from nqsw_visits.group_sessions.audience import Audience, AudienceError
from nqsw_visits.people.models import Role
from tests.factories import make_manager_of, make_team, make_user

SEPTEMBER, OCTOBER = date(2026, 9, 1), date(2026, 10, 1)


@pytest.fixture
def people(app):
    north, south, east = make_team("North"), make_team("South"), make_team("East")
    made = {
        "organiser": make_user(Role.MENTOR, team=north, email="grace@example.org"),
        "amira": make_user(Role.NQSW, team=north, email="amira@example.org"),
        "ben": make_user(Role.NQSW, team=north),
        "gone": make_user(Role.NQSW, team=north, active=False, email="gone@example.org"),
        "chloe": make_user(Role.NQSW, team=south),
        "daniel": make_user(Role.NQSW, team=east),
        "manager": make_user(Role.PRACTICE_MANAGER, team=south),
    }
    for team in (north, south, east):  # so they can start each NQSW's agreement
        make_manager_of(team, made["manager"])
    return {**made, "north": north, "south": south}


def _agreement(people: dict, nqsw: str, starts_on: date):
    terms = agreements.Terms(
        people["organiser"],
        people["manager"],
        starts_on,
        new_focus_cases=[agreements.NewFocusCase("CR-1001", "Plan", SupportLevel.ACCOMPANY)],
    )
    made = agreements.start(people["manager"], people[nqsw], terms, clock.now())
    db.session.commit()
    return made


def _resolve(people, **chosen) -> list[int]:
    return audience.resolve(Audience(**chosen), people["organiser"].id, clock.today())


def test_emails_are_read_one_a_line_or_parted_by_commas_once_each_without_case():
    text = " Amira@Example.org\nben@example.org, amira@example.org;\n\n  chloe@example.org "
    assert audience.parse_emails(text) == (
        "amira@example.org",
        "ben@example.org",
        "chloe@example.org",
    )
    assert audience.parse_emails("") == audience.parse_emails(None) == ()


def test_a_team_invites_its_active_members_but_not_the_organiser(people):
    found = _resolve(people, team_ids=frozenset({people["north"].id}))
    assert found == sorted([people["amira"].id, people["ben"].id])
    both = _resolve(people, team_ids=frozenset({people["north"].id, people["south"].id}))
    assert set(both) == {people[n].id for n in ("amira", "ben", "chloe", "manager")}


def test_named_people_are_found_by_email_whatever_its_case(people):
    found = _resolve(people, emails=audience.parse_emails("AMIRA@example.org"))
    assert found == [people["amira"].id]


@pytest.mark.parametrize("email", ["nobody@example.org", "gone@example.org"])
def test_an_unknown_or_inactive_address_is_an_error_naming_it(people, email):
    with pytest.raises(AudienceError) as refused:
        _resolve(people, emails=("amira@example.org", email))
    assert email in str(refused.value)
    assert refused.value.field == "people" and refused.value.status == 422


def test_too_many_addresses_are_refused(people):
    many = tuple(f"person{n}@example.org" for n in range(audience.MAX_NAMED + 1))
    with pytest.raises(AudienceError, match="200 email addresses or fewer"):
        _resolve(people, emails=many)


def test_a_cohort_is_the_nqsws_whose_mentoring_started_that_month(people):
    _agreement(people, "amira", date(2026, 9, 14))
    _agreement(people, "chloe", date(2026, 9, 30))
    _agreement(people, "ben", date(2026, 10, 1))
    assert set(_resolve(people, cohort=SEPTEMBER)) == {people["amira"].id, people["chloe"].id}
    assert _resolve(people, cohort=OCTOBER) == [people["ben"].id]
    assert audience.cohort_months() == [OCTOBER, SEPTEMBER]


def test_a_cohort_counts_the_first_version_and_leaves_out_ended_agreements(people):
    amira = _agreement(people, "amira", date(2026, 9, 14))
    chloe = _agreement(people, "chloe", date(2026, 9, 2))
    # A later version starting in October does not move Amira into October's cohort.
    first = amira.versions[0]
    later = AgreementVersion(
        agreement_id=amira.id,
        number=2,
        mentor_id=first.mentor_id,
        manager_id=first.manager_id,
        starts_on=date(2026, 10, 5),
        created_by_id=first.created_by_id,
    )
    chloe.ended_on = clock.today() - timedelta(days=1)
    db.session.add(later)
    db.session.commit()
    assert _resolve(people, cohort=SEPTEMBER) == [people["amira"].id]
    assert audience.cohort_months() == [SEPTEMBER]
    with pytest.raises(AudienceError):
        _resolve(people, cohort=OCTOBER)


def test_the_three_together_invite_each_person_once(people):
    _agreement(people, "daniel", date(2026, 9, 7))
    found = _resolve(
        people,
        team_ids=frozenset({people["north"].id}),
        cohort=SEPTEMBER,
        emails=("amira@example.org", "grace@example.org"),
    )
    assert found == sorted(people[n].id for n in ("amira", "ben", "daniel"))


def test_nobody_chosen_or_only_the_organiser_is_an_error(people):
    with pytest.raises(AudienceError, match="Choose a team or a cohort"):
        _resolve(people)
    with pytest.raises(AudienceError, match="Choose a team or a cohort"):
        _resolve(people, emails=("grace@example.org",))


def test_a_guest_with_an_account_is_found_by_email(people):
    assert audience.staff_id(" amira@EXAMPLE.org") == people["amira"].id
    assert audience.staff_id("gone@example.org") is None
    assert audience.staff_id("outside@example.net") is None
