"""Access control (deny by default, roles, object checks) and response headers."""

from functools import wraps

from flask import abort, current_app, request
from flask_login import current_user

CSP = (
    "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'"
)


def public(view):
    """Mark a view as reachable without signing in (the short allowlist)."""
    view.is_public = True
    return view


def require_sign_in():
    """Before every request: refuse anyone not signed in unless the view is public."""
    if request.endpoint is None or request.endpoint == "static":
        return None
    view = current_app.view_functions.get(request.endpoint)
    if getattr(view, "is_public", False) or current_user.is_authenticated:
        return None
    return current_app.login_manager.unauthorized()


def signed_in_user():
    """The signed-in person's own object: the rules read it often, and the proxy costs each time."""
    return current_user._get_current_object()


def role_required(*roles: str):
    """Allow the view only to people holding one of these roles (403 otherwise)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.has_role(*roles):
                current_app.logger.warning(
                    "role refused: user %s on %s", current_user.id, request.endpoint
                )
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def not_found_unless(allowed: bool, what: str, object_id: int) -> None:
    """Answer 404 (and log the refusal) when the user may not see this object."""
    if not allowed:
        current_app.logger.warning(
            "object refused: user %s asked for %s %s", current_user.id, what, object_id
        )
        abort(404)


def set_security_headers(response):
    """After every request: CSP and friends; signed-in pages are never cached."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "same-origin"
    headers["X-Frame-Options"] = "DENY"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if not current_app.debug:
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    if request.endpoint != "static":
        headers["Cache-Control"] = "no-store"
    return response
