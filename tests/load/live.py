"""A real threaded server for the app on 127.0.0.1, signed-in HTTP clients, a figures line."""

import http.client
import os
import threading
from http.cookies import SimpleCookie
from urllib.parse import urlencode

from werkzeug.serving import make_server

from tests.factories import DEFAULT_PASSWORD

# Under libfaketime every clock call and timed wait goes through its shims, which twenty
# threads contend for: a request that takes a second can take a minute on a busy machine.
SLOWER = 5 if "FAKETIME" in os.environ else 1
TIMEOUT = 60 * SLOWER  # seconds for one HTTP request; SQLite's busy timeout is 10 s per wait


class Session:
    """One person's own HTTP client: its own cookie, a fresh connection per request."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.location: str | None = None  # of the last response, e.g. after a redirect

    def send(self, method: str, path: str, data=None, headers=None) -> tuple[int, str]:
        body = urlencode(data, doseq=True) if data is not None else None
        sent = {"Host": f"127.0.0.1:{self.port}", **(headers or {})}
        if body is not None:
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            page = response.read().decode("utf-8", "replace")
            self.location = response.getheader("Location")
            for header in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    self.cookies[name] = morsel.value
            return response.status, page
        finally:
            connection.close()

    def sign_in(self, email: str) -> "Session":
        status, page = self.send("POST", "/sign-in", {"email": email, "password": DEFAULT_PASSWORD})
        assert status == 302, page[:300]
        return self


class Server:
    """The test's app behind werkzeug's threaded server, counting requests in flight."""

    def __init__(self, app):
        self.app = app
        self.lock = threading.Lock()
        self.in_flight = 0
        self.peak = 0
        self.http = make_server("127.0.0.1", 0, self.wsgi, threaded=True)
        self.thread = threading.Thread(target=self.http.serve_forever, daemon=True)

    def wsgi(self, environ, start_response):
        with self.lock:
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
        try:
            return list(self.app(environ, start_response))
        finally:
            with self.lock:
                self.in_flight -= 1

    def session(self) -> Session:
        return Session(self.http.server_port)


def show(request, line: str) -> None:
    """Print a line of figures that shows without -s, past pytest's output capture."""
    plugins = request.config.pluginmanager
    reporter, capture = plugins.get_plugin("terminalreporter"), plugins.get_plugin("capturemanager")
    if reporter and capture:
        with capture.global_and_fixture_disabled():
            reporter.write_line("")
            reporter.write_line(line)
    else:
        print(line)
