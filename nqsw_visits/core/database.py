"""SQLite settings, which transactions take its single write lock, and page reads on PostgreSQL.

A page read (GET, HEAD, OPTIONS) begins DEFERRED, so it reads beside a writer (WAL)
and never queues behind one. Every other transaction begins IMMEDIATE: POST and other
unsafe requests, CLI commands, background threads, and the few writes a page read
makes, which go in `writing()`. A deferred transaction that reads and then writes
fails at once (SQLITE_BUSY_SNAPSHOT, no busy wait) when another connection committed
in between; IMMEDIATE waits its turn instead, so a write in a deferred transaction is
refused outright rather than left to fail now and then.

On PostgreSQL a page read runs its statements in autocommit, each on its own: at READ
COMMITTED each statement sees its own snapshot either way, and BEGIN and ROLLBACK were
two of a page's dozen round trips to the server. Its writes go in `writing()` too, in a
transaction, and one outside it is refused there as well.
"""

import os
import sqlite3
from contextlib import contextmanager
from contextvars import ContextVar

from flask import Flask, current_app, has_app_context, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError, OperationalError

from nqsw_visits.core import clock
from nqsw_visits.core.extensions import db

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
DEFAULT_BUSY_TIMEOUT_MS = 10_000
# PostgreSQL: lock_timeout, serialization failure, deadlock, statement_timeout.
BUSY_SQLSTATES = frozenset({"55P03", "40001", "40P01", "57014"})
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")
_mode: ContextVar[str | None] = ContextVar("sqlite_begin_mode", default=None)


class WriteInReadTransaction(RuntimeError):
    """A page read tried to write outside `writing()`."""


def reads_only() -> bool:
    """True where transactions begin DEFERRED: a page read, outside `writing()`."""
    mode = _mode.get()
    if mode is not None:
        return mode == "DEFERRED"
    return has_request_context() and request.method in SAFE_METHODS


@contextmanager
def writing():
    """Run the block in a write transaction: the current one, or in a page read its own.

    In a page read the read transaction ends first, the block runs in a short
    transaction that begins IMMEDIATE, and that commits (or rolls back) at the end.
    Anywhere else every transaction already writes: the block joins it and the
    caller commits as usual.
    """
    if not reads_only():
        yield
        return
    db.session.commit()  # ends the read transaction; it has nothing to save
    token = _mode.set("IMMEDIATE")
    try:
        yield
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    finally:
        _mode.reset(token)


@contextmanager
def reading():
    """Run the block's transactions DEFERRED, e.g. an error page after the lock was missed."""
    token = _mode.set("DEFERRED")
    try:
        yield
    finally:
        _mode.reset(token)


def is_busy(error: OperationalError) -> bool:
    """True when the database stayed locked or busy past its timeout."""
    orig = error.orig
    if isinstance(orig, sqlite3.OperationalError):
        code = getattr(orig, "sqlite_errorcode", None)
        if code is not None:
            return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
        return "locked" in str(orig) or "busy" in str(orig)
    return getattr(orig, "sqlstate", None) in BUSY_SQLSTATES


def _busy_timeout_ms() -> int:
    configured = current_app.config.get("SQLITE_BUSY_TIMEOUT_MS") if has_app_context() else None
    if configured is None:
        configured = os.environ.get("SQLITE_BUSY_TIMEOUT_MS", DEFAULT_BUSY_TIMEOUT_MS)
    return int(configured)


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection, _record):
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # pysqlite's own transaction handling defers BEGIN and cannot take a write lock
    # up front; SQLAlchemy emits BEGIN itself (see the "begin" listener).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={_busy_timeout_ms():d}")
    cursor.close()


@event.listens_for(Engine, "begin")
def _begin(connection):
    if connection.dialect.name == "sqlite":
        mode = "DEFERRED" if reads_only() else "IMMEDIATE"
        connection.info["sqlite_begin"] = mode
        connection.exec_driver_sql(f"BEGIN {mode}")
    elif connection.dialect.name == "postgresql":
        _autocommit_page_reads(connection)
        connection.info["wrote"] = False


def _autocommit_page_reads(connection) -> None:
    # The flag lives with the pooled connection: only a connection this turned to
    # autocommit is turned back, so an engine made AUTOCOMMIT (CREATE DATABASE) stays so.
    reads = reads_only()
    if connection.info.get("read_autocommit", False) != reads:
        connection.connection.dbapi_connection.autocommit = reads  # no round trip when idle
        connection.info["read_autocommit"] = reads


@event.listens_for(Engine, "before_cursor_execute")
def _refuse_writes_in_read_transactions(conn, _cursor, statement, *_args):
    reading_only = conn.info.get("sqlite_begin") == "DEFERRED" or conn.info.get("read_autocommit")
    if reading_only and statement.lstrip()[:7].upper().startswith(_WRITES):
        raise WriteInReadTransaction(
            "A page read wrote to the database: put the write in database.writing()"
        )


@event.listens_for(Engine, "before_cursor_execute")
def _note_writes(conn, _cursor, statement, *_args):
    # Read by commit_what_only_read: anything but a SELECT may have changed something.
    if statement.lstrip()[:6].upper() != "SELECT":
        conn.info["wrote"] = True


def commit_what_only_read(app: Flask) -> None:
    """On PostgreSQL, end a request's transaction that only read with COMMIT, not ROLLBACK."""
    # psycopg forgets every prepared statement on a ROLLBACK of an open transaction: after
    # a change that reads once it has committed (a sign-in, a form shown again with its
    # errors, an htmx answer rendered after the change) the connection planned each
    # statement afresh. Committing a transaction that ran nothing but SELECTs changes
    # nothing either way; one that wrote, or failed, is rolled back as before.

    @app.teardown_request  # while the request is known: a page read has nothing to end
    def _commit_reads(error):
        session = db.session()
        if error is not None or reads_only() or not session.in_transaction():
            return
        # The engine is asked first: on SQLite a connection not yet taken would begin
        # IMMEDIATE, and wait for the write lock, only to be rolled back.
        if session.get_bind().dialect.name != "postgresql":
            return
        if session.connection().info.get("wrote", True):
            return
        try:
            session.commit()
        except Exception:  # noqa: BLE001  (the teardown that follows rolls back)
            session.rollback()


# Statements psycopg keeps prepared on each connection (its default is 100). The 47 pages of
# the bench alone prepare 106, so a mix of pages pushed each other's out: 300 hold the app's
# with room, at about 80 KB of the server's memory each.
PREPARED_MAX = 300


def plan_once(engine: Engine, mode: str) -> None:
    """On PostgreSQL, keep the app's statements prepared on each connection, planned as
    `mode` says (plan_cache_mode; empty: the server's own)."""
    # psycopg prepares a statement after its fifth run. With the server's default ("auto")
    # the statements a page runs with an NQSW's or an agreement's id were planned again on
    # every run, the server's greatest share of a page's time; a plan made once serves
    # them all, and the council-scale bench found none slower for it.
    if engine.dialect.name != "postgresql":
        return

    @event.listens_for(engine, "connect")
    def _plan_cache_mode(dbapi_connection, _record):
        dbapi_connection.prepared_max = PREPARED_MAX
        if mode:
            with dbapi_connection.cursor() as cursor:
                cursor.execute("SELECT set_config('plan_cache_mode', %s, false)", (mode,))
            dbapi_connection.commit()


def ping_when_idle(engine: Engine, idle_seconds: float) -> None:
    """Check a pooled connection before use only once it has sat idle that long."""
    # Checking on every checkout (pool_pre_ping) cost a round trip per request; one used
    # moments ago is as good as checked. One the server closed is replaced, not handed out.

    @event.listens_for(engine, "checkin")
    def _idle_from(_dbapi_connection, record):
        record.info["idle_from"] = clock.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping(dbapi_connection, record, _proxy):
        idle_from = record.info.get("idle_from")
        if idle_from is None or clock.monotonic() - idle_from < idle_seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            raise DisconnectionError("the server closed an idle connection") from error


@contextmanager
def kept_as_loaded():
    """Commits in the block leave loaded rows as they are: for audit writes after rendering."""
    # The page is rendered already; expiring on commit would only load the reader again.
    session = db.session()
    before, session.expire_on_commit = session.expire_on_commit, False
    try:
        yield
    finally:
        session.expire_on_commit = before
