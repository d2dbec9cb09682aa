"""The browser checks themselves: each kind of problem on a page is caught."""

import pytest

from nqsw_visits.core.security import public
from tests.browser.conftest import axe_violations

# Breaks the app's CSP four ways, loads two missing files, throws, and fails axe twice.
PROBE_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Probe</title>
<link rel="stylesheet" href="/_probe.css"></head>
<body><main><h1 style="color: red">Probe</h1>
<img src="/static/missing-image.png">
<input type="text" name="unlabelled">
<script>document.title = "inline ran";</script>
<script src="https://example.invalid/outside.js"></script>
<script src="/_probe.js"></script>
</main></body></html>"""


def _probe_css():
    css = "body { background-image: url(/static/missing-bg.svg) }"
    return css, 200, {"Content-Type": "text/css"}


def _probe_js():
    return "null.boom();", 200, {"Content-Type": "text/javascript"}


@pytest.fixture
def probe_app(app):
    """The app with a public page full of problems (routes added before any request)."""
    app.add_url_rule("/_probe", "probe", public(lambda: PROBE_PAGE))
    app.add_url_rule("/_probe.css", "probe_css", public(_probe_css))
    app.add_url_rule("/_probe.js", "probe_js", public(_probe_js))
    return app


@pytest.mark.browser
def test_every_kind_of_problem_is_caught(probe_app, browse, problems):
    page = browse()
    page.goto("/_probe")
    page.wait_for_load_state("load")

    found = "\n".join(problems.take())
    # The init script that reports CSP violations runs despite the page's CSP.
    assert "CSP violation: style-src-attr blocked inline" in found
    assert "CSP violation: script-src-elem blocked inline" in found
    assert "CSP violation: script-src-elem blocked https://example.invalid/outside.js" in found
    assert "CSP console: Executing inline script violates" in found
    assert "failed request: 404 GET" in found and "/static/missing-image.png" in found
    assert "/static/missing-bg.svg" in found
    assert "page error: Cannot read properties of null (reading 'boom')" in found
    assert page.title() == "Probe"

    rules = {line.split(" ", 1)[0] for line in axe_violations(page)}
    assert {"image-alt", "label"} <= rules


@pytest.mark.browser
def test_page_scripts_off_serves_the_apps_scripts_empty(browse, problems):
    page = browse(page_scripts=False)
    page.goto("/sign-in")
    assert page.evaluate("document.body.classList.contains('js-enabled')") is False
    assert page.evaluate("typeof window.htmx") == "undefined"
    assert axe_violations(page) == []
    assert problems.take() == []

    page = browse()
    page.goto("/sign-in")
    page.wait_for_function("document.body.classList.contains('js-enabled')")
    assert page.evaluate("typeof window.htmx") == "object"
