"""Signing in, signing out and changing your password."""

from urllib.parse import unquote, urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user

from nqsw_visits.core import clock
from nqsw_visits.core.htmx import hx_redirect, is_htmx
from nqsw_visits.core.ratelimit import limiter, signin_limit, unsuccessful
from nqsw_visits.core.security import public, signed_in_user
from nqsw_visits.people import signin
from nqsw_visits.people.forms import ChangePasswordForm, SignInForm

bp = Blueprint("auth", __name__)

SIGN_IN_FAILED = "Enter a correct email address and password"


def init_login(app, login_manager) -> None:
    """Wire Flask-Login to server-side sessions."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Sign in to continue"
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def load_user(token: str):
        return signin.load_session(
            token,
            idle=current_app.config["SESSION_IDLE_TIMEOUT"],
            absolute=current_app.config["SESSION_ABSOLUTE_TIMEOUT"],
        )

    @login_manager.unauthorized_handler
    def unauthorized():
        if is_htmx() or request.headers.get("HX-Request") == "true":
            return hx_redirect(url_for("auth.login"), 401)
        target = request.full_path.rstrip("?") if request.method == "GET" else None
        flash("Sign in to continue", "info")
        return redirect(url_for("auth.login", next=target))


def safe_next(target: str | None) -> str | None:
    """The `next` path only when it stays on this site."""
    if not target:
        return None
    # Checked once percent-decoded too: a proxy that decodes `/%2F%2Fevil` would leave the site.
    for form in (target, unquote(target)):
        if not form.startswith("/") or form.startswith(("//", "/\\")):
            return None
        parts = urlsplit(form)
        if parts.scheme or parts.netloc or "\\" in form or any(ord(c) < 32 for c in form):
            return None
    return target


@bp.route("/sign-in", methods=["GET", "POST"])
@public
@limiter.limit(signin_limit, methods=["POST"], deduct_when=unsuccessful)
def login():
    """Sign in with email and password."""
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = SignInForm()
    if not form.validate_on_submit():
        return render_template("people/login.html", form=form), 422 if form.errors else 200
    result = signin.authenticate(
        form.email.data,
        form.password.data,
        clock.now(),
        max_failures=current_app.config["LOGIN_MAX_FAILURES"],
        lockout=current_app.config["LOGIN_LOCKOUT"],
        audit_key=current_app.config["SECRET_KEY"],
    )
    if result.user is None:
        form.email.errors.append(SIGN_IN_FAILED)
        return render_template("people/login.html", form=form, failed=True), 422
    next_path = safe_next(request.args.get("next"))
    session.clear()  # a new session (and CSRF token) at every sign-in
    signin.start_session(result.user)
    login_user(result.user)
    # A browser-session cookie (no Expires): the session table ends idle and long sessions,
    # and the cookie goes when the browser closes, which matters on a shared PC.
    session.permanent = False
    return redirect(next_path or url_for("dashboard.index"))


@bp.post("/sign-out")
@login_required
def logout():
    """End this session, or with `everywhere` every session of this person."""
    user = signed_in_user()
    if request.form.get("everywhere") == "1":
        signin.end_everywhere(user)
        message = "You have signed out everywhere. Every device signed in as you is now signed out."
    else:
        signin.end_session(user.session_token, user)
        message = f"You have signed out on this device. {_elsewhere(_other_devices(user))}"
    logout_user()
    session.clear()
    flash(message, "success")
    return redirect(url_for("auth.login"))


def _other_devices(user) -> int:
    return signin.live_sessions(
        user,
        idle=current_app.config["SESSION_IDLE_TIMEOUT"],
        absolute=current_app.config["SESSION_ABSOLUTE_TIMEOUT"],
        except_token=user.session_token,
    )


def _elsewhere(count: int) -> str:
    if not count:
        return "You are not signed in on any other device."
    devices = "1 other device" if count == 1 else f"{count} other devices"
    return (
        f"You are still signed in on {devices}. To sign out there too, sign in and choose "
        "Sign out everywhere on the Change password page."
    )


def _password_page(form, status: int = 200):
    user = signed_in_user()
    others = _other_devices(user)
    return render_template("people/change_password.html", form=form, other_devices=others), status


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change your own password; every other session of yours ends."""
    form = ChangePasswordForm()
    form.email_for_rules = current_user.email
    if not form.validate_on_submit():
        return _password_page(form, 422 if form.errors else 200)
    user = signed_in_user()
    if signin.change_password(user, form.current_password.data, form.new_password.data) is None:
        form.current_password.errors.append("Your current password is not correct")
        return _password_page(form, 422)
    login_user(user)
    flash("Your password has been changed. You have been signed out on other devices.", "success")
    return redirect(url_for("dashboard.index"))
