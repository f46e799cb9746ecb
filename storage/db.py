"""One engine per process, and the two kinds of transaction the bot uses.

SQLite: WAL, a busy timeout and foreign keys on every connection; pysqlite's own transaction
handling is switched off so that a write transaction can start with `BEGIN IMMEDIATE`, which takes
the database's write lock up front (a deferred transaction that reads and then writes can fail with
SQLITE_BUSY when another writer got there first). PostgreSQL: write transactions lock the account
row with `SELECT ... FOR UPDATE` (see `storage.accounts.lock_account`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool
from sqlmodel import Session

SQLITE_BUSY_TIMEOUT_MS = 30_000


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def make_engine(url: str, *, pool: bool = True, **kwargs: Any) -> Engine:
    """Create the engine for a database URL with the settings money needs."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        if not pool:
            kwargs["poolclass"] = NullPool
        return create_engine(url, pool_pre_ping=True, **kwargs)
    connect_args = {"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
    engine = create_engine(url, connect_args=connect_args, **kwargs)
    _configure_sqlite(engine, in_memory=parsed.database in (None, "", ":memory:"))
    return engine


def _configure_sqlite(engine: Engine, *, in_memory: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from pysqlite; we emit BEGIN ourselves below.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Session]:
    """A session whose transaction may change money: commits on success, rolls back on error.

    On SQLite it begins IMMEDIATE (the write lock is taken first); on PostgreSQL the caller locks
    the rows it changes (`lock_account`).
    """
    bind = engine.execution_options(sqlite_begin="IMMEDIATE") if is_sqlite(engine) else engine
    with Session(bind, expire_on_commit=False) as session, session.begin():
        yield session


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    """A session for reads (and writes that touch no balance, such as the audit log)."""
    with Session(engine, expire_on_commit=False) as session:
        yield session
        if session.in_transaction():
            session.commit()
