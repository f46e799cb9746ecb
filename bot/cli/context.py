"""What the CLI commands share: the Settings read from the environment, one migrated engine,
and the services the composition root (bot/app.py) builds on them, as the server runs them.

This is the only module that reads the environment (through `Settings()`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from functools import cache
from typing import TYPE_CHECKING, Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine

from bot.accounts import AccountNotFound, Accounts, AccountView
from bot.audit import AuditLog
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.errors import CreditsError
from storage.db import make_engine
from storage.migrate import upgrade

if TYPE_CHECKING:  # the composition root is imported when a command needs the services
    from bot.services import Services


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


@cache
def services() -> Services:
    """Every service, composed as in the server: imports and money changes from the CLI run the
    same ledger hooks (alerts, auto-recharge) as the app's."""
    from bot.app import build_services  # the composition root: heavy, so only when needed

    return build_services(settings(), engine=engine(), clock=clock())


def accounts() -> Accounts:
    return Accounts(engine(), clock())


OPERATOR = "operator (cli)"  # the actor of CLI actions in the audit log


def resolve_account(team: str | None) -> AccountView:
    """The named team's account, or the only one; on a fresh install (no account yet) the
    workspace of SLACK_BOT_TOKEN, learnt from Slack's auth.test, gets one."""
    found = accounts()
    try:
        return found.resolve(team)
    except AccountNotFound:
        if team or found.list():
            raise
        team_id = token_team()
        if team_id is None:
            raise
        return found.ensure(team_id)


def token_team() -> str | None:
    """The team id of SLACK_BOT_TOKEN (auth.test), or None without a token."""
    config = settings()
    token = Settings.secret(config.slack_bot_token)
    if not token:
        return None
    client = WebClient(token=token, base_url=config.slack_api_url, timeout=10)
    try:
        return str(client.auth_test()["team_id"])
    except (SlackApiError, OSError, KeyError) as exc:
        error = (exc.response.get("error") if isinstance(exc, SlackApiError) else None) or \
            type(exc).__name__
        raise CreditsError(f"Slack did not say which workspace SLACK_BOT_TOKEN belongs to "
                           f"({error}): name it with --team T….") from None


def audit(*, team_id: str, action: str, result: str = "ok",
          arguments: Mapping[str, Any] | None = None, detail: str | None = None) -> None:
    """Record a CLI action, as the operator, in the audit log (secrets redacted)."""
    AuditLog(engine(), clock()).record(team_id=team_id, actor=OPERATOR, action=action,
                                       result=result, arguments=arguments, detail=detail)


def reset() -> None:
    """Forget cached settings and engine (tests change the environment between runs)."""
    if services.cache_info().currsize:
        services().graph.close()
    if engine.cache_info().currsize:
        engine().dispose()
    for cached in (services, settings, engine, clock):
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
