"""Sign-in throttled per client address: a flood of wrong passwords cannot pause every account."""

from flask import Flask, current_app, render_template
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

# Behind PROXY_FIX_HOPS, ProxyFix has already put the client's address in remote_addr.
# Moving window: "10 per minute" never lets 20 through across a minute boundary.
limiter = Limiter(
    key_func=get_remote_address,
    strategy="moving-window",
    headers_enabled=True,
    key_prefix="alongside",
)


def signin_limit() -> str:
    """The sign-in limits per address, e.g. "10 per minute;50 per hour"."""
    return current_app.config["SIGNIN_RATE_LIMIT"]


def unsuccessful(response) -> bool:
    """Only sign-ins that did not succeed count: many staff may share one office address."""
    return response.status_code != 302


def too_many_requests(_error):
    """A GOV.UK page; Retry-After is added by the limiter as the response leaves."""
    title = "Too many attempts to sign in"
    return render_template("errors/429.html", title=title), 429


def init_rate_limits(app: Flask) -> None:
    """Bind the limiter (memory, or RATELIMIT_STORAGE_URI such as redis://) and its page."""
    limiter.init_app(app)
    app.register_error_handler(429, too_many_requests)
