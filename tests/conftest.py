"""Fixtures shared by every layer of the tests."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot.clock import ManualClock
from storage.db import make_engine
from storage.migrate import upgrade
from tests.dbs import postgres_schema_url

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'credits.db'}"
    else:
        with postgres_schema_url() as url:
            yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """An empty SQLite database, for tests where the engine does not matter."""
    return f"sqlite:///{tmp_path / 'credits.db'}"


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """A migrated database on each engine."""
    engine = make_engine(db_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def sqlite_engine(sqlite_url: str) -> Iterator[Engine]:
    """A migrated SQLite database."""
    engine = make_engine(sqlite_url)
    upgrade(engine)
    yield engine
    engine.dispose()
