"""Hostile input on every route and form, found from the URL map, the form classes and the pages.

Nothing here names a route or a field: a route or form added later is covered as it is.
HOSTILE_EXAMPLES sets how many generated examples run (`make fuzz` runs many more).
"""

import os
import re
from collections import Counter

import pytest
from flask import Response
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import escape

from nqsw_visits import create_app
from nqsw_visits.people.models import Role
from tests.conftest import FreshContextClient, sign_in
from tests.factories import DEFAULT_PASSWORD, make_user
from tests.http.hostile import (
    HOSTILE,
    KNOWN_QUERY,
    ODD_IDS,
    PROBES,
    SKIPPED,
    assert_safe,
    endpoint_of,
    fill,
    flask_forms,
    form_field_names,
    read_page,
)
from tests.http.test_access import ADMIN, ROLES, world
from tests.load.live import show

EXAMPLES = int(os.environ.get("HOSTILE_EXAMPLES", "100"))
HTMX = {"HX-Request": "true"}
REFUSED = {401, 403, 404, 405}
# POST routes that no role's real ids get past the access checks, each for a reason.
NEVER_PAST_ACCESS: dict[str, str] = {}


def rounds(names) -> list[dict]:
    """Hostile values for every name at once, turning, so each name meets several of them.

    Under `make test` a few rounds; with many examples asked for, every value on every name.
    """
    names, count = sorted(names), len(HOSTILE)
    turns = count if EXAMPLES >= 200 else 6
    step = max(count // turns, 1)
    sent = [
        {name: HOSTILE[(place + turn * step) % count] for place, name in enumerate(names)}
        for turn in range(turns)
    ]
    # Repeated fields: a list where one value is expected, and a date's three boxes.
    return [
        *sent,
        {name: [PROBES[0]] * 3 for name in names},
        {name: ["31", "12", "9999"] for name in names},
    ]


class Map:
    """What was found: routes, forms, fields per POST endpoint and query names."""

    def __init__(self, app, ids):
        self.app, self.ids = app, ids
        self.rules = [r for r in app.url_map.iter_rules() if r.endpoint not in SKIPPED]
        self.gets = [r for r in self.rules if "GET" in r.methods]
        self.posts = [r for r in self.rules if "POST" in r.methods]
        self.forms = flask_forms()
        self.class_fields = form_field_names(self.forms)
        self.fields: dict[str, dict[str, list[str]]] = {}  # POST endpoint: name: values seen
        self.query = set(KNOWN_QUERY)
        self.html_forms = 0
        self.sent = Counter()
        self.answers: dict[str, set[int]] = {rule.endpoint: set() for rule in self.posts}

    def learn(self, html: str, here: str) -> None:
        forms, names = read_page(html)
        self.query |= names
        adapter = self.app.url_map.bind("localhost")
        for form in forms:
            endpoint = endpoint_of(adapter, form["action"], here, form["method"])
            if form["method"] == "post" and endpoint:
                self.html_forms += 1
                known = self.fields.setdefault(endpoint, {})
                for name, values in form["fields"].items():
                    known.setdefault(name, []).extend(values)

    def post_fields(self, endpoint: str) -> dict[str, list[str]]:
        """The fields its pages show; with no page found, every field any form class has."""
        return self.fields.get(endpoint) or {name: [] for name in self.class_fields}


@pytest.fixture
def found(app):
    """The world, a signed-in client per role, and the map learnt by reading every page."""
    made = world()
    # The admin's changes to a person (deactivate, new password) go to someone else.
    ids = {**made["ids"], "user_id": make_user(Role.NQSW).id}
    app.test_client_class = FreshContextClient
    clients = {}
    for role in ROLES:
        clients[role] = app.test_client()
        sign_in(clients[role], made["people"][role])
    mapped = Map(app, ids)
    for role in ROLES:
        for rule in mapped.gets:
            path = fill(rule, ids)
            response = clients[role].get(path)
            assert_safe(response, f"GET {path} as {role}")
            if response.status_code == 200 and "html" in response.content_type:
                mapped.learn(response.get_data(as_text=True), path)
    return made, clients, mapped


def keep_signed_in(client, made, role, response) -> None:
    """Sign in again where a post signed the person out (sign-out itself, a new password)."""
    if response.status_code in (302, 401) and "/sign-in" in response.headers.get("Location", ""):
        sign_in(client, made["people"][role])


def test_every_route_and_form_answers_hostile_values_without_a_server_error(found, request):
    made, clients, mapped = found
    assert len(mapped.rules) == len(list(mapped.app.url_map.iter_rules())) - len(SKIPPED)
    assert len(mapped.forms) >= 10 and mapped.html_forms >= 10
    # The admin goes last: their posts change other people's accounts.
    for role in sorted(ROLES, key=lambda r: r == ADMIN):
        client = clients[role]
        for rule in mapped.gets:
            path = fill(rule, mapped.ids)
            for number, query in enumerate(rounds(mapped.query)):
                headers = HTMX if number % 2 else {}
                response = client.get(path, query_string=query, headers=headers)
                mapped.sent["GET"] += 1
                assert_safe(response, f"GET {path} {query!r:.300} as {role}")
                if response.status_code in REFUSED:
                    break  # refused before the address was read: the rest would be too
            for odd in [*ODD_IDS, *PROBES[:2]] if rule.arguments else []:
                response = client.get(fill(rule, mapped.ids, odd), headers=HTMX)
                mapped.sent["GET"] += 1
                assert_safe(response, f"GET {rule.rule} with {odd!r} as {role}")
        for rule in mapped.posts:
            path, names = fill(rule, mapped.ids), mapped.post_fields(rule.endpoint)
            for number, data in enumerate(rounds(names)):
                headers = HTMX if number % 2 else {}
                response = client.post(path, data=data, headers=headers)
                mapped.sent["POST"] += 1
                mapped.answers[rule.endpoint].add(response.status_code)
                assert_safe(response, f"POST {path} {data!r:.300} as {role}")
                keep_signed_in(client, made, role, response)
                if response.status_code in REFUSED:
                    break
    # Each POST got past its access checks for some role, so its form was really read.
    unread = {e: sorted(seen) for e, seen in mapped.answers.items() if seen <= REFUSED}
    assert set(unread) == set(NEVER_PAST_ACCESS), unread
    show(
        request,
        f"hostile input: {len(mapped.rules)} routes ({len(mapped.gets)} GET, "
        f"{len(mapped.posts)} POST), {len(mapped.forms)} form classes, {mapped.html_forms} "
        f"forms on pages, {len(mapped.query)} query names; sent {mapped.sent['GET']} GET "
        f"and {mapped.sent['POST']} POST",
    )


hostile_text = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(),
    st.text(st.characters(codec="utf-8", categories=["Cc", "Cf", "Mn", "Zs", "So"])),
    st.integers(-(2**80), 2**80).map(str),
    st.dates().map(str),
    st.builds(
        lambda d, m, y: [str(d), str(m), str(y)],
        st.integers(-5, 40),
        st.integers(-5, 15),
        st.integers(0, 10_000),
    ),
)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_generated_values_on_any_route_and_form(found, data):
    made, clients, mapped = found
    role = data.draw(st.sampled_from(ROLES), label="role")
    rule = data.draw(st.sampled_from(mapped.gets + mapped.posts), label="route")
    method = (
        "POST"
        if rule in mapped.posts and (rule not in mapped.gets or data.draw(st.booleans()))
        else "GET"
    )
    path = fill(rule, mapped.ids)
    names = (
        mapped.post_fields(rule.endpoint) if method == "POST" else {key: [] for key in mapped.query}
    )
    fields = {}
    for name, offered in names.items():
        if data.draw(st.booleans(), label=f"send {name}"):
            choices = [st.sampled_from(offered)] if offered else []
            fields[name] = data.draw(st.one_of(*choices, hostile_text), label=name)
    headers = HTMX if data.draw(st.booleans(), label="htmx") else {}
    client = clients[role]
    if method == "GET":
        response = client.get(path, query_string=fields, headers=headers)
    else:
        response = client.post(path, data=fields, headers=headers)
        keep_signed_in(client, made, role, response)
    assert_safe(response, f"{method} {path} {fields!r:.200} as {role}")


def test_every_post_without_a_token_is_refused(app_config, found):
    """With CSRF on, as the public and signed in: every POST route, hostile values or not."""
    made, _, mapped = found
    app = create_app({**app_config, "WTF_CSRF_ENABLED": True})
    app.test_client_class = FreshContextClient
    public, admin = app.test_client(), app.test_client()
    page = admin.get("/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    person = made["people"][ADMIN]
    admin.post(
        "/sign-in", data={"email": person.email, "password": DEFAULT_PASSWORD, "csrf_token": token}
    )
    assert admin.get("/admin/").status_code == 200
    for client in (public, admin):
        for rule in mapped.posts:
            path = fill(rule, mapped.ids)
            data = dict.fromkeys(mapped.post_fields(rule.endpoint), PROBES[0])
            for headers in ({}, HTMX, {"X-CSRFToken": "forged"}):
                response = client.post(path, data=data, headers=headers)
                assert response.status_code == 400, f"POST {path} {headers}"
                assert_safe(response, f"POST {path} without a token")
    assert admin.get("/admin/").status_code == 200  # still signed in: nothing was done


def test_the_checks_catch_what_they_look_for(app):
    """A server error or a probe echoed raw fails the check; the escaped probe passes."""
    for probe in PROBES:
        assert_safe(Response(f"<p>{escape(probe)}</p>", mimetype="text/html"), "escaped")
        with pytest.raises(AssertionError):
            assert_safe(Response(f"<p title='{probe}'>{probe}</p>", mimetype="text/html"), "raw")
    with pytest.raises(AssertionError):
        assert_safe(Response("", status=500), "error")
    html = '<form method="post" action="/admin/teams"><input name="name" value="x"></form>'
    html += '<a href="/planned-support?week=2027-01-11&amp;weeks=2">next</a>'
    forms, names = read_page(html)
    assert forms[0]["fields"] == {"name": ["x"]} and {"week", "weeks"} <= names
