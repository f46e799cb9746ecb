"""What the CLI commands share: the Settings read from the environment, one migrated engine.

This is the only module that reads the environment (through `Settings()`).
"""

from __future__ import annotations

import logging
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


class _BoltTokenNotice(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN from the environment by itself and, since the app factory
    hands it a ready client, warns that the token "will be unused": it is used, by that client."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


def configure_logging() -> None:
    """One log format for the long-running commands; the libraries' start-up chatter muted."""
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("alembic", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    logging.getLogger("bot.app").addFilter(_BoltTokenNotice())
