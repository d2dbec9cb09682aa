"""A mentor offers another time, passes a request on, or says an event did not happen."""

from datetime import datetime

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from nqsw_visits.core import clock
from nqsw_visits.core.clock import zone
from nqsw_visits.core.extensions import db
from nqsw_visits.core.security import role_required
from nqsw_visits.people.models import Role, User
from nqsw_visits.people.queries import with_role
from nqsw_visits.support_requests import rules as scheduling
from nqsw_visits.support_requests.access import request_for
from nqsw_visits.support_requests.blueprint import bp
from nqsw_visits.support_requests.forms import HandOverForm, ProposeForm, ReasonForm


def _saved(item, message: str):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("support_requests.show", request_id=item.id))


def _refused(form, field_name: str, error: scheduling.SchedulingError) -> int:
    db.session.rollback()
    field = getattr(form, error.field or field_name, None) or getattr(form, field_name)
    field.errors = [*field.errors, str(error)]
    return error.status


def _new_time(request_id: int, move, done: str, template: str):
    """The form for another time: `move` is the scheduling change that applies it."""
    item = request_for(request_id)
    form, status = ProposeForm(), 200
    if form.validate_on_submit():
        tz = zone()
        try:
            move(
                current_user,
                item,
                datetime.combine(form.day.data, form.starts.data, tzinfo=tz),
                datetime.combine(form.day.data, form.ends.data, tzinfo=tz),
                tz,
                clock.now(),
                form.reason.data or "",
            )
            return _saved(item, done)
        except scheduling.SchedulingError as error:
            status = _refused(form, "starts", error)
    elif form.errors:
        status = 422
    return render_template(template, item=item, form=form), status


@bp.route("/requests/<int:request_id>/propose", methods=["GET", "POST"])
@role_required(Role.MENTOR)
def propose(request_id: int):
    """Offer the NQSW another time (also how an accepted event is rescheduled)."""
    return _new_time(
        request_id,
        scheduling.propose,
        "The other time has been offered",
        "support_requests/propose.html",
    )


@bp.route("/requests/<int:request_id>/change-time", methods=["GET", "POST"])
@role_required(Role.NQSW)
def change_time(request_id: int):
    """The NQSW moves the event to its new time; the mentor is asked again."""
    return _new_time(
        request_id,
        scheduling.change_time,
        "The new time has been sent to your mentor",
        "support_requests/change_time.html",
    )


def _other_mentors(item) -> list[User]:
    return list(
        db.session.scalars(
            with_role(Role.MENTOR)
            .where(
                User.active,
                User.id.not_in([item.mentor_id, item.nqsw_id]),
            )
            .order_by(User.display_name)
        )
    )


@bp.route("/requests/<int:request_id>/hand-over", methods=["GET", "POST"])
@role_required(Role.MENTOR)
def hand_over(request_id: int):
    """Pass a request to another mentor, who then accepts or declines it."""
    item = request_for(request_id)
    candidates = {m.id: m for m in _other_mentors(item)}
    form, status = HandOverForm(), 200
    form.mentor.choices = [(m.id, m.display_name) for m in candidates.values()]
    if form.validate_on_submit():
        try:
            scheduling.hand_over(
                current_user, item, candidates[form.mentor.data], zone(), clock.now()
            )
            return _saved(item, f"Passed to {candidates[form.mentor.data].display_name}")
        except scheduling.SchedulingError as error:
            status = _refused(form, "mentor", error)
    elif form.errors:
        status = 422
    return render_template("support_requests/hand_over.html", item=item, form=form), status


@bp.route("/requests/<int:request_id>/did-not-happen", methods=["GET", "POST"])
@role_required(Role.MENTOR)
def did_not_happen(request_id: int):
    """Record that an agreed accompaniment did not take place."""
    item = request_for(request_id)
    form, status = ReasonForm(), 200
    if form.validate_on_submit():
        try:
            scheduling.did_not_happen(current_user, item, form.reason.data, clock.now())
            return _saved(item, "Recorded as not having happened")
        except scheduling.SchedulingError as error:
            status = _refused(form, "reason", error)
    elif form.errors:
        status = 422
    return render_template(
        "support_requests/reason.html", item=item, form=form, verb="It did not happen"
    ), status
