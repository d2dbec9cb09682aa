"""`flask backup` under a write load: the copy is whole and holds every acknowledged write."""

import shutil
import sqlite3
import threading

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from nqsw_visits import create_app
from nqsw_visits.core import clock
from nqsw_visits.core.extensions import db
from nqsw_visits.people import audit
from nqsw_visits.people.models import AuditEvent
from tests.conftest import PG_URL, base_config

pytestmark = pytest.mark.skipif(
    bool(PG_URL),
    reason="flask backup copies SQLite only; on PostgreSQL it points to pg_dump (tested below)",
)
PADDING = "x" * 400  # enough rows of this make a copy take long enough to write beside
WRITE_LIMIT_SECONDS = 30


class Writer(threading.Thread):
    """Writes audit rows one commit at a time and lists each one acknowledged."""

    def __init__(self, app):
        super().__init__(daemon=True)
        self.app = app
        self.acknowledged: list[int] = []
        self.errors: list[str] = []
        self.stop = threading.Event()

    def run(self):
        started = clock.monotonic()
        with self.app.app_context():
            try:
                while not self.stop.is_set() and clock.monotonic() - started < WRITE_LIMIT_SECONDS:
                    number = len(self.acknowledged)
                    audit.record("load.write", object_id=number)
                    db.session.commit()
                    self.acknowledged.append(number)
            except Exception as error:  # noqa: BLE001 - reported to the test
                self.errors.append(repr(error))
            finally:
                db.session.remove()


def _fill(rows: int) -> None:
    at = clock.now()
    db.session.execute(
        sa.insert(AuditEvent),
        [{"action": "load.fill", "at": at, "detail": PADDING} for _ in range(rows)],
    )
    db.session.commit()


def _written(path) -> set[int]:
    with sqlite3.connect(path) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        rows = copy.execute("SELECT object_id FROM audit_events WHERE action = 'load.write'")
        return {row[0] for row in rows}


def test_a_backup_taken_during_writes_is_whole_and_holds_every_acknowledged_write(
    app, runner, tmp_path
):
    _fill(40_000)
    writer = Writer(app)
    writer.start()
    try:
        while len(writer.acknowledged) < 50 and writer.is_alive():
            writer.stop.wait(0.01)
        before = len(writer.acknowledged)  # every one of these was committed and acknowledged
        result = runner.invoke(args=["backup", str(tmp_path / "backup.sqlite3")])
        during = len(writer.acknowledged) - before
        writer.stop.wait(0.2)
    finally:
        writer.stop.set()
        writer.join(timeout=60)
    print(f"backup beside a writer: {before} writes before it, {during} while it ran")
    assert writer.errors == []
    assert result.exit_code == 0, result.output
    assert "PRAGMA integrity_check: ok" in result.output
    assert during > 0, "the writer went on while the backup ran"
    copy = tmp_path / "backup.sqlite3"
    assert set(range(before)) <= _written(copy)
    assert not (tmp_path / "backup.sqlite3-wal").exists()  # one self-contained file
    assert copy.stat().st_mode & 0o077 == 0  # only its owner may read it


def test_the_restored_copy_serves_the_app(app, runner, tmp_path):
    _fill(10)
    assert runner.invoke(args=["backup", str(tmp_path / "backup.sqlite3")]).exit_code == 0
    # The restore drill: stop the app, put the copy in place of the database, start again.
    restored = tmp_path / "restored" / "alongside.sqlite3"
    restored.parent.mkdir()
    shutil.copyfile(tmp_path / "backup.sqlite3", restored)
    again = create_app(base_config(f"sqlite:///{restored}", restored.parent))
    with again.app_context():
        assert again.test_cli_runner().invoke(args=["db", "check"]).exit_code == 0
        assert db.session.scalar(select(func.count(AuditEvent.id))) == 10
        audit.record("restored")
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def test_backup_prints_the_row_counts_of_the_main_tables(app, runner, tmp_path):
    _fill(3)
    result = runner.invoke(args=["backup", str(tmp_path / "backup.sqlite3")])
    assert result.exit_code == 0, result.output
    assert "      3 audit_events" in result.output
    assert "      0 users" in result.output
    assert "MiB)" in result.output


def test_backup_refuses_to_overwrite_a_file_unless_forced(app, runner, tmp_path):
    target = tmp_path / "backup.sqlite3"
    target.write_text("an older backup")
    refused = runner.invoke(args=["backup", str(target)])
    assert refused.exit_code == 1
    assert "already exists" in refused.output
    assert target.read_text() == "an older backup"
    forced = runner.invoke(args=["backup", str(target), "--force"])
    assert forced.exit_code == 0, forced.output
    assert _written(target) == set()


def test_backup_never_overwrites_the_live_database(app, runner):
    live = db.engine.url.database
    result = runner.invoke(args=["backup", live, "--force"])
    assert result.exit_code == 1
    assert "live database itself" in result.output


def test_backup_to_a_missing_folder_says_so(app, runner, tmp_path):
    result = runner.invoke(args=["backup", str(tmp_path / "nowhere" / "backup.sqlite3")])
    assert result.exit_code == 1
    assert "Cannot write the backup there: No such file or directory." in result.output
