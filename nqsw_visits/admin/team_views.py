"""Administration of teams, their practice managers and the standards they use."""

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from nqsw_visits.admin.blueprint import bp
from nqsw_visits.admin.forms import TeamEditForm, TeamForm
from nqsw_visits.admin.listing import people_query, show_error
from nqsw_visits.core.extensions import db
from nqsw_visits.core.paging import paginate
from nqsw_visits.core.security import role_required
from nqsw_visits.observations import standards as frameworks
from nqsw_visits.people import queries
from nqsw_visits.people import rules as people
from nqsw_visits.people.models import Role, Team, User

MEMBERS_PER_PAGE = 50


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
    all_teams = queries.teams_with_sizes()
    chosen = frameworks.framework_names_by_team()
    return render_template("admin/teams.html", form=form, teams=all_teams, chosen=chosen), (
        422 if form.errors else 200
    )


def _team_form(team: Team) -> TeamEditForm:
    """The team's managers and standards, with every active practice manager to choose from."""
    # The choices need names only: not each manager's team or roles.
    candidates = db.session.execute(
        people_query({"role": Role.PRACTICE_MANAGER.value, "status": "active"}).with_only_columns(
            User.id, User.display_name
        )
    ).all()
    loaded, chosen = frameworks.frameworks_with_choice(team.id)
    form = TeamEditForm(people=[m.id for m in team.managers], frameworks=chosen)
    form.people.choices = [(m.id, m.display_name) for m in candidates]
    form.frameworks.choices = [(f.id, f.name) for f in loaded]
    return form


@bp.route("/teams/<int:team_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def team_edit(team_id: int):
    """Choose a team's practice managers and the professional standards it uses."""
    # A statement, not a look-up by key: the signed-in person's own team is loaded already,
    # without its managers.
    team = db.first_or_404(
        select(Team)
        .where(Team.id == team_id)
        .options(joinedload(Team.managers).lazyload(User.role_rows))
    )
    form = _team_form(team)
    if form.validate_on_submit():
        try:
            people.set_team_managers(current_user, team, form.people.data)
            frameworks.set_team_frameworks(current_user, team, form.frameworks.data)
            db.session.commit()
            flash(f"Practice managers saved, and the standards {team.name} uses", "success")
            return redirect(url_for("admin.teams"))
        except (people.PeopleError, frameworks.FrameworkError) as error:
            show_error(form, error)
    members = paginate(queries.team_members(team.id), MEMBERS_PER_PAGE)
    return render_template("admin/team_edit.html", form=form, team=team, members=members), (
        422 if form.errors else 200
    )
