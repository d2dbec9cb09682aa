"""Error pages: plain, helpful, and never a traceback."""

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError

from .htmx import is_htmx

PAGES = {
    400: ("Sorry, there is a problem with that request", "errors/400.html"),
    403: ("You do not have access to this page", "errors/403.html"),
    404: ("Page not found", "errors/404.html"),
    405: ("Sorry, that action is not allowed here", "errors/400.html"),
    413: ("That file is too large", "errors/400.html"),
    500: ("Sorry, there is a problem with the service", "errors/500.html"),
}


def register(app: Flask) -> None:
    """Render each error code with its page; htmx gets only the message."""

    def handler(error):
        code = getattr(error, "code", 500) or 500
        title, template = PAGES.get(code, PAGES[500])
        if is_htmx():
            return render_template("errors/_message.html", title=title), code
        return render_template(template, title=title), code

    for code in PAGES:
        app.register_error_handler(code, handler)

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        title = "Your form has expired"
        if is_htmx():
            return render_template("errors/_message.html", title=title, csrf=True), 400
        return render_template("errors/400.html", title=title, csrf=True), 400
