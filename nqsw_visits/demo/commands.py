"""Command-line tasks: `flask create-user`, `flask import-users`, `flask demo-data`."""

import click
from flask import Flask, current_app
from sqlalchemy import func, select

from nqsw_visits.core import clock
from nqsw_visits.core.extensions import db
from nqsw_visits.demo import agreements as agreement_demo
from nqsw_visits.demo import group_sessions as group_session_demo
from nqsw_visits.demo import one_to_ones as one_to_one_demo
from nqsw_visits.demo import scale as demo_scale
from nqsw_visits.demo.team import DEMO_PASSWORD, DEMO_PEOPLE, database_is_empty, load_demo_data
from nqsw_visits.people import passwords
from nqsw_visits.people import rules as people
from nqsw_visits.people.models import Role, Team
from nqsw_visits.people.user_import import import_users, parse_roles


def register_commands(app: Flask) -> None:
    """Add the project's commands to the `flask` CLI."""
    app.cli.add_command(create_user)
    app.cli.add_command(import_users_command)
    app.cli.add_command(demo_data)


def _prompt_password() -> str:
    while True:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        found = passwords.problems(password)
        if not found:
            return password
        click.echo(found[0], err=True)


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--name", "display_name", required=True, help="Full name")
@click.option("--roles", required=True, help="e.g. 'mentor;practice_manager'")
@click.option("--team", "team_name", default="", help="Team name (created if new)")
def create_user(email: str, display_name: str, roles: str, team_name: str) -> None:
    """Add a person; asks for their password."""
    try:
        role_set = parse_roles(roles)
    except people.PeopleError as error:
        raise click.BadParameter(str(error), param_hint="--roles") from None
    password = _prompt_password()
    try:
        team = None
        team_name = " ".join(team_name.split())
        if team_name:
            team = db.session.scalar(select(Team).where(func.lower(Team.name) == team_name.lower()))
            team = team or people.create_team(None, team_name)
        user = people.create_user(
            None,
            email=email,
            display_name=display_name,
            roles=role_set,
            team_id=team.id if team else None,
            password=password,
        )
        db.session.commit()
    except people.PeopleError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    click.echo(f"Created {user.email} ({', '.join(sorted(role_set))}).")


@click.command("import-users")
@click.argument("csv_file", type=click.File("r", encoding="utf-8-sig"))
def import_users_command(csv_file) -> None:
    """Add people from a CSV file (email,name,roles,team); all rows or none."""
    result = import_users(None, csv_file.read())
    if result.errors:
        db.session.rollback()
        for line, message in result.errors:
            click.echo(f"line {line}: {message}", err=True)
        raise click.ClickException(f"Nothing imported: {len(result.errors)} problem(s).")
    for name in result.teams_created:
        click.echo(f"Created team {name}.")
    click.echo(
        f"Imported {len(result.created)} people. Set each person's password from the "
        "admin pages before they sign in."
    )


@click.command("demo-data")
@click.option(
    "--for-trials-only",
    "for_trials",
    is_flag=True,
    help="Load on a throwaway trial server too (not in debug): never on a real one.",
)
@click.option(
    "--scale",
    type=click.Choice(["small", "council", "region"]),
    default=None,
    help="Also load a whole council around the demo team, for measuring pages.",
)
def demo_data(for_trials: bool, scale: str | None) -> None:
    """Load a demo team into an empty database (for local trials only)."""
    if not (current_app.debug or current_app.testing or for_trials):
        raise click.ClickException(
            "Demo data makes accounts whose password is published, so it loads only in "
            "debug (FLASK_DEBUG=1, as `make run` does) or with --for-trials-only on a "
            "throwaway trial server. Never load it on a real server."
        )
    if not database_is_empty():
        click.echo("The database already has people in it; demo data not loaded.")
        return
    if scale:
        counts = demo_scale.load(scale, clock.now(), clock.zone())
        click.echo(", ".join(f"{count} {table}" for table, count in counts.items()))
        created = DEMO_PEOPLE
    else:
        created = load_demo_data(clock.now(), clock.zone())
    agreement_demo.load(clock.now(), clock.zone())
    one_to_one_demo.load(clock.now(), clock.zone())
    group_session_demo.load(clock.now(), clock.zone())
    db.session.commit()
    click.echo(f"Demo data loaded. Every demo account's password is: {DEMO_PASSWORD}")
    for email, name, roles in created:
        click.echo(f"  {email:<22} {name:<15} {', '.join(Role(r).label for r in roles)}")
