"""Every state-changing route writes an audit row (SECURITY.md: one row per state change)."""

import re

import pytest
from sqlalchemy import func, select

from nqsw_visits.core.extensions import db
from nqsw_visits.people.models import AuditEvent
from tests.conftest import FreshContextClient, sign_in
from tests.http.changes import CASES, MORE, POSTS, build_world, endpoint_of, path_for

CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
# The only changing routes that write no audit row, each for a reason (they are posted too).
UNAUDITED = {
    # Marks the person's own notifications read: what they have seen, not anyone's record.
    "notifications.mark_read",
}
# Reads are audited too, but a read is not the change a post must record.
NOT_A_CHANGE = {"observation.read"}


def changing_endpoints(app) -> set[str]:
    return {rule.endpoint for rule in app.url_map.iter_rules() if rule.methods & CHANGING}


def post_as(app, world: dict, case: str, extra: dict | None = None):
    """Post the case's valid form (and any extra fields) as its person, on a fresh client."""
    app.test_client_class = FreshContextClient
    client = app.test_client()
    who, _, data = CASES[case]
    if who:
        sign_in(client, world["people"][who])
    path = path_for(case, world)
    adapter = app.url_map.bind("localhost")
    assert adapter.match(path, method="POST")[0] == endpoint_of(case), path
    response = client.post(path, data={**data(world), **(extra or {})})
    # A refusal may redirect too, with an error banner waiting in the session.
    with client.session_transaction() as session:
        response.refusals = [text for kind, text in session.get("_flashes", []) if kind == "error"]
    return response


def assert_done(response, endpoint: str) -> None:
    """A success: a redirect or a page, with no error summary and no error banner to come."""
    body = response.get_data(as_text=True)
    errors = re.findall(r'<a href="#[^"]*">([^<]*)</a>', body.split("govuk-error-summary", 1)[-1])
    assert response.status_code in (200, 302, 303), (endpoint, response.status_code, errors[:3])
    assert "govuk-error-summary" not in body, (endpoint, errors[:3])
    assert not getattr(response, "refusals", []), (endpoint, response.refusals)


def test_every_changing_route_is_posted_below_or_listed_as_unaudited(app):
    """A new POST (PUT, PATCH, DELETE) route fails here until it is covered or listed."""
    found = changing_endpoints(app)
    assert set(POSTS) >= UNAUDITED
    assert found == set(POSTS), {
        "not posted in tests/http/changes.py": sorted(found - set(POSTS)),
        "no longer routes": sorted(set(POSTS) - found),
    }
    assert len(found) > 30
    assert {endpoint_of(case) for case in MORE} <= found


@pytest.mark.parametrize("endpoint", sorted(UNAUDITED))
def test_the_unaudited_routes_really_write_nothing(app, endpoint):
    """Keeps the exceptions honest: a listed route that starts auditing leaves the list."""
    world = build_world()
    start = db.session.scalar(select(func.max(AuditEvent.id)))
    assert_done(post_as(app, world, endpoint), endpoint)
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.id > start)).all()
    assert actions == ["signin.succeeded"]  # the client's own sign-in only


@pytest.mark.parametrize("case", sorted(set(CASES) - UNAUDITED))
def test_each_change_writes_an_audit_row_naming_who_did_it(app, case):
    world = build_world()
    who = CASES[case][0] or "nqsw"  # the anonymous post is the NQSW signing in
    start = db.session.scalar(select(func.coalesce(func.max(AuditEvent.id), 0)))
    response = post_as(app, world, case)
    assert_done(response, case)
    written = db.session.scalars(
        select(AuditEvent).where(AuditEvent.id > start).order_by(AuditEvent.id)
    ).all()
    if CASES[case][0]:
        assert written[0].action == "signin.succeeded"  # the client's own sign-in
        written = written[1:]
    changes = [event for event in written if event.action not in NOT_A_CHANGE]
    assert changes, f"{case} answered {response.status_code} and wrote no audit row"
    assert {event.actor_id for event in changes} == {world["people"][who].id}
