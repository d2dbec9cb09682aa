"""Error pages: plain, helpful, and never a traceback."""

from flask import Flask, current_app, render_template
from flask.globals import request_ctx
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from werkzeug.exceptions import HTTPException

from .htmx import is_htmx

PAGES = {
    400: ("Sorry, there is a problem with that request", "errors/400.html"),
    403: ("You do not have access to this page", "errors/403.html"),
    404: ("Page not found", "errors/404.html"),
    405: ("Sorry, that action is not allowed here", "errors/400.html"),
    413: ("That file is too large", "errors/400.html"),
    500: ("Sorry, there is a problem with the service", "errors/500.html"),
}


def _bare_page(title: str, code: int):
    """A page that needs no URL building, database or template."""
    body = (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}'
        f"</title></head><body><h1>{escape(title)}</h1></body></html>"
    )
    return body, code, {"Content-Type": "text/html; charset=utf-8"}


def _render(template: str, title: str, code: int, headers=(), **context):
    # A refused Host header leaves no URL adapter, so the layout's url_for() would fail.
    if request_ctx.url_adapter is None:
        return _bare_page(title, code)
    try:
        if is_htmx():
            return render_template("errors/_message.html", title=title, **context), code, headers
        return render_template(template, title=title, **context), code, headers
    except Exception:  # an error page must never fail itself (e.g. the database is down)
        current_app.logger.exception("error page %s could not be rendered", code)
        return _bare_page(title, code)


def _extra_headers(error) -> list[tuple[str, str]]:
    """Headers the error carries besides its own page type, such as Allow on a 405."""
    if not isinstance(error, HTTPException):
        return []
    return [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]


def register(app: Flask) -> None:
    """Render each error code with its page; htmx gets only the message."""

    def handler(error):
        code = getattr(error, "code", 500) or 500
        title, template = PAGES.get(code, PAGES[500])
        return _render(template, title, code, _extra_headers(error))

    for code in PAGES:
        app.register_error_handler(code, handler)

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return _render("errors/400.html", "Your form has expired", 400, csrf=True)
