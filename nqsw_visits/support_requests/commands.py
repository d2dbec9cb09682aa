"""`flask complete-past`: mark agreed accompaniments that have ended as completed."""

import click

from nqsw_visits.core import clock
from nqsw_visits.core.extensions import db
from nqsw_visits.support_requests.rules import complete_past


@click.command("complete-past")
def complete_past_command() -> None:
    """Mark accepted requests whose end time has passed as completed (run from cron)."""
    done = complete_past(clock.now())
    db.session.commit()
    click.echo(f"{done} accompaniment(s) marked as completed.")
