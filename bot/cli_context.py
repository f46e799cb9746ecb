"""What the CLI commands share: the Settings read from the environment, one migrated engine.

This is the only module that reads the environment (through `Settings()`).
"""

from __future__ import annotations

from functools import cache

from sqlalchemy import Engine

from bot.accounts import Accounts
from bot.clock import Clock, SystemClock
from bot.config import Settings
from storage.db import make_engine
from storage.migrate import upgrade


@cache
def settings() -> Settings:
    return Settings()


@cache
def engine() -> Engine:
    """The database of DATABASE_URL, migrated to the latest schema."""
    created = make_engine(settings().database_url)
    upgrade(created)
    return created


@cache
def clock() -> Clock:
    return SystemClock()


def accounts() -> Accounts:
    return Accounts(engine(), clock())


def reset() -> None:
    """Forget cached settings and engine (tests change the environment between runs)."""
    if engine.cache_info().currsize:
        engine().dispose()
    for cached in (settings, engine, clock):
        cached.cache_clear()
