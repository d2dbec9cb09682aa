"""A small HTTP client for the bench: its own cookies (Secure or not), the CSRF token."""

import http.client
import re
from http.cookies import SimpleCookie
from urllib.parse import urlencode

PASSWORD = "alongside-demo"  # noqa: S105  (the published demo password)
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Client:
    """One person's session against the server on a port of 127.0.0.1."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def send(self, method: str, path: str, data=None, headers=None) -> tuple[int, bytes]:
        """One request on a kept-alive connection; the status and body."""
        body = urlencode(data, doseq=True) if data is not None else None
        sent = {"Host": f"127.0.0.1:{self.port}", **(headers or {})}
        if body is not None:
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            sent["Cookie"] = self.cookie_header()
        try:
            self.connection.request(method, path, body=body, headers=sent)
            response = self.connection.getresponse()
        except (http.client.HTTPException, OSError):
            self.connection.close()
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            self.connection.request(method, path, body=body, headers=sent)
            response = self.connection.getresponse()
        page = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status, page

    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def csrf(self, path: str) -> str:
        """The CSRF token of the form on a page."""
        status, page = self.send("GET", path)
        found = CSRF.search(page.decode("utf-8", "replace"))
        if not found:
            raise RuntimeError(f"no form on {path} ({status})")
        return found.group(1)

    def sign_in(self, email: str) -> "Client":
        token = self.csrf("/sign-in")
        status, page = self.send(
            "POST", "/sign-in", {"csrf_token": token, "email": email, "password": PASSWORD}
        )
        if status != 302:
            raise RuntimeError(f"sign-in of {email} answered {status}: {page[:200]!r}")
        return self
