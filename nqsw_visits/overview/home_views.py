"""Each role's home page."""

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from nqsw_visits.agreements import todo as agreement_todo
from nqsw_visits.core import clock
from nqsw_visits.core.clock import zone
from nqsw_visits.core.paging import first_page, paginate
from nqsw_visits.core.security import role_required, signed_in_user
from nqsw_visits.group_sessions import overview as group_sessions
from nqsw_visits.observations import waiting
from nqsw_visits.overview import home as overview
from nqsw_visits.people import queries
from nqsw_visits.people.models import Role

bp = Blueprint("dashboard", __name__)
HOME_LIMIT = 10  # to-dos on a home page; the rest are a page of their own
PER_PAGE = 25

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
    return render_template("overview/no_role.html")


@bp.get("/my-support")
@role_required(Role.NQSW)
def nqsw():
    """An NQSW's home: their mentors and what needs doing."""
    me = signed_in_user()
    return render_template(
        "overview/nqsw.html",
        agreement_to_do=agreement_todo.to_do(me, clock.today()),
        mentors=queries.mentors_of(me),
        waiting=_waiting_first(),
        group_sessions=group_sessions.upcoming_for(me.id, clock.now()),
    )


@bp.get("/mentoring")
@role_required(Role.MENTOR)
def mentor():
    """A mentor's home: their mentees and requests waiting."""
    me = signed_in_user()
    return render_template(
        "overview/mentor.html",
        agreement_to_do=agreement_todo.to_do(me, clock.today()),
        mentees=overview.mentees_of(me),
        waiting_requests=overview.requests_waiting(me),
        to_write=_to_write(
            first_page(waiting.to_write_query(), HOME_LIMIT, waiting.params_for(me))
        ),
        to_sign=_waiting_first(),
        group_sessions=group_sessions.upcoming_for(me.id, clock.now()),
    )


def _waiting_first():
    """The first few observations waiting for your reflection or signature, and the total."""
    return first_page(waiting.waiting_for_query(), HOME_LIMIT, waiting.params_for(current_user))


def _to_write(found):
    """A page of accompaniments to write up, each marked overdue or not."""
    found.entries = waiting.with_deadlines(found.items, clock.now(), zone())
    return found


@bp.get("/mentoring/to-write")
@role_required(Role.MENTOR)
def to_write():
    """Every observation you have still to write, oldest first, a page at a time."""
    found = _to_write(
        paginate(waiting.to_write_query(), PER_PAGE, params=waiting.params_for(current_user))
    )
    return render_template("overview/to_write.html", to_write=found)


@bp.get("/mentoring/to-sign")
@role_required(Role.MENTOR)
def to_sign():
    """Every observation waiting for your signature, oldest first, a page at a time."""
    found = paginate(waiting.waiting_for_query(), PER_PAGE, params=waiting.params_for(current_user))
    return render_template("overview/to_sign.html", to_sign=found)


@bp.get("/my-team")
@role_required(Role.PRACTICE_MANAGER)
def manager():
    """A practice manager's home: their teams and who is going without."""
    me = signed_in_user()
    to_do = agreement_todo.to_do(me, clock.today())
    return render_template(
        "overview/manager.html",
        teams=overview.managed_teams(me),
        agreement_to_do=to_do,
        review_tags=_review_tags(to_do),
    )


def _review_tags(to_do) -> dict[int, str]:
    """Each NQSW with a review due or overdue: "overdue" where any one is."""
    tags = {}
    for item in to_do:
        if item.review in ("due", "overdue") and tags.get(item.nqsw_id) != "overdue":
            tags[item.nqsw_id] = item.review
    return tags
