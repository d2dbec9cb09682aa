"""Under each focus case, the agreement page lists what happened, linked where it may be opened."""

import pytest
from sqlalchemy import select

from nqsw_visits.agreements.models import FocusCase
from nqsw_visits.core.extensions import db
from tests.factories import make_completed_request, make_shared_observation, make_team_with_people
from tests.http.test_agreements import page, started


@pytest.fixture
def team(app):
    people = make_team_with_people()
    db.session.commit()
    return people


def test_the_latest_five_are_listed_with_the_rest_counted(team, client_for):
    agreement_id = started(team, client_for)
    nqsw, mentor = team["nqsws"][0], team["mentors"][0]
    focus = db.session.scalar(select(FocusCase))
    made = [
        make_completed_request(nqsw, mentor, days_ago=days, focus_case_id=focus.id)
        for days in range(2, 8)
    ]
    observation = make_shared_observation(made[0])
    shown = page(client_for(nqsw), f"/agreements/{agreement_id}")
    assert f'href="/observations/{observation.id}"' in shown
    assert f'href="/requests/{made[0].id}"' in shown and f"/requests/{made[-1].id}" not in shown
    assert "and 2 earlier" in shown and "(completed)" in shown
    manager = client_for(team["manager"])
    shown = page(manager, f"/agreements/{agreement_id}")
    assert f'href="/requests/{made[0].id}"' in shown and "Observation" in shown
    assert f"/observations/{observation.id}" not in shown  # the NQSW has not shared it
    observation.shared_with_manager = True
    db.session.commit()
    assert f'href="/observations/{observation.id}"' in page(manager, f"/agreements/{agreement_id}")
