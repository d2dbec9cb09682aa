"""Each role's home page."""

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from .availability.access import zone
from .models import Role, utcnow
from .security import role_required
from .services import overview, portfolio

bp = Blueprint("dashboard", __name__)

HOME_BY_ROLE = [
    (Role.NQSW, "dashboard.nqsw"),
    (Role.MENTOR, "dashboard.mentor"),
    (Role.PRACTICE_MANAGER, "dashboard.manager"),
    (Role.ADMIN, "admin.index"),
]


@bp.get("/")
def index():
    """Send each person to the home page of their first role."""
    for role, endpoint in HOME_BY_ROLE:
        if current_user.has_role(role):
            return redirect(url_for(endpoint))
    return render_template("dashboard/no_role.html")


@bp.get("/my-support")
@role_required(Role.NQSW)
def nqsw():
    """An NQSW's home: their mentors and what needs doing."""
    return render_template(
        "dashboard/nqsw.html",
        mentors=overview.mentors_of(current_user),
        waiting=portfolio.waiting_for(current_user),
    )


@bp.get("/mentoring")
@role_required(Role.MENTOR)
def mentor():
    """A mentor's home: their mentees and requests waiting."""
    return render_template(
        "dashboard/mentor.html",
        mentees=overview.mentees_of(current_user),
        waiting_requests=overview.requests_waiting(current_user),
        to_write=portfolio.to_write(current_user, utcnow(), zone()),
        to_sign=portfolio.waiting_for(current_user),
    )


@bp.get("/my-team")
@role_required(Role.PRACTICE_MANAGER)
def manager():
    """A practice manager's home: their teams and who is going without."""
    return render_template("dashboard/manager.html", teams=overview.managed_teams(current_user))
