"""Answering requests: the mentor's inbox, and every change of state, in place with htmx."""

from datetime import date, datetime, time, timedelta

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from nqsw_visits.core import clock
from nqsw_visits.core.clock import zone
from nqsw_visits.core.dates import date_arg
from nqsw_visits.core.extensions import db
from nqsw_visits.core.forms import ConfirmForm
from nqsw_visits.core.htmx import is_htmx
from nqsw_visits.core.paging import paginate
from nqsw_visits.core.security import role_required
from nqsw_visits.people.models import Role
from nqsw_visits.support_requests import queries
from nqsw_visits.support_requests import rules as scheduling
from nqsw_visits.support_requests.access import request_for
from nqsw_visits.support_requests.blueprint import bp
from nqsw_visits.support_requests.forms import ReasonForm
from nqsw_visits.support_requests.models import RequestStatus, SupportRequest

WAITING_PER_PAGE = 10
AGREED_DAYS = 7  # a week of agreed requests, from today: bounded by the mentor's weekly limit


@bp.get("/inbox")
@role_required(Role.MENTOR)
def inbox():
    """Requests waiting for your answer (urgent first), then what you agreed, by the week."""
    mine = {"mentor_id": current_user.id}
    waiting = paginate(queries.waiting_for_answer(), WAITING_PER_PAGE, params=mine)
    first = date_arg("from", clamp=True) or clock.today()
    start = datetime.combine(first, time(0), tzinfo=zone())
    end = datetime.combine(first + timedelta(days=AGREED_DAYS), time(0), tzinfo=zone())
    window = {**mine, "start": start, "end": end}
    agreed = db.session.scalars(queries.agreed_between(), window).all()
    return render_template(
        "support_requests/inbox.html",
        waiting=waiting,
        agreed=agreed,
        window=_window(first),
        confirm=ConfirmForm(),
        clashes=queries.inbox_clashes(current_user.id, waiting.items, zone(), clock.now()),
    )


def _window(first: date) -> dict:
    """The agreed requests' week: first and last day, and where earlier and later begin."""
    span = timedelta(days=AGREED_DAYS)
    return {
        "first": first,
        "last": first + span - timedelta(days=1),
        "earlier": first - span,
        "later": first + span,
    }


def _after(item: SupportRequest, message: str, error: scheduling.SchedulingError | None = None):
    """The request's card again for htmx, or back to where the person was, with a banner."""
    if is_htmx():
        return render_template(
            "support_requests/_request_card.html",
            item=item,
            confirm=ConfirmForm(),
            message=message,
            error=bool(error),
            inbox_counts=queries.inbox_counts(item) if current_user.id == item.mentor_id else None,
        ), error.status if error else 200
    flash(message, "error" if error else "success")
    if current_user.id == item.mentor_id and item.status in {"requested", "accepted"}:
        return redirect(_inbox_at(item))
    return redirect(url_for("support_requests.show", request_id=item.id))


def _inbox_at(item: SupportRequest) -> str:
    """The inbox, at a week that shows the request if it is now agreed."""
    day, today = item.starts_at.astimezone(zone()).date(), clock.today()
    if item.status != RequestStatus.ACCEPTED or today <= day < today + timedelta(days=AGREED_DAYS):
        return url_for("support_requests.inbox")
    return url_for("support_requests.inbox", **{"from": day.isoformat()})


def _act(request_id: int, action, success: str):
    """Run a change as the current user; conflicts come back as 409 with the reason."""
    item = request_for(request_id)
    if not ConfirmForm().validate_on_submit():
        return _after(
            item, "Reload the page and try again", scheduling.SchedulingError("expired", 400)
        )
    try:
        action(item)
        db.session.commit()
        return _after(item, success)
    except scheduling.SchedulingError as error:
        db.session.rollback()
        if error.status == 404:
            abort(404)
        db.session.refresh(item)
        return _after(item, str(error), error)


@bp.post("/requests/<int:request_id>/accept")
@role_required(Role.MENTOR)
def accept(request_id: int):
    """Say yes to a request."""
    return _act(
        request_id,
        lambda item: scheduling.accept(current_user, item, zone(), clock.now()),
        "Accepted: it is in your diary",
    )


@bp.post("/requests/<int:request_id>/withdraw")
@role_required(Role.NQSW)
def withdraw(request_id: int):
    """Withdraw a request, or turn down an offered time."""
    return _act(
        request_id,
        lambda item: scheduling.withdraw(current_user, item, clock.now()),
        "Your request has been withdrawn",
    )


@bp.post("/requests/<int:request_id>/take")
@role_required(Role.NQSW)
def take(request_id: int):
    """Take the time the mentor offered."""
    return _act(
        request_id,
        lambda item: scheduling.take_proposal(current_user, item, clock.now()),
        "You have taken the offered time",
    )


def _with_reason(request_id: int, action, verb: str, success: str):
    item = request_for(request_id)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            action(item, form.reason.data)
            db.session.commit()
            flash(success, "success")
            return redirect(url_for("support_requests.show", request_id=item.id))
        except scheduling.SchedulingError as error:
            db.session.rollback()
            form.reason.errors = [*form.reason.errors, str(error)]
            return render_template(
                "support_requests/reason.html", item=item, form=form, verb=verb
            ), error.status
    status = 422 if form.errors else 200
    return render_template("support_requests/reason.html", item=item, form=form, verb=verb), status


@bp.route("/requests/<int:request_id>/decline", methods=["GET", "POST"])
@role_required(Role.MENTOR)
def decline(request_id: int):
    """Say no, with a reason the NQSW will see."""
    return _with_reason(
        request_id,
        lambda item, reason: scheduling.decline(current_user, item, reason, clock.now()),
        "Decline",
        "You have declined the request",
    )


@bp.route("/requests/<int:request_id>/cancel", methods=["GET", "POST"])
@role_required(Role.NQSW, Role.MENTOR)
def cancel(request_id: int):
    """Cancel an accepted accompaniment, with a reason the other person will see."""
    return _with_reason(
        request_id,
        lambda item, reason: scheduling.cancel(current_user, item, reason, clock.now()),
        "Cancel",
        "It has been cancelled",
    )
