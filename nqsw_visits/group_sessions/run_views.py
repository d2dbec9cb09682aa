"""Running a group session: its guests, the register of who came, and the record."""

from flask import flash, make_response, redirect, render_template, url_for
from flask_login import current_user

from nqsw_visits.core import clock
from nqsw_visits.core.extensions import db
from nqsw_visits.core.forms import ConfirmForm, refused
from nqsw_visits.core.htmx import is_htmx
from nqsw_visits.core.security import not_found_unless, role_required
from nqsw_visits.group_sessions import audience, queries, rules
from nqsw_visits.group_sessions.access import organised
from nqsw_visits.group_sessions.blueprint import bp
from nqsw_visits.group_sessions.run_forms import AttendedForm, GuestForm, RecordForm, RegisterForm
from nqsw_visits.group_sessions.views import EVERYONE, done, invite_form, show_page
from nqsw_visits.people.signin import normalise_email


@bp.post("/<int:session_id>/guests")
@role_required(*EVERYONE)
def add_guest(session_id: int):
    """Invite a specialist; they get an email with a calendar invitation, and nothing else."""
    session = organised(session_id)
    form = GuestForm()
    if form.validate_on_submit():
        email = normalise_email(form.email.data)
        guest = rules.Guest(
            name=form.name.data.strip(),
            email=email,
            role=(form.role.data or "").strip(),
            organisation=(form.organisation.data or "").strip(),
            user_id=audience.staff_id(email),
        )
        try:
            rules.add_guest(current_user, session, guest, clock.now())
            return done(session, f"{guest.name} is invited by email", "#guests")
        except rules.GroupSessionError as error:
            return show_page(session, refused(error, form), guest_form=form)
    return show_page(session, 422, guest_form=form)


@bp.post("/<int:session_id>/invitations")
@role_required(*EVERYONE)
def invite(session_id: int):
    """Invite more people: to this session, or to it and the later dates of its series."""
    session = organised(session_id)
    form = invite_form(session)
    if form.validate_on_submit():
        try:
            ids = audience.resolve(form.chosen(), session.organiser_id, clock.today())
            scope = form.scope.data if "scope" in form else "one"
            added = rules.invite_more(current_user, session, ids, scope, clock.now())
            said = f"{len(added)} more invited" if added else "They were all invited already"
            return done(session, said, "#invite")
        except (rules.GroupSessionError, audience.AudienceError) as error:
            return show_page(session, refused(error, form), invite_form=form)
    return show_page(session, 422, invite_form=form)


@bp.post("/<int:session_id>/guests/<int:guest_id>/remove")
@role_required(*EVERYONE)
def remove_guest(session_id: int, guest_id: int):
    """Take a guest off the session; their calendar invitation is cancelled."""
    session = organised(session_id)
    if ConfirmForm().validate_on_submit():
        try:
            rules.remove_guest(current_user, session, guest_id, clock.now())
            return done(session, "Guest removed: their invitation is cancelled", "#guests")
        except rules.GroupSessionError as error:
            refused(error)
    return redirect(url_for("group_sessions.show", session_id=session.id) + "#guests", 303)


def _register(session, invites, form, status: int = 200):
    present = set(form.present.data or ())
    page = render_template(
        "group_sessions/attendance.html",
        session=session,
        invites=invites,
        present=present,
        form=form,
        now=clock.now(),
    )
    return page, status


def _mark(session, invites, present: set[int]) -> int:
    """Mark each person whose tick differs from the register (or is not marked yet)."""
    marked = 0
    for invite in invites:
        came = invite.user_id in present
        if invite.attended is not came:
            rules.mark_attendance(current_user, session, invite.user_id, came, clock.now())
            marked += 1
    return marked


@bp.route("/<int:session_id>/attendance", methods=["GET", "POST"])
@role_required(*EVERYONE)
def attendance(session_id: int):
    """The register: a tick for each invited person who came, saved with one button."""
    session = organised(session_id)
    invites = queries.invitees(session.id)
    form, status = RegisterForm(), 200
    form.present.choices = [(invite.user_id, invite.user.display_name) for invite in invites]
    if not form.is_submitted():
        form.present.data = [invite.user_id for invite in invites if invite.attended]
    if form.validate_on_submit():
        try:
            marked = _mark(session, invites, set(form.present.data or ()))
            db.session.commit()
            flash("Register saved" if marked else "Register saved: nothing changed", "success")
            return redirect(url_for("group_sessions.attendance", session_id=session.id), 303)
        except rules.GroupSessionError as error:
            status = refused(error, form)
            invites = queries.invitees(session.id)
    elif form.errors:
        status = 422
    return _register(session, invites, form, status)


@bp.post("/<int:session_id>/attendance/<int:user_id>")
@role_required(*EVERYONE)
def attendance_one(session_id: int, user_id: int):
    """Tick one person in place (htmx): their row comes back as now stored."""
    session = organised(session_id)
    invite = queries.invite_of(session.id, user_id)
    not_found_unless(invite is not None, "group session invitation", user_id)
    form, problem, status = AttendedForm(), "Choose came or did not come", 422
    if form.validate_on_submit():
        try:
            came = form.attended.data == "yes"
            rules.mark_attendance(current_user, session, user_id, came, clock.now())
            db.session.commit()
            problem, status = None, 200
        except rules.GroupSessionError as error:
            db.session.rollback()
            problem, status = str(error), error.status
    if not is_htmx():
        flash(problem or "Register saved", "error" if problem else "success")
        return redirect(url_for("group_sessions.attendance", session_id=session.id), 303)
    db.session.refresh(invite)
    row = render_template(
        "group_sessions/_attendee.html", session=session, invite=invite, problem=problem,
        present={user_id} if invite.attended else set(), saved=problem is None,
    )  # fmt: skip
    response = make_response(row, status)
    response.vary.add("HX-Request")
    return response


@bp.route("/<int:session_id>/record", methods=["GET", "POST"])
@role_required(*EVERYONE)
def record(session_id: int):
    """Notes and links to resources for everyone invited, once the session has started."""
    session = organised(session_id)
    form, status = RecordForm(obj=session), 200
    if form.validate_on_submit():
        try:
            notes, resources = form.notes.data.strip(), (form.resources.data or "").strip()
            rules.write_record(current_user, session, notes, resources, clock.now())
            return done(session, "Record saved: everyone invited can read it", "#record")
        except rules.GroupSessionError as error:
            status = refused(error, form)
    elif form.errors:
        status = 422
    page = render_template(
        "group_sessions/record.html", form=form, session=session, now=clock.now()
    )
    return page, status
