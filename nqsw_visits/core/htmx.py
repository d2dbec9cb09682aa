"""htmx helpers: tell htmx requests apart and answer them with fragments."""

from flask import make_response, render_template, request


def is_htmx() -> bool:
    """True for an htmx request that wants a fragment (not boosted, not history restore)."""
    headers = request.headers
    return (
        headers.get("HX-Request") == "true"
        and headers.get("HX-Boosted") != "true"
        and headers.get("HX-History-Restore-Request") != "true"
    )


def render_page_or_fragment(page: str, fragment: str, status: int = 200, **context):
    """Render the whole page, or only its fragment for htmx; both vary on HX-Request."""
    template = fragment if is_htmx() else page
    response = make_response(render_template(template, **context), status)
    response.vary.add("HX-Request")
    return response


def hx_redirect(url: str, status: int = 200):
    """Ask htmx to load a whole new page instead of swapping a fragment."""
    response = make_response("", status)
    response.headers["HX-Redirect"] = url
    return response
