"""`flask remind-group-sessions`: remind about tomorrow's group sessions (also run by the app)."""

from datetime import datetime

import click
from flask.cli import with_appcontext

from nqsw_visits.core import clock, housekeeping
from nqsw_visits.core.extensions import db
from nqsw_visits.group_sessions.reminders import remind_due


def remind_group_sessions(now: datetime) -> int:
    """The routine job: reminders as at `now`, in the service's own time zone."""
    return remind_due(now, clock.zone())


@click.command("remind-group-sessions")
@with_appcontext
def remind_group_sessions_command() -> None:
    """Remind those going to (or maybe going to) tomorrow's group sessions, once each."""
    count = remind_group_sessions(clock.now())
    db.session.commit()
    click.echo(f"{count} group session reminder(s) sent")


housekeeping.add_job(remind_group_sessions)
