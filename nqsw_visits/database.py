"""Connection settings for SQLite: foreign keys, WAL, a busy timeout, explicit BEGIN."""

import sqlite3

from sqlalchemy import event
from sqlalchemy.engine import Engine


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
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


@event.listens_for(Engine, "begin")
def _begin_sqlite(connection):
    # IMMEDIATE takes SQLite's single write lock at BEGIN. A deferred transaction
    # that reads and then writes fails at once (SQLITE_BUSY, no busy wait) when
    # another connection wrote in between; IMMEDIATE waits its turn instead.
    if connection.dialect.name == "sqlite":
        mode = connection.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        connection.exec_driver_sql(f"BEGIN {mode}")
