"""Error pages: plain, helpful, and never a traceback."""

from flask import Flask, current_app, g, render_template, request
from flask.globals import request_ctx
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from nqsw_visits.core import database
from nqsw_visits.core.extensions import db
from nqsw_visits.core.htmx import is_htmx
from nqsw_visits.core.refusal import Refusal

PAGES = {
    400: ("Sorry, there is a problem with that request", "errors/400.html"),
    403: ("You do not have access to this page", "errors/403.html"),
    404: ("Page not found", "errors/404.html"),
    405: ("Sorry, that action is not allowed here", "errors/400.html"),
    413: ("That file is too large", "errors/400.html"),
    500: ("Sorry, there is a problem with the service", "errors/500.html"),
}
BUSY_TITLE = "Sorry, the service is busy"
RETRY_AFTER_SECONDS = 60
# htmx puts the busy message in the layout's alert region, not over the form or table
# the person was using, and leaves the address bar as it was.
BUSY_HTMX_HEADERS = [
    ("HX-Retarget", "#app-alerts"),
    ("HX-Reswap", "innerHTML"),
    ("HX-Push-Url", "false"),
]


def _bare_page(title: str, code: int, headers=()):
    """A page that needs no URL building, database or template."""
    body = (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}'
        f"</title></head><body><h1>{escape(title)}</h1></body></html>"
    )
    return body, code, [*headers, ("Content-Type", "text/html; charset=utf-8")]


def _render(template: str, title: str, code: int, headers=(), **context):
    # A refused Host header leaves no URL adapter, so the layout's url_for() would fail.
    if request_ctx.url_adapter is None:
        return _bare_page(title, code, headers)
    try:
        if is_htmx():
            return render_template("errors/_message.html", title=title, **context), code, headers
        return render_template(template, title=title, **context), code, headers
    except Exception:  # an error page must never fail itself (e.g. the database is down)
        current_app.logger.exception("error page %s could not be rendered", code)
        return _bare_page(title, code, headers)


def _extra_headers(error) -> list[tuple[str, str]]:
    """Headers the error carries besides its own page type, such as Allow on a 405."""
    if not isinstance(error, HTTPException):
        return []
    return [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]


def _busy_page(reason: str):
    """503 with Retry-After: the database stayed busy past its timeout."""
    db.session.rollback()
    # The statement and its parameters stay out of the log: they may hold personal data.
    current_app.logger.warning(
        "database busy past its timeout (%s) on %s %s: answered 503",
        reason,
        request.method,
        request.endpoint,
    )
    if "_login_user" not in g:
        # Loading the signed-in user is what waited: the page goes without them
        # rather than wait a second time.
        g._login_user = current_app.login_manager.anonymous_user()
    headers = [("Retry-After", str(RETRY_AFTER_SECONDS))]
    if is_htmx():
        headers += BUSY_HTMX_HEADERS
    # The page itself only reads, so it does not wait for the lock again.
    with database.reading():
        return _render("errors/503.html", BUSY_TITLE, 503, headers, busy=True)


def register(app: Flask) -> None:
    """Render each error code with its page; htmx gets only the message."""

    def handler(error):
        code = getattr(error, "code", 500) or 500
        title, template = PAGES.get(code, PAGES[500])
        return _render(template, title, code, _extra_headers(error))

    for code in PAGES:
        app.register_error_handler(code, handler)

    @app.errorhandler(OperationalError)
    def database_busy(error):
        if not database.is_busy(error):
            raise error  # any other database failure is a 500, logged as one
        return _busy_page(type(error.orig).__name__)

    @app.errorhandler(PoolTimeout)
    def no_connection_free(_error):
        # Every pooled connection stayed in use past the pool's timeout: busy, not broken.
        return _busy_page("no pooled connection free")

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return _render("errors/400.html", "Your form has expired", 400, csrf=True)

    @app.errorhandler(Refusal)
    def refusal(error: Refusal):
        # A rule's refusal that no view put beside a form field: nothing was saved, and the
        # page says why in the rule's words; a 403 or 404 says no more than any other.
        db.session.rollback()
        if error.status in (403, 404):
            title, template = PAGES[error.status]
            return _render(template, title, error.status)
        return _render("errors/400.html", str(error), error.status)
