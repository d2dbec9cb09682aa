"""Finding every route, form and query parameter, and the hostile values sent to them."""

import importlib
import pkgutil
import re
from html.parser import HTMLParser
from urllib.parse import parse_qsl, quote, urlsplit

from flask_wtf import FlaskForm
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter
from wtforms.fields.core import UnboundField

import nqsw_visits

# Only these are left out, each for a reason.
SKIPPED = {"static": "files served from disk: no value reaches the application's code"}
# Echoed raw, any of these would run in a browser (or make htmx fetch): escaped they may show.
PROBES = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    '" hx-get="/hostile-probe" x="',
    "' hx-get='/hostile-probe' x='",
]
RAW = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>"]
RAW += [' hx-get="/hostile-probe"', " hx-get='/hostile-probe'"]
HOSTILE = [
    *PROBES,
    "{{7*7}}{% raw %}${7*7}",
    "' OR 1=1 --",
    "x" * 10_000,
    "",
    " ",
    "\x00",
    "a\x00b\x1b[31m\r\n\t\x7f",
    "\u202eevil\u202c \u0627\u0644\u0639\u0631\u0628\u064a\u0629",
    "e\u0301\u0301\u0301 Z\u0351\u0352\u0353 \U0001f600 \ufeff\u2028",
    "9999-12-31",
    "0000-00-00",
    "2024-02-30",
    "99999999999999999999999999",
    "-1",
    "0",
    "1e309",
    "NaN",
    "../../etc/passwd",
    "https://evil.example/",
]
# Ids for `<int:...>` parameters besides real ones: none, negative, and past any integer column.
ODD_IDS = [0, -1, 2**63, 10**30]
# Query parameters the pages may not link to yet; the pages add the ones they do.
KNOWN_QUERY = {"week", "day", "date", "start", "end", "starts", "ends", "kind", "duration"}
KNOWN_QUERY |= {"q", "role", "status", "page", "weeks", "nqsw", "mentor", "next", "section"}


def flask_forms() -> set[type]:
    """Every FlaskForm subclass in the application, found by importing all its modules."""
    for module in pkgutil.walk_packages(nqsw_visits.__path__, "nqsw_visits."):
        importlib.import_module(module.name)
    found, todo = set(), [FlaskForm]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub.__module__.startswith("nqsw_visits") and sub not in found:
                found.add(sub)
                todo.append(sub)
    return found


def form_field_names(forms: set[type]) -> set[str]:
    """The field names the form classes declare (without any prefix a view gives them)."""
    return {
        name
        for form in forms
        for name in dir(form)
        if isinstance(getattr(form, name, None), UnboundField)
    }


class _PageParser(HTMLParser):
    """Forms (action, method, fields and the values offered) and query names in links."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self.query_names: set[str] = set()
        self._form: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for link in (attrs.get("href"), attrs.get("hx-get")):
            if link and "?" in link:
                self.query_names |= {k for k, _ in parse_qsl(urlsplit(link).query)}
        if tag == "form":
            method = (attrs.get("method") or "get").lower()
            self._form = {"action": attrs.get("action") or "", "method": method, "fields": {}}
            self.forms.append(self._form)
        elif tag in ("input", "select", "textarea", "button") and attrs.get("name"):
            form = self._form or {"fields": {}}
            offered = form["fields"].setdefault(attrs["name"], [])
            if attrs.get("value") is not None:
                offered.append(attrs["value"])
            self._select = offered
        elif tag == "option" and self._form and attrs.get("value") is not None:
            self._select.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None


def read_page(html: str) -> tuple[list[dict], set[str]]:
    """The page's forms, and the query parameter names its links and GET forms use."""
    parser = _PageParser()
    parser._select = []
    parser.feed(html)
    names = set(parser.query_names)
    for form in parser.forms:
        if form["method"] == "get":
            names |= set(form["fields"])
    return parser.forms, names


def endpoint_of(adapter, action: str, here: str, method: str) -> str | None:
    """The endpoint a form's action posts to (an empty action posts to the page itself)."""
    try:
        return adapter.match(urlsplit(action).path or here, method=method.upper())[0]
    except HTTPException:
        return None


def id_for(rule, name: str, ids: dict) -> object:
    """The world's value for one URL parameter: `endpoint.name` first, then the bare name.

    A parameter the world has no value for fails, rather than a guess that only gets 404.
    """
    for key in (f"{rule.endpoint}.{name}", name):
        if key in ids:
            return ids[key]
    raise AssertionError(f"the world has no {name!r} for {rule.rule}: add one to world()")


def fill(rule, ids: dict, odd: object | None = None) -> str:
    """The rule's path: the world's ids (or `odd` for every parameter)."""
    path = rule.rule
    for name, converter in rule._converters.items():
        value = odd if odd is not None else id_for(rule, name, ids)
        if not isinstance(converter, IntegerConverter):
            value = quote(str(value), safe="")[:300]
        path = re.sub(rf"<(?:[^:<>]+:)?{name}>", str(value), path)
    return path


def assert_safe(response, where: str) -> None:
    """No server error, and no probe echoed unescaped."""
    assert response.status_code < 500, f"{response.status_code} on {where}"
    if "html" in (response.content_type or ""):
        body = response.get_data(as_text=True)
        for probe in RAW:
            assert probe not in body, f"unescaped {probe!r} on {where}"
