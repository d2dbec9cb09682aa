"""Pages of one-to-ones: an agreement's list, booking a series, and each session."""

from flask import current_app, flash, make_response, redirect, render_template, url_for
from flask_login import current_user

from nqsw_visits.agreements import rules as agreements
from nqsw_visits.agreements.access import agreement_for
from nqsw_visits.core import clock
from nqsw_visits.core.database import kept_as_loaded
from nqsw_visits.core.extensions import db
from nqsw_visits.core.forms import refused
from nqsw_visits.core.paging import paginate
from nqsw_visits.core.security import role_required
from nqsw_visits.one_to_ones import queries, rules
from nqsw_visits.one_to_ones.access import (
    action_of,
    session_and_mentor,
    session_for,
)
from nqsw_visits.one_to_ones.blueprint import bp
from nqsw_visits.one_to_ones.forms import (
    ActionForm,
    BookForm,
    CancelForm,
    DoneForm,
    MissedForm,
    RecordForm,
    ShareForm,
)
from nqsw_visits.people import audit
from nqsw_visits.people.models import Role, User
from nqsw_visits.support_requests.ics import one_to_one_calendar

PEOPLE = (Role.NQSW, Role.MENTOR, Role.PRACTICE_MANAGER)
PER_PAGE = 20


@bp.get("/agreements/<int:agreement_id>/one-to-ones")
@role_required(*PEOPLE)
def index(agreement_id: int):
    """An agreement's one-to-ones: dates and what became of them (records for the two)."""
    agreement = agreement_for(agreement_id, whole=False)
    found = paginate(queries.sessions_of(), PER_PAGE, params={"agreement_id": agreement.id})
    in_force = agreements.in_force(agreement)  # a proposed mentor reads nothing shared yet
    mentor_id = in_force.mentor_id if in_force else None
    readable = {s.id for s in found.items if rules.may_read(current_user, s, mentor_id)}
    return render_template(
        "one_to_ones/index.html",
        agreement=agreement,
        found=found,
        readable=readable,
        may_book=rules.may_book(current_user, agreement),
        one_to_ones=queries.summary(agreement.id, clock.now()),
        now=clock.now(),
    )


@bp.route("/agreements/<int:agreement_id>/one-to-ones/new", methods=["GET", "POST"])
@role_required(Role.NQSW, Role.MENTOR)
def book(agreement_id: int):
    """Book a series of one-to-ones on the mentor's diary at the agreed rhythm."""
    agreement = agreement_for(agreement_id, whole=False)
    if not rules.may_book(current_user, agreement):
        flash("One-to-ones are booked once all three have confirmed the agreement", "error")
        return redirect(url_for(".index", agreement_id=agreement.id))
    form, status = BookForm(), 200
    if not form.is_submitted():
        form.every_weeks.data = str(agreements.in_force(agreement).one_to_one_every_weeks)
    if form.validate_on_submit():
        try:
            outcomes = rules.book_series(
                current_user, agreement, _series(form), clock.zone(), clock.now()
            )
            db.session.commit()
            return _booked(agreement, outcomes)
        except rules.OneToOneError as error:
            status = refused(error, form)
    elif form.errors:
        status = 422
    return render_template("one_to_ones/book.html", form=form, agreement=agreement), status


def _series(form: BookForm) -> rules.Series:
    return rules.Series(
        first_day=form.first_day.data,
        starts=form.starts.data,
        minutes=int(form.minutes.data),
        every_weeks=int(form.every_weeks.data),
        count=int(form.count.data),
    )


def _booked(agreement, outcomes):
    booked = sum(o.outcome == "booked" for o in outcomes)
    flash(f"{booked} one-to-one{'s' * (booked != 1)} booked", "success")
    passed = [
        f"{o.starts_at.astimezone(clock.zone()):%A %-d %B %Y} "
        f"({'skipped' if o.outcome == 'skipped' else 'not booked'}: {o.why})"
        for o in outcomes
        if o.outcome != "booked"
    ]
    if passed:
        flash("Not booked: " + "; ".join(passed), "important")
    return redirect(url_for(".index", agreement_id=agreement.id))


def _page(session, mentor_id: int | None, status=200, **forms):
    now = clock.now()
    owner_form = forms.pop("action_form", None) or ActionForm()
    owner_form.owner.choices = [
        (session.mentor_id, session.mentor.display_name),
        (session.nqsw_id, session.nqsw.display_name),
    ]
    context = {
        "session": session,
        "now": now,
        "carried": queries.carried_actions(session, current_user, mentor_id),
        "record_form": forms.pop("record_form", None)
        or RecordForm(talked_about=session.talked_about),
        "action_form": owner_form,
        "cancel_form": forms.pop("cancel_form", None) or CancelForm(),
        "missed_form": forms.pop("missed_form", None) or MissedForm(),
        "done_form": DoneForm(),
        "share_form": ShareForm(),
        "form": forms.pop("form", None),
    }
    return render_template("one_to_ones/show.html", **context), status


@bp.get("/one-to-ones/<int:session_id>")
@role_required(Role.NQSW, Role.MENTOR)
def show(session_id: int):
    """A one-to-one: when, what became of it, the record and its actions."""
    session, mentor_id = session_and_mentor(session_id)
    response = _page(session, mentor_id)
    # Every view is audited once the page is rendered: besides its own record, the page
    # shows actions carried from earlier sessions.
    with kept_as_loaded():
        audit.record_read("one_to_one.read", actor=current_user, obj=session)
    return response


@bp.get("/one-to-ones/<int:session_id>.ics")
@role_required(Role.NQSW, Role.MENTOR)
def calendar_file(session_id: int):
    """The one-to-one as a calendar file: its time and the other person, nothing said."""
    session = session_for(session_id)
    body = one_to_one_calendar(
        session, current_user.id, current_app.config["PUBLIC_URL"], clock.now()
    )
    response = make_response(body)
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="one-to-one-{session.id}.ics"'
    return response


def _done(session, message: str):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for(".show", session_id=session.id))


@bp.post("/one-to-ones/<int:session_id>/record")
@role_required(Role.NQSW, Role.MENTOR)
def record(session_id: int):
    """Save what was talked about; the session counts as held."""
    session, mentor_id = session_and_mentor(session_id)
    form = RecordForm()
    if form.validate_on_submit():
        try:
            rules.write_record(current_user, session, form.talked_about.data, clock.now())
            return _done(session, "Record saved")
        except rules.OneToOneError as error:
            return _page(session, mentor_id, refused(error, form), record_form=form, form=form)
    return _page(session, mentor_id, 422, record_form=form, form=form)


@bp.post("/one-to-ones/<int:session_id>/actions")
@role_required(Role.NQSW, Role.MENTOR)
def add_action(session_id: int):
    """Add an action agreed at this session."""
    session, mentor_id = session_and_mentor(session_id)
    form = ActionForm()
    form.owner.choices = [(session.mentor_id, ""), (session.nqsw_id, "")]
    if form.validate_on_submit():
        owner = db.session.get(User, form.owner.data)
        try:
            rules.add_action(
                current_user, session, form.description.data, owner, form.due_on.data, clock.now()
            )
            return _done(session, "Action added")
        except rules.OneToOneError as error:
            return _page(session, mentor_id, refused(error, form), action_form=form, form=form)
    return _page(session, mentor_id, 422, action_form=form, form=form)


@bp.post("/one-to-ones/<int:session_id>/actions/<int:action_id>/done")
@role_required(Role.NQSW, Role.MENTOR)
def action_done(session_id: int, action_id: int):
    """Mark an action done: one of this session's or one carried to it."""
    session = session_for(session_id)
    action = action_of(session, action_id)
    if DoneForm().validate_on_submit():
        try:
            rules.complete_action(current_user, action, clock.now())
            return _done(session, "Action marked as done")
        except rules.OneToOneError as error:
            refused(error)
    return redirect(url_for(".show", session_id=session.id))


@bp.post("/one-to-ones/<int:session_id>/cancel")
@role_required(Role.NQSW, Role.MENTOR)
def cancel(session_id: int):
    """Cancel a one-to-one that has not started; the other person is told."""
    session, mentor_id = session_and_mentor(session_id)
    form = CancelForm()
    if form.validate_on_submit():
        try:
            rules.cancel(current_user, session, form.reason.data, clock.now())
            return _done(session, "One-to-one cancelled")
        except rules.OneToOneError as error:
            return _page(session, mentor_id, refused(error, form), cancel_form=form, form=form)
    return _page(session, mentor_id, 422, cancel_form=form, form=form)


@bp.post("/one-to-ones/<int:session_id>/missed")
@role_required(Role.NQSW, Role.MENTOR)
def missed(session_id: int):
    """Record that a one-to-one did not happen."""
    session, mentor_id = session_and_mentor(session_id)
    form = MissedForm()
    if form.validate_on_submit():
        try:
            rules.mark_missed(current_user, session, form.reason.data or "", clock.now())
            return _done(session, "Marked as missed")
        except rules.OneToOneError as error:
            return _page(session, mentor_id, refused(error, form), missed_form=form, form=form)
    return _page(session, mentor_id, 422, missed_form=form, form=form)


@bp.post("/one-to-ones/<int:session_id>/share")
@role_required(Role.NQSW)
def share(session_id: int):
    """The NQSW lets a later mentor read this record, or stops it."""
    session = session_for(session_id)
    form = ShareForm()
    if form.validate_on_submit():
        shared = form.shared.data == "1"
        try:
            rules.share_onward(current_user, session, shared, clock.now())
            return _done(
                session,
                "A later mentor can read this record"
                if shared
                else "Only the two of you can read this record",
            )
        except rules.OneToOneError as error:
            refused(error)
    return redirect(url_for(".show", session_id=session.id))
