"""Test databases: a fresh SQLite file, or a fresh schema on the real PostgreSQL server.

PostgreSQL comes from TEST_DATABASE_URL (default: the machine's local server). Each test gets a
schema of its own (dropped afterwards), so tests can run in parallel on one database.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any
from urllib.parse import quote

import pytest
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url

DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    """The SQL statements the engine runs inside the block."""
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


class _RecordingCursor:
    def __init__(self, cursor: Any, seen: list[str]) -> None:
        self._cursor, self._seen = cursor, seen

    def execute(self, statement: str, *args: Any) -> Any:
        self._seen.append(statement)
        return self._cursor.execute(statement, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)


class _RecordingConnection:
    def __init__(self, connection: Any, seen: list[str]) -> None:
        self._connection, self._seen = connection, seen

    def cursor(self, *args: Any) -> _RecordingCursor:
        return _RecordingCursor(self._connection.cursor(*args), self._seen)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection, name)


@contextmanager
def raw_statements(engine: Engine) -> Iterator[list[str]]:
    """The SQL statements run on the DBAPI cursors of `engine.raw_connection()` inside the
    block: what `statements` cannot see of code that bypasses Core."""
    seen: list[str] = []
    original = engine.raw_connection
    engine.__dict__["raw_connection"] = lambda: _RecordingConnection(original(), seen)
    try:
        yield seen
    finally:
        del engine.__dict__["raw_connection"]


def pg_base_url() -> str:
    return os.environ.get("TEST_DATABASE_URL", DEFAULT_PG_URL)


@cache
def pg_unavailable_reason() -> str | None:
    try:
        engine = create_engine(pg_base_url(), connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
    except Exception as exc:  # any failure to connect means: no PostgreSQL for these tests
        return f"PostgreSQL at {make_url(pg_base_url()).render_as_string()} unreachable: {exc}"
    return None


def require_postgres() -> None:
    """Skip a PostgreSQL test without a server, except under CI, where that is a failure."""
    reason = pg_unavailable_reason()
    if reason is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    pytest.skip(reason)


@contextmanager
def postgres_schema_url() -> Iterator[str]:
    """A URL whose connections use a new, empty schema; the schema is dropped afterwards."""
    require_postgres()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(pg_base_url())
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    base = pg_base_url()
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options={quote(f'-csearch_path={schema}')}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
