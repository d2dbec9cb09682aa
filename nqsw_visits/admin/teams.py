"""Administration of teams and their practice managers."""

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import Role, Team
from ..security import role_required
from ..services import people
from . import bp
from .forms import ChooseUsersForm, TeamForm
from .listing import list_people, show_error


@bp.route("/teams", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def teams():
    """All teams with their managers and members; add a team."""
    form = TeamForm()
    if form.validate_on_submit():
        try:
            team = people.create_team(current_user, form.name.data)
            db.session.commit()
            flash(f"Team {team.name} added", "success")
            return redirect(url_for("admin.teams"))
        except people.PeopleError as error:
            show_error(form, error)
    all_teams = db.session.scalars(
        select(Team)
        .options(selectinload(Team.managers), selectinload(Team.members))
        .order_by(Team.name)
    ).all()
    return render_template("admin/teams.html", form=form, teams=all_teams), (
        422 if form.errors else 200
    )


@bp.route("/teams/<int:team_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def team_edit(team_id: int):
    """Choose a team's practice managers."""
    team = db.get_or_404(Team, team_id)
    candidates = list_people({"role": Role.PRACTICE_MANAGER.value, "status": "active"})
    form = ChooseUsersForm(people=[m.id for m in team.managers])
    form.people.label.text = f"Practice managers of {team.name}"
    form.people.choices = [(m.id, m.display_name) for m in candidates]
    if form.validate_on_submit():
        try:
            people.set_team_managers(current_user, team, form.people.data)
            db.session.commit()
            flash("Practice managers saved", "success")
            return redirect(url_for("admin.teams"))
        except people.PeopleError as error:
            show_error(form, error)
    return render_template("admin/team_edit.html", form=form, team=team), (
        422 if form.errors else 200
    )
