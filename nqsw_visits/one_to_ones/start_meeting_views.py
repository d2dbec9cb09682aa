"""Pages of the start meeting: book it, cancel it, and its calendar file."""

from flask import current_app, flash, make_response, redirect, render_template, url_for
from flask_login import current_user

from nqsw_visits.agreements.access import agreement_for
from nqsw_visits.availability.free_time import local_instant
from nqsw_visits.core import clock
from nqsw_visits.core.extensions import db
from nqsw_visits.core.forms import refused
from nqsw_visits.core.security import not_found_unless, role_required
from nqsw_visits.one_to_ones import start_meeting
from nqsw_visits.one_to_ones.blueprint import bp
from nqsw_visits.one_to_ones.models import OneToOne, SessionKind
from nqsw_visits.one_to_ones.rules import OneToOneError
from nqsw_visits.one_to_ones.start_meeting_forms import StartMeetingCancelForm, StartMeetingForm
from nqsw_visits.people.models import Role

PEOPLE = (Role.NQSW, Role.MENTOR, Role.PRACTICE_MANAGER)


def _page(agreement, form=None, cancel_form=None, status=200):
    form, cancel_form = form or StartMeetingForm(), cancel_form or StartMeetingCancelForm()
    meeting = start_meeting.going_ahead(agreement.id)
    if meeting is not None:
        form.submit.label.text = "Move the start meeting"
        if not form.is_submitted():
            local = meeting.starts_at.astimezone(clock.zone())
            form.day.data, form.starts.data = local.date(), local.time()
            form.ends.data = meeting.ends_at.astimezone(clock.zone()).time()
    return render_template(
        "one_to_ones/start_meeting.html",
        agreement=agreement,
        meeting=meeting,
        called_off=start_meeting.called_off(agreement.id),
        may_book=start_meeting.may_book(current_user, agreement),
        book_form=form,
        cancel_form=cancel_form,
        form=cancel_form if cancel_form.errors else form,
        now=clock.now(),
    ), status


def _times(form: StartMeetingForm):
    zone = clock.zone()
    starts = local_instant(form.day.data, form.starts.data, zone)
    ends = local_instant(form.day.data, form.ends.data, zone)
    if starts is None or ends is None:
        raise OneToOneError("The clocks change at that time: choose another", field="starts")
    return starts, ends


@bp.route("/agreements/<int:agreement_id>/start-meeting", methods=["GET", "POST"])
@role_required(*PEOPLE)
def start_meeting_page(agreement_id: int):
    """The start meeting: when it is, or a form to book it in the mentor's diary."""
    agreement = agreement_for(agreement_id, whole=False)
    form, status = StartMeetingForm(), 200
    if form.validate_on_submit():
        try:
            starts, ends = _times(form)
            start_meeting.book(current_user, agreement, starts, ends, clock.zone(), clock.now())
            db.session.commit()
            flash("Start meeting booked. The other two are invited", "success")
            return redirect(url_for("agreements.show", agreement_id=agreement.id))
        except OneToOneError as error:
            status = refused(error, form)
    elif form.errors:
        status = 422
    return _page(agreement, form=form, status=status)


def _meeting_for(session_id: int) -> OneToOne:
    """A start meeting of an agreement the signed-in person is in; otherwise 404."""
    session = db.session.get(OneToOne, session_id)
    not_found_unless(
        session is not None and session.kind == SessionKind.START_MEETING.value,
        "start meeting",
        session_id,
    )
    agreement_for(session.agreement_id, whole=False)
    return session


@bp.post("/start-meetings/<int:session_id>/cancel")
@role_required(*PEOPLE)
def start_meeting_cancel(session_id: int):
    """Call off the start meeting; the other two are told."""
    session = _meeting_for(session_id)
    form = StartMeetingCancelForm()
    if form.validate_on_submit():
        try:
            start_meeting.cancel(current_user, session, form.reason.data, clock.now())
            db.session.commit()
            flash("Start meeting cancelled. The other two are told", "success")
            return redirect(url_for(".start_meeting_page", agreement_id=session.agreement_id))
        except OneToOneError as error:
            status = refused(error, form)
    else:
        status = 422
    return _page(agreement_for(session.agreement_id, whole=False), cancel_form=form, status=status)


@bp.post("/start-meetings/<int:session_id>/move")
@role_required(*PEOPLE)
def start_meeting_move(session_id: int):
    """Move the start meeting to another time; the other two are told."""
    session = _meeting_for(session_id)
    form = StartMeetingForm()
    status = 422
    if form.validate_on_submit():
        try:
            starts, ends = _times(form)
            start_meeting.move_to(current_user, session, starts, ends, clock.zone(), clock.now())
            db.session.commit()
            flash("Start meeting moved. The other two are told", "success")
            return redirect(url_for("agreements.show", agreement_id=session.agreement_id))
        except OneToOneError as error:
            status = refused(error, form)
    return _page(agreement_for(session.agreement_id, whole=False), form=form, status=status)


@bp.get("/start-meetings/<int:session_id>.ics")
@role_required(*PEOPLE)
def start_meeting_calendar(session_id: int):
    """The start meeting as a calendar file: its time, never a case."""
    session = _meeting_for(session_id)
    body = start_meeting.calendar_file(
        session, current_user.id, current_app.config["PUBLIC_URL"], clock.now()
    )
    response = make_response(body)
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="start-meeting-{session.id}.ics"'
    )
    return response
