"""`flask purge` and `flask backup`: keeping data no longer than needed, and copies of it."""

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from nqsw_visits.core import clock
from nqsw_visits.core.extensions import db
from nqsw_visits.lifecycle.backup import PG_DUMP_ADVICE, BackupError, backup_sqlite
from nqsw_visits.lifecycle.retention import BATCH_SIZE, KeepPeriods, purge

# Between batches, so people's own changes get the database lock in turn.
PAUSE_SECONDS = 0.02


@click.command("purge")
@with_appcontext
@click.option("--batch-size", default=BATCH_SIZE, show_default=True, type=click.IntRange(1))
def purge_command(batch_size: int) -> None:
    """Delete what is past its keep period (safe to run from cron while people work)."""
    periods = KeepPeriods.from_config(current_app.config)
    problems = periods.problems()
    if problems:
        raise click.ClickException("Nothing purged: " + "; ".join(problems) + ".")
    now = clock.now()
    deleted = purge(now, periods, batch_size=batch_size, pause=PAUSE_SECONDS)
    kept = {
        "read notifications": f"read more than {periods.read_notifications.days} days ago",
        "sent emails": f"sent more than {periods.sent_emails.days} days ago",
        "ended sessions": f"ended more than {periods.ended_sessions.days} days ago",
        "audit rows": f"older than {periods.audit.days} days",
    }
    click.echo(f"Purged what was past its keep period at {now:%Y-%m-%d %H:%M} UTC:")
    for label, count in deleted.items():
        click.echo(f"  {count:>7} {label} ({kept[label]})")


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
@click.option("--force", is_flag=True, help="Overwrite PATH if it exists.")
def backup_command(path: Path, force: bool) -> None:
    """Copy the live SQLite database to PATH, check the copy and count its rows."""
    url = db.engine.url
    if url.get_backend_name() != "sqlite":
        raise click.ClickException(PG_DUMP_ADVICE)
    if url.database in (None, "", ":memory:"):
        raise click.ClickException("An in-memory database has nothing on disk to back up.")
    try:
        result = backup_sqlite(Path(url.database), path, force=force)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Backed up to {result.path} ({result.size_bytes / 1_048_576:.1f} MiB).")
    click.echo("PRAGMA integrity_check: ok")
    for table, count in result.row_counts.items():
        click.echo(f"  {count:>7} {table}")
