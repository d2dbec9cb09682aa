"""`flask complete-past`: mark agreed accompaniments that have ended as completed."""

import click

from nqsw_visits import clock
from nqsw_visits.extensions import db
from nqsw_visits.services.scheduling import complete_past


@click.command("complete-past")
def complete_past_command() -> None:
    """Mark accepted requests whose end time has passed as completed (run from cron)."""
    done = complete_past(clock.now())
    db.session.commit()
    click.echo(f"{done} accompaniment(s) marked as completed.")
