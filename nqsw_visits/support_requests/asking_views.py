"""An NQSW asks for support and follows their requests."""

from datetime import datetime

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from nqsw_visits.availability.diary_views import free_check_context
from nqsw_visits.availability.forms import parse_clock
from nqsw_visits.core import clock
from nqsw_visits.core.clock import zone
from nqsw_visits.core.config import check_case_reference
from nqsw_visits.core.dates import date_arg
from nqsw_visits.core.extensions import db
from nqsw_visits.core.forms import ConfirmForm
from nqsw_visits.core.htmx import is_htmx, render_page_or_fragment
from nqsw_visits.core.paging import paginate
from nqsw_visits.core.security import role_required
from nqsw_visits.people.models import Role
from nqsw_visits.people.queries import mentors_of
from nqsw_visits.support_requests import details as request_details
from nqsw_visits.support_requests import focus_cases, queries
from nqsw_visits.support_requests import rules as scheduling
from nqsw_visits.support_requests.access import request_for
from nqsw_visits.support_requests.blueprint import bp
from nqsw_visits.support_requests.forms import AskForm, ReasonForm
from nqsw_visits.support_requests.models import RequestKind

ANY_MENTOR = 0
MY_REQUESTS_PER_PAGE = 20


@bp.record_once
def _check_case_reference(state) -> None:
    # Runs as the app starts: a bad pattern refuses to start instead of failing on a form.
    settings = state.app.config
    check_case_reference(settings["CASE_REFERENCE_PATTERN"], settings["CASE_REFERENCE_EXAMPLE"])


def _picked_slot() -> dict:
    """A time picked from a mentor's free slots arrives in the address; prefill it."""
    args, day = request.args, date_arg("day")
    try:
        starts, ends = parse_clock(args.get("starts", "")), parse_clock(args.get("ends", ""))
        picked = {"day": day, "starts": starts, "ends": ends} if day else {}
    except ValueError:
        picked = {}
    if args.get("mentor", "").isdigit():
        picked["mentor"] = int(args["mentor"])
    if args.get("kind") in RequestKind._value2member_map_:
        picked["kind"] = args["kind"]
    return picked


def _ask_form(mentors: list | None = None) -> AskForm:
    if request.method == "GET" and request.args:
        form = AskForm(formdata=None, **_picked_slot())
    else:
        form = AskForm()
    mentors = mentors_of(current_user) if mentors is None else mentors
    form.mentor.choices = [(m.id, m.display_name) for m in mentors]
    if len(mentors) > 1:
        form.mentor.choices.append((ANY_MENTOR, "Any of my mentors who is free then"))
    form.mentors = mentors
    form.set_focus_cases(focus_cases.choices_for(current_user))
    return form


def _details(form: AskForm) -> scheduling.Details:
    tz = zone()
    kind = RequestKind(form.kind.data)
    return scheduling.Details(
        kind=kind,
        starts_at=datetime.combine(form.day.data, form.starts.data, tzinfo=tz),
        ends_at=datetime.combine(form.day.data, form.ends.data, tzinfo=tz),
        fixed_time=kind != RequestKind.CASE_DISCUSSION,
        meeting_type=form.meeting_type.data or None if kind == RequestKind.MEETING else None,
        case_reference=(form.case_reference.data or "").strip().upper() or None,
        focus_case=form.focus_case.data in form.focus_references,
        focus_case_id=(
            int(form.focus_case.data) if form.focus_case.data in form.focus_references else None
        ),
        venue_type=form.venue_type.data,
        area=(form.area.data or "").strip(),
        purpose=(form.purpose.data or "").strip(),
        feedback_on=(form.feedback_on.data or "").strip(),
        feedback_on_second=(form.feedback_on_second.data or "").strip(),
        consent=form.consent.data,
    )


@bp.route("/requests/new", methods=["GET", "POST"])
@role_required(Role.NQSW)
def ask():
    """Ask a mentor to come with you, or to talk a case through."""
    form = _ask_form()
    status = 200
    if form.validate_on_submit():
        try:
            details = _details(form)
            mentor_id = form.mentor.data
            if mentor_id == ANY_MENTOR:
                mentor_id = request_details.first_free_mentor(
                    current_user, details, zone(), clock.now()
                )
            made = scheduling.ask(current_user, mentor_id, details, zone(), clock.now())
            db.session.commit()
            flash(f"Your request has been sent to {made.mentor.display_name}", "success")
            return redirect(url_for("support_requests.show", request_id=made.id))
        except scheduling.SchedulingError as error:
            db.session.rollback()
            field = getattr(form, error.field or "starts", form.starts)
            field.errors = [*field.errors, str(error)]
            status = error.status
    elif form.errors:
        status = 422
    return render_template("support_requests/ask.html", form=form), status


@bp.get("/requests/new/check")
@role_required(Role.NQSW)
def ask_check():
    """While the form is filled in: is the chosen mentor free then, and who else is."""
    form = AskForm(request.args, meta={"csrf": False})
    mine = mentors_of(current_user)
    mentors = {m.id: m for m in mine}
    mentor = mentors.get(form.mentor.data) if isinstance(form.mentor.data, int) else None
    asked = None
    if mentor and form.day.data and form.starts.data and form.ends.data:
        tz = zone()
        starts = datetime.combine(form.day.data, form.starts.data, tzinfo=tz)
        ends = datetime.combine(form.day.data, form.ends.data, tzinfo=tz)
        asked = (starts, ends) if ends > starts else None
    kind = form.kind.data if form.kind.data in RequestKind._value2member_map_ else "home_visit"
    context = free_check_context(mentor, asked, kind) if mentor else {"mentor": None}
    # The fragment needs no form: only the whole page (without JavaScript) builds one.
    form = None if is_htmx() else _ask_form(mine)
    return render_page_or_fragment(
        "support_requests/ask.html", "availability/_free_check.html", form=form, **context
    )


@bp.get("/requests")
@role_required(Role.NQSW)
def mine():
    """Everything you have asked for: upcoming soonest first, then past, latest first."""
    mine = {"nqsw_id": current_user.id, "now": clock.now()}
    rows = paginate(queries.nqsw_requests(), MY_REQUESTS_PER_PAGE, params=mine)
    return render_template("support_requests/mine.html", requests=rows)


@bp.get("/requests/<int:request_id>")
def show(request_id: int):
    """One request: its details, its history, and what you can do next."""
    found = request_for(request_id, manager_may_read=True)
    return render_template(
        "support_requests/show.html",
        item=found,
        confirm=ConfirmForm(),
        reason_form=ReasonForm(formdata=None),
    )
