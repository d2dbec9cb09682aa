"""No case reference in any address: not in a link, form action, htmx fetch or redirect, so
none reaches browser history, server logs or a Referer header."""

from html.parser import HTMLParser
from urllib.parse import unquote

import pytest
from sqlalchemy import select

from nqsw_visits.core.extensions import db
from nqsw_visits.notifications.models import Notification, OutboxEmail
from tests.http.walk import walk
from tests.http.world import ROLES, build

ADDRESSES = {"href", "action", "src", "formaction"}


def _params(given: str | None):
    """Whether htmx sends a field, under the form's hx-params (htmx 2: `*`, `none`, `not a,b`
    or a list of names)."""
    given = (given or "*").strip()
    if given == "*":
        return lambda name: True
    if given == "none":
        return lambda name: False
    if given.startswith("not "):
        left_out = {n.strip() for n in given[4:].split(",")}
        return lambda name: name not in left_out
    named = {n.strip() for n in given.split(",")}
    return lambda name: name in named


class _Addresses(HTMLParser):
    """Every address on a page, and the fields of forms the browser sends in an address."""

    def __init__(self):
        super().__init__()
        self.addresses: list[tuple[str, str, str]] = []  # (tag, attribute, value)
        self.sent_in_address: list[tuple[str, str]] = []  # (field name, value)
        self._get_form: set[str] | None = None  # names a GET form leaves out, or None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name, value in attrs.items():
            if value and (name in ADDRESSES or name.startswith(("hx-", "data-hx-"))):
                self.addresses.append((tag, name, value))
        if tag == "form":
            method = (attrs.get("method") or "get").lower()
            self._get_form = None
            if method == "get" or "hx-get" in attrs:
                self._get_form = _params(attrs.get("hx-params") if "hx-get" in attrs else None)
        elif tag in ("input", "select", "textarea") and self._get_form is not None:
            name = attrs.get("name")
            if name and self._get_form(name):
                self.sent_in_address.append((name, attrs.get("value") or ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self._get_form = None


def leaks(html: str, references: list[str]) -> list[str]:
    """Each place the page would put a case reference into an address."""
    parser = _Addresses()
    parser.feed(html)
    found = []
    for tag, name, value in parser.addresses:
        seen = unquote(unquote(value)).lower()
        found += [f"<{tag} {name}={value!r}>" for ref in references if ref.lower() in seen]
    for name, value in parser.sent_in_address:
        if name == "case_reference" or any(ref.lower() in value.lower() for ref in references):
            found.append(f"field {name}={value!r} in a form sent as an address")
    return found


@pytest.fixture
def world(app):
    return build(app)


def test_no_page_or_fragment_puts_a_case_reference_in_an_address(world):
    references = world.case_references
    shown, checked = set(), 0
    for role in ROLES:
        for path, htmx, response in walk(world, role):
            assert not any(ref.lower() in path.lower() for ref in references), path
            if "html" not in (response.content_type or ""):
                continue
            html = response.get_data(as_text=True)
            where = f"GET {path} as {role}{' (htmx)' * htmx}"
            assert leaks(html, references) == [], where
            location = response.headers.get("Location", "")
            assert not any(ref.lower() in location.lower() for ref in references), where
            shown |= {ref for ref in references if ref in html}
            checked += 1
    # The references are on the pages, as text, so the scan had something to find.
    assert shown == set(references), set(references) - shown
    assert checked >= 300


def test_no_redirect_after_a_form_carries_a_case_reference(world):
    """Asking (the form with the reference), answering, writing an observation and the rest."""
    references = world.case_references
    redirects = [
        (what, response.headers["Location"])
        for what, response in world.answers
        if response.status_code == 302
    ]
    posted = {what.split(" as ")[0].rsplit("/", 1)[-1] for what, _ in redirects}
    assert {"new", "observation", "decline", "cancel", "propose", "actions"} <= posted
    for what, location in redirects:
        assert not any(ref.lower() in location.lower() for ref in references), what
    for what, response in world.answers:
        body = response.get_data(as_text=True)
        if "html" in (response.content_type or ""):
            assert leaks(body, references) == [], what


def test_no_email_or_notice_carries_a_case_reference(world):
    texts = [f"{e.subject}\n{e.body}" for e in db.session.scalars(select(OutboxEmail))]
    texts += list(db.session.scalars(select(Notification.message)))
    assert len(texts) >= 20
    for text in texts:
        assert not any(ref.lower() in text.lower() for ref in world.case_references), text


def test_the_scan_finds_a_reference_wherever_an_address_can_hold_one():
    refs = ["CR-48200"]
    for page in (
        '<a href="/requests/1?ref=cr-48200">x</a>',
        '<form action="/requests/CR%2D48200"></form>',
        '<button formaction="/x?c=CR-48200">x</button>',
        '<img src="/x/CR-48200.png">',
        '<div hx-get="/requests/new/check?case=CR-48200"></div>',
        '<div hx-vals=\'{"case_reference": "CR-48200"}\'></div>',
        '<form hx-get="/check"><input name="case_reference" value=""></form>',
        '<form method="get"><input name="q" value="CR-48200"></form>',
        '<form hx-get="/c" hx-params="not csrf_token"><input name="case_reference"></form>',
    ):
        assert len(leaks(page, refs)) == 1, page
    text_only = '<p>CR-48200</p><form method="post"><input name="case_reference" value="CR-48200">'
    assert leaks(text_only, refs) == []
    checked = '<form method="post" hx-get="/c" hx-params="mentor,day"><input name="case_reference">'
    assert leaks(checked, refs) == []
