"""Administration of people: add, edit, deactivate, reset passwords, assign mentors."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from nqsw_visits.admin.blueprint import bp
from nqsw_visits.admin.forms import (
    ChooseUsersForm,
    ImportForm,
    NewPersonForm,
    PersonForm,
    ResetPasswordForm,
)
from nqsw_visits.admin.listing import list_people, people_filters, people_query, show_error
from nqsw_visits.core import clock
from nqsw_visits.core.extensions import db
from nqsw_visits.core.forms import ConfirmForm
from nqsw_visits.core.htmx import is_htmx, render_page_or_fragment
from nqsw_visits.core.paging import paginate
from nqsw_visits.core.security import role_required
from nqsw_visits.overview import home as overview
from nqsw_visits.people import rules as people
from nqsw_visits.people.models import Role, Team, User
from nqsw_visits.people.user_import import import_users

PEOPLE_PER_PAGE = 50


@bp.get("/")
@role_required(Role.ADMIN)
def index():
    """What needs an administrator's attention."""
    return render_template("admin/index.html", overview=overview.admin_overview(clock.now()))


@bp.get("/people")
@role_required(Role.ADMIN)
def people_list():
    """Everyone, filtered in place by role, status or name."""
    filters = people_filters(request.args)
    return render_page_or_fragment(
        "admin/people.html",
        "admin/_people_table.html",
        people=paginate(people_query(filters), PEOPLE_PER_PAGE),
        filters=filters,
    )


def _teams():
    return db.session.scalars(select(Team).order_by(Team.name)).all()


@bp.route("/people/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def person_new():
    """Add a person with their roles, team and first password."""
    form = NewPersonForm()
    form.set_team_choices(_teams())
    if form.validate_on_submit():
        try:
            user = people.create_user(
                current_user,
                email=form.email.data,
                display_name=form.display_name.data,
                roles=map(Role, form.roles.data),
                team_id=form.team.data,
                password=form.new_password.data,
            )
            db.session.commit()
            flash(f"{user.display_name} has been added", "success")
            return redirect(url_for("admin.person_edit", user_id=user.id))
        except people.PeopleError as error:
            show_error(form, error)
    return render_template("admin/person_new.html", form=form), 422 if form.errors else 200


@bp.route("/people/<int:user_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def person_edit(user_id: int):
    """Change a person's details, roles and team."""
    user = db.get_or_404(User, user_id, options=[joinedload(User.role_rows)])  # one statement
    form = PersonForm(
        display_name=user.display_name,
        email=user.email,
        roles=[role.value for role in user.sorted_roles],
        team=user.team_id or 0,
    )
    form.set_team_choices(_teams())
    if form.validate_on_submit():
        try:
            people.update_user(
                current_user,
                user,
                email=form.email.data,
                display_name=form.display_name.data,
                roles=map(Role, form.roles.data),
                team_id=form.team.data,
            )
            db.session.commit()
            flash("The changes have been saved", "success")
            return redirect(url_for("admin.person_edit", user_id=user.id))
        except people.PeopleError as error:
            show_error(form, error)
    return render_template(
        "admin/person_edit.html", form=form, person=user
    ), 422 if form.errors else 200


@bp.post("/people/<int:user_id>/active")
@role_required(Role.ADMIN)
def person_set_active(user_id: int):
    """Deactivate or reactivate an account (in place with htmx)."""
    user = db.get_or_404(User, user_id)
    form, error = ConfirmForm(), None
    if form.validate_on_submit():
        try:
            people.set_active(current_user, user, request.form.get("active") == "1")
            db.session.commit()
        except people.PeopleError as problem:
            db.session.rollback()
            error = str(problem)
    message = error or ("Account reactivated" if user.active else "Account deactivated")
    if not is_htmx():
        flash(message, "error" if error else "success")
        return redirect(url_for("admin.person_edit", user_id=user.id))
    return render_template(
        "admin/_account_status.html",
        person=user,
        status_message=message,
        status_error=bool(error),
    )


@bp.route("/people/<int:user_id>/password", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def person_password(user_id: int):
    """Set a new password for someone who has forgotten theirs."""
    user = db.get_or_404(User, user_id)
    form = ResetPasswordForm()
    form.email_for_rules = user.email
    if form.validate_on_submit():
        try:
            people.reset_password(current_user, user, form.new_password.data)
            db.session.commit()
            flash(f"A new password has been set for {user.display_name}", "success")
            return redirect(url_for("admin.person_edit", user_id=user.id))
        except people.PeopleError as error:
            show_error(form, error)
    return render_template(
        "admin/person_password.html", form=form, person=user
    ), 422 if form.errors else 200


@bp.route("/people/<int:user_id>/mentors", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def person_mentors(user_id: int):
    """Choose which mentors an NQSW may ask."""
    user = db.get_or_404(User, user_id)
    candidates = [
        m for m in list_people({"role": Role.MENTOR.value, "status": "active"}) if m.id != user.id
    ]
    form = ChooseUsersForm(people=[m.id for m in user.mentors])
    form.people.label.text = f"Mentors {user.display_name} may ask"
    form.people.choices = [(m.id, m.display_name) for m in candidates]
    if form.validate_on_submit():
        try:
            people.set_mentors(current_user, user, form.people.data)
            db.session.commit()
            flash("Mentors saved", "success")
            return redirect(url_for("admin.person_edit", user_id=user.id))
        except people.PeopleError as error:
            show_error(form, error)
    return render_template(
        "admin/person_mentors.html", form=form, person=user
    ), 422 if form.errors else 200


@bp.route("/people/import", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def people_import():
    """Add many people at once from a CSV file; nothing is added if any row is wrong."""
    form, result = ImportForm(), None
    if form.validate_on_submit():
        text = form.file.data.read().decode("utf-8-sig", errors="replace")
        result = import_users(current_user, text)
        if not result.errors:
            flash(f"{len(result.created)} people imported", "success")
            return redirect(url_for("admin.people_list"))
        db.session.rollback()
    failed = bool(form.errors or (result and result.errors))
    return render_template("admin/people_import.html", form=form, result=result), (
        422 if failed else 200
    )
