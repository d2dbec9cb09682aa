"""The htmx settings every page serves: nothing kept in the browser, nothing run from a swap."""

import json
from html.parser import HTMLParser

import pytest

from nqsw_visits.people.models import Role
from tests.conftest import sign_in
from tests.factories import make_user

SAFE = {
    # No copy of a page in localStorage: pages hold case references and notes.
    "historyCacheSize": 0,
    # No eval, no <script> run from a swap: the CSP allows neither.
    "allowEval": False,
    "allowScriptTags": False,
    # No inline <style> injected by htmx: the CSP has no 'unsafe-inline'.
    "includeIndicatorStyles": False,
    # hx-get and friends never go to another site.
    "selfRequestsOnly": True,
}


class MetaReader(HTMLParser):
    """Collects the content of every <meta name="htmx-config"> in a page."""

    def __init__(self):
        super().__init__()
        self.configs: list[str] = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "meta" and values.get("name") == "htmx-config":
            self.configs.append(values.get("content") or "")


def served_config(page: str) -> dict:
    reader = MetaReader()
    reader.feed(page)
    assert len(reader.configs) == 1, reader.configs
    return json.loads(reader.configs[0])


def test_sign_in_page_serves_the_safe_htmx_config(client):
    """Guards the htmx settings on the public page."""
    response = client.get("/sign-in")
    assert response.status_code == 200
    config = served_config(response.get_data(as_text=True))
    assert {key: config.get(key) for key in SAFE} == SAFE


@pytest.mark.parametrize(
    ("role", "path"),
    [(Role.NQSW, "/my-support"), (Role.MENTOR, "/mentoring"), (Role.ADMIN, "/admin/")],
)
def test_signed_in_pages_serve_the_safe_htmx_config(client, role, path):
    """Guards the htmx settings where the pages hold sensitive records."""
    sign_in(client, make_user(role))
    page = client.get(path)
    assert page.status_code == 200
    config = served_config(page.get_data(as_text=True))
    assert {key: config.get(key) for key in SAFE} == SAFE
