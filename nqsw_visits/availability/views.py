"""The "My availability" page: weekly pattern, exceptions and limits, changed in place."""

from datetime import datetime, time, timedelta

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user

from nqsw_visits.availability import rules as store
from nqsw_visits.availability.access import mentor_to_edit
from nqsw_visits.availability.blueprint import bp
from nqsw_visits.availability.calendars import limits_of
from nqsw_visits.availability.forms import WEEKDAYS, ExceptionForm, LimitsForm, WindowForm
from nqsw_visits.availability.free_time import Limits
from nqsw_visits.availability.models import ExceptionKind, MentorLimits
from nqsw_visits.core import clock
from nqsw_visits.core.clock import zone
from nqsw_visits.core.extensions import db
from nqsw_visits.core.htmx import is_htmx
from nqsw_visits.core.security import role_required
from nqsw_visits.people.models import Role

SECTIONS = {"pattern": "_pattern.html", "exceptions": "_exceptions.html", "limits": "_limits.html"}


def _forms(**given):
    limits = limits_of(db.session.get(MentorLimits, given.pop("mentor_id")))
    return {
        "window_form": given.get("window_form") or WindowForm(formdata=None, prefix="window"),
        "exception_form": given.get("exception_form")
        or ExceptionForm(formdata=None, prefix="away"),
        "limits_form": given.get("limits_form")
        or LimitsForm(formdata=None, prefix="limits", obj=limits),
    }


def _render(mentor, section: str | None = None, status: int = 200, **given):
    """The whole page, or one section of it for htmx."""
    today = clock.today()
    context = {
        "mentor": mentor,
        "pattern": store.current_pattern(mentor, today),
        "exceptions": store.upcoming_exceptions(mentor, clock.now()),
        "weekdays": WEEKDAYS,
        "editing": given.pop("editing", None),
        "message": given.pop("message", None),
        "edit_form": given.pop("edit_form", None),
        **_forms(mentor_id=mentor.id, **given),
    }
    template = SECTIONS[section] if section and is_htmx() else "edit.html"
    return _varying(render_template(f"availability/{template}", **context), status)


def _varying(body: str, status: int):
    """A response that says it differs for htmx, so no cache serves a fragment as a page."""
    response = make_response(body, status)
    response.vary.add("HX-Request")
    return response


def _done(mentor, section: str, message: str):
    """After a change: the section again for htmx, or post/redirect/get."""
    db.session.commit()
    if is_htmx():
        return _render(mentor, section, message=message)
    flash(message, "success")
    return redirect(url_for("availability.edit", mentor_id=mentor.id, _anchor=section))


@bp.get("/availability")
@role_required(Role.MENTOR, Role.ADMIN)
def edit(mentor_id: int):
    """A mentor's weekly pattern, exceptions and limits."""
    return _render(mentor_to_edit(mentor_id))


@bp.post("/availability/windows")
@role_required(Role.MENTOR, Role.ADMIN)
def window_add(mentor_id: int):
    """Add a time to the weekly pattern, from today."""
    mentor = mentor_to_edit(mentor_id)
    form = WindowForm(prefix="window")
    if form.validate_on_submit():
        try:
            store.add_window(
                current_user,
                mentor,
                form.weekday.data,
                form.starts.data,
                form.ends.data,
                clock.today(),
            )
            return _done(mentor, "pattern", f"{WEEKDAYS[form.weekday.data]} time added")
        except store.AvailabilityError as error:
            db.session.rollback()
            form.starts.errors = [*form.starts.errors, str(error)]
    return _render(mentor, "pattern", 422, window_form=form)


@bp.route("/availability/windows/<int:window_id>", methods=["GET", "POST"])
@role_required(Role.MENTOR, Role.ADMIN)
def window_change(mentor_id: int, window_id: int):
    """Change one time in the weekly pattern, in place."""
    mentor = mentor_to_edit(mentor_id)
    try:
        window = store.window_of(mentor, window_id, clock.today())
    except LookupError:
        abort(404)
    form = WindowForm(prefix="edit", obj=window)
    if request.method == "POST" and form.validate_on_submit():
        try:
            chosen = (form.weekday.data, form.starts.data, form.ends.data)
            store.change_window(current_user, mentor, window_id, *chosen, clock.today())
            return _done(mentor, "pattern", "Time changed")
        except store.AvailabilityError as error:
            db.session.rollback()
            form.starts.errors = [*form.starts.errors, str(error)]
    status = 422 if form.errors else 200
    if is_htmx():
        return _render(mentor, "pattern", status, editing=window_id, edit_form=form)
    return _varying(_window_page(mentor, form, window), status)


def _window_page(mentor, form, window) -> str:
    """The page that changes one time of the weekly pattern, without JavaScript."""
    return render_template(
        "availability/window_edit.html", mentor=mentor, form=form, window=window, weekdays=WEEKDAYS
    )


@bp.post("/availability/windows/<int:window_id>/remove")
@role_required(Role.MENTOR, Role.ADMIN)
def window_remove(mentor_id: int, window_id: int):
    """Take a time out of the weekly pattern, from today."""
    mentor = mentor_to_edit(mentor_id)
    try:
        store.remove_window(current_user, mentor, window_id, clock.today())
    except LookupError:
        abort(404)
    return _done(mentor, "pattern", "Time removed")


def _exception_span(form: ExceptionForm) -> tuple[datetime, datetime]:
    tz = zone()
    last_day = form.last_day.data or form.first_day.data
    starts = datetime.combine(form.first_day.data, form.starts.data or time(0), tzinfo=tz)
    if form.ends.data:
        ends = datetime.combine(last_day, form.ends.data, tzinfo=tz)
    else:
        ends = datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=tz)
    return starts, ends


@bp.post("/availability/exceptions")
@role_required(Role.MENTOR, Role.ADMIN)
def exception_add(mentor_id: int):
    """Record leave, training or other time away."""
    mentor = mentor_to_edit(mentor_id)
    form = ExceptionForm(prefix="away")
    if form.validate_on_submit():
        try:
            starts, ends = _exception_span(form)
            store.add_exception(
                current_user,
                mentor,
                ExceptionKind(form.kind.data),
                starts,
                ends,
                form.note.data or "",
            )
            return _done(mentor, "exceptions", f"{ExceptionKind(form.kind.data).label} added")
        except store.AvailabilityError as error:
            db.session.rollback()
            form.ends.errors = [*form.ends.errors, str(error)]
    return _render(mentor, "exceptions", 422, exception_form=form)


@bp.post("/availability/exceptions/<int:exception_id>/remove")
@role_required(Role.MENTOR, Role.ADMIN)
def exception_remove(mentor_id: int, exception_id: int):
    """Remove leave, training or other time away."""
    mentor = mentor_to_edit(mentor_id)
    try:
        store.remove_exception(current_user, mentor, exception_id)
    except LookupError:
        abort(404)
    return _done(mentor, "exceptions", "Removed")


@bp.post("/availability/limits")
@role_required(Role.MENTOR, Role.ADMIN)
def limits_save(mentor_id: int):
    """Save caps, travel time and notice."""
    mentor = mentor_to_edit(mentor_id)
    form = LimitsForm(prefix="limits")
    if form.validate_on_submit():
        store.set_limits(
            current_user,
            mentor,
            Limits(
                form.max_per_day.data,
                form.max_per_week.data,
                form.travel_minutes.data,
                form.notice_working_days.data,
                form.works_bank_holidays.data,
            ),
        )
        return _done(mentor, "limits", "Limits saved")
    return _render(mentor, "limits", 422, limits_form=form)
