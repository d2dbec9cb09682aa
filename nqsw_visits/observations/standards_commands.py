"""`flask load-framework FILE`: add or update a framework of professional standards."""

import click
from sqlalchemy import func, select

from nqsw_visits.core.extensions import db
from nqsw_visits.observations import standards as frameworks
from nqsw_visits.observations.standards import FrameworkError
from nqsw_visits.people.models import Team


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _teams_named(names: tuple[str, ...]) -> list[Team]:
    teams = []
    for name in names:
        wanted = " ".join(name.split())
        team = db.session.scalar(select(Team).where(func.lower(Team.name) == wanted.lower()))
        if team is None:
            raise click.ClickException(f"There is no team called {wanted!r}. Nothing was loaded.")
        teams.append(team)
    return teams


@click.command("load-framework")
@click.argument("json_file", type=click.File("rb"))
@click.option(
    "--team",
    "team_names",
    multiple=True,
    help="A team that should use this framework (repeat for several).",
)
def load_framework_command(json_file, team_names: tuple[str, ...]) -> None:
    """Add or update a framework of professional standards from a JSON file."""
    try:
        data = frameworks.parse_framework(json_file.read().decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise click.ClickException("The file is not UTF-8 text. Nothing was loaded.") from None
    except FrameworkError as error:
        raise click.ClickException(f"{error}. Nothing was loaded.") from None
    teams = _teams_named(team_names)
    counts = frameworks.load_framework(data)
    framework = frameworks.framework_by_code(data.code)
    messages = [
        f"{data.name}: {_plural(counts['added'], 'standard')} added, "
        f"{counts['updated']} updated, {counts['retired']} retired."
    ]
    for team in teams:
        chosen = frameworks.team_framework_ids(team.id)
        if not chosen:
            # A team that chose nothing uses every framework, this one included.
            messages.append(f"{team.name} uses every framework, this one included.")
        elif framework.id in chosen:
            messages.append(f"{team.name} already uses {data.name}.")
        else:
            frameworks.set_team_frameworks(None, team, [*chosen, framework.id])
            messages.append(f"{team.name} now uses {data.name}.")
    db.session.commit()
    click.echo("\n".join(messages))
