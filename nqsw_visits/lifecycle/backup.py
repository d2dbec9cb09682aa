"""A consistent copy of a live SQLite database, made with SQLite's online backup API."""

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

# The tables whose row counts a backup reports, so an operator can see it holds data.
MAIN_TABLES = (
    "users",
    "teams",
    "support_requests",
    "observations",
    "notifications",
    "outbox_emails",
    "user_sessions",
    "audit_events",
)
BUSY_TIMEOUT_MS = 10_000

PG_DUMP_ADVICE = (
    "This database is PostgreSQL: `flask backup` copies SQLite databases only. "
    "Back up with pg_dump, e.g. pg_dump --format=custom --file=alongside.dump "
    "postgresql://USER@HOST/DATABASE (your DATABASE_URL without +psycopg), and restore "
    'with pg_restore (README: "Keeping and backing up data").'
)


class BackupError(Exception):
    """The backup could not be made, or its copy failed its check."""


@dataclass(frozen=True)
class BackupResult:
    """What a finished backup holds."""

    path: Path
    size_bytes: int
    row_counts: dict[str, int]


def _check(copy: sqlite3.Connection) -> dict[str, int]:
    result = [row[0] for row in copy.execute("PRAGMA integrity_check")]
    if result != ["ok"]:
        raise BackupError("The copy failed PRAGMA integrity_check: " + "; ".join(result[:5]))
    present = {row[0] for row in copy.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    return {
        table: copy.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]  # noqa: S608
        for table in MAIN_TABLES
        if table in present
    }


def backup_sqlite(source: Path, target: Path, *, force: bool = False) -> BackupResult:
    """Copy the live database at `source` to `target`, check the copy and count its rows.

    The copy is taken in one step, inside one read transaction: in WAL mode writers go
    on meanwhile, and the copy holds exactly what was committed when it began.
    """
    if not source.is_file():
        raise BackupError(f"No database file at {source}.")
    if target.exists() and not force:
        raise BackupError(f"{target} already exists: choose a new name, or pass --force.")
    if target.exists() and target.resolve() == source.resolve():
        raise BackupError("The backup would overwrite the live database itself.")
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    # The copy holds everything the service does: only its owner may read it.
    try:
        os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except OSError as error:
        raise BackupError(f"Cannot write the backup there: {error.strerror}.") from None
    live = sqlite3.connect(source, timeout=BUSY_TIMEOUT_MS / 1000)
    copy = sqlite3.connect(partial)
    try:
        live.backup(copy)
        # One self-contained file (the live database's WAL mode would come along).
        copy.execute("PRAGMA journal_mode=DELETE")
        counts = _check(copy)
    except (sqlite3.Error, BackupError) as error:
        copy.close()
        partial.unlink(missing_ok=True)
        if isinstance(error, BackupError):
            raise
        raise BackupError(f"The backup failed: {error}") from error
    finally:
        live.close()
        copy.close()
    os.replace(partial, target)
    return BackupResult(target, target.stat().st_size, counts)
