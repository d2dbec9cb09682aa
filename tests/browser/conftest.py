"""Browser fixtures: Debian Chromium through pytest-playwright, the app on a live server,
and checks run on every page (axe-core, CSP violations, script errors, failed requests)."""

import os
import re
import threading
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page
from werkzeug.serving import make_server

from nqsw_visits.core.extensions import db
from tests.conftest import skip_or_fail

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# Keep Chromium on loopback: no update checks, sync, QUIC or background fetches.
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
    "--component-updater=url-source=http://127.0.0.1:9/",
]
AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe-4.14.1.min.js").read_text()
AXE_RUN = (
    "axe.run(document, {runOnly: {type: 'tag', values: "
    "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})"
)
# Reports each CSP violation to Python as it happens, whatever page the tab is on.
# Init scripts run outside the page's CSP (tests/browser/test_harness.py proves it).
CSP_LISTENER = """
document.addEventListener('securitypolicyviolation', (event) => {
  window.__reportCspViolation(
    `${event.violatedDirective} blocked ${event.blockedURI || 'inline'} ` +
    `(${event.sourceFile || ''}:${event.lineNumber || ''})`
  );
});
"""


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """The plugin's launch options plus Debian Chromium and the loopback-only flags."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        skip_or_fail(
            f"Chromium not found at {CHROMIUM}: `apt-get install chromium` or set CHROMIUM_PATH"
        )
    launch = {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [*browser_type_launch_args.get("args", []), *LAUNCH_ARGS],
    }
    if "FAKETIME_DONT_FAKE_MONOTONIC" in os.environ:
        # Under libfaketime, Python needs the real monotonic clock (its timed waits use it)
        # but Chromium loads no page unless its monotonic clock moves with the wall clock.
        env = {k: v for k, v in os.environ.items() if k != "FAKETIME_DONT_FAKE_MONOTONIC"}
        launch["env"] = env
    return launch


@pytest.fixture(scope="session")
def base_url():
    """No fixed base URL: each test's context is aimed at its own live server."""
    return None


@pytest.fixture
def app_config(app_config):
    """CSRF on, as in production: forms and htmx must send their tokens."""
    return {**app_config, "WTF_CSRF_ENABLED": True}


@pytest.fixture
def live_server(app):
    """Serve the test's app from a thread; yields its base URL."""
    db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


class Problems:
    """What went wrong in a browser context: CSP violations, script errors, failed requests."""

    def __init__(self):
        self.items: list[str] = []

    def add(self, kind: str, text: str) -> None:
        self.items.append(f"{kind}: {text}")

    def take(self) -> list[str]:
        items, self.items = self.items, []
        return items


def _watch(context: BrowserContext, problems: Problems) -> None:
    context.expose_binding(
        "__reportCspViolation", lambda _source, text: problems.add("CSP violation", text)
    )
    context.add_init_script(CSP_LISTENER)

    def on_console(message):
        text = message.text
        if "Content Security Policy" in text:
            problems.add("CSP console", text)
        elif message.type == "error" and not text.startswith("Failed to load resource"):
            # Failed loads are judged below, from the responses themselves.
            problems.add("console error", text)

    def on_response(response):
        request = response.request
        if response.status >= 400 and request.resource_type != "document":
            problems.add("failed request", f"{response.status} {request.method} {response.url}")

    def on_request_failed(request):
        # ERR_ABORTED is Chromium cancelling what is still loading when the page goes away.
        if request.failure != "net::ERR_ABORTED":
            problems.add("request failed", f"{request.method} {request.url}: {request.failure}")

    def on_page(page: Page):
        page.on("console", on_console)
        page.on("pageerror", lambda error: problems.add("page error", str(error)))
        page.on("response", on_response)
        page.on("requestfailed", on_request_failed)

    context.on("page", on_page)


@pytest.fixture
def problems():
    """Everything suspicious seen in this test's browser contexts."""
    return Problems()


def _empty_script(route):
    route.fulfill(status=200, content_type="text/javascript", body="")


@pytest.fixture
def browse(new_context, live_server, problems):
    """browse(): a watched page in a new context, aimed at the live server.

    javascript=False turns JavaScript off in the browser. page_scripts=False keeps it on
    but serves the app's own scripts empty, so the page is what a browser without
    JavaScript shows while axe-core (which needs timers) can still run on it.
    """

    def _browse(javascript: bool = True, page_scripts: bool = True) -> Page:
        context = new_context(base_url=live_server, java_script_enabled=javascript)
        if not page_scripts:
            context.route("**/static/**/*.js", _empty_script)
        _watch(context, problems)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    yield _browse
    leftover = problems.take()
    assert not leftover, "Problems seen in the browser:\n" + "\n".join(leftover)


@pytest.fixture
def page(browse) -> Page:
    """A watched JavaScript-enabled page aimed at the live server."""
    return browse()


def axe_violations(page: Page) -> list[str]:
    """Run axe-core (WCAG 2.2 A and AA) on the page; one readable line per violation."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE_SOURCE)
    result = page.evaluate(AXE_RUN)
    lines = []
    for violation in result["violations"]:
        targets = "; ".join(" ".join(node["target"]) for node in violation["nodes"])
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']} -> {targets}")
    return lines


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


@pytest.fixture
def audit(problems):
    """audit(page, name): axe, CSP and error checks on the page as it is now.

    Returns a list of failure lines (empty when all is well) so a test can visit every
    page and report all failures at once. With SCREENSHOT_DIR set, saves a full-page
    screenshot as <SCREENSHOT_DIR>/<name>.png.
    """

    def _audit(page: Page, name: str) -> list[str]:
        page.wait_for_load_state("load")
        failures = [f"{name} ({page.url}): {line}" for line in axe_violations(page)]
        failures += [f"{name} ({page.url}): {line}" for line in problems.take()]
        folder = os.environ.get("SCREENSHOT_DIR")
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            # caret="initial": the default leaves style="" on inputs, which htmx then
            # copies in a swap and the CSP blocks.
            page.screenshot(
                path=str(Path(folder) / f"{_slug(name)}.png"), full_page=True, caret="initial"
            )
        return failures

    return _audit
