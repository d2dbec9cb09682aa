"""`flask remind-reviews`: remind about reviews due within a week (also run by the app)."""

from datetime import datetime

import click
from flask.cli import with_appcontext

from nqsw_visits.agreements.reminders import remind_due_reviews
from nqsw_visits.core import clock
from nqsw_visits.core.extensions import db


def remind_reviews(now: datetime) -> int:
    """The routine job: reminders as at `now`, in the service's own time zone."""
    return remind_due_reviews(now.astimezone(clock.zone()).date(), now)


@click.command("remind-reviews")
@with_appcontext
def remind_reviews_command() -> None:
    """Remind mentors and NQSWs of reviews due within a week (once each)."""
    count = remind_reviews(clock.now())
    db.session.commit()
    click.echo(f"{count} review reminder(s) sent")
