"""Fixtures shared by every layer of the tests."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from slack_sdk import WebClient
from sqlalchemy import Engine

from bot.app import build_services, create_app, handler_context
from bot.cli import context as cli_context
from bot.clock import ManualClock
from bot.config import Settings
from bot.console.local_slack import LocalSlack, SlackUser
from bot.payments import SimulatedGateway
from storage.db import make_engine
from storage.migrate import upgrade
from tests import payloads
from tests import slack as slack_ids
from tests.dbs import postgres_schema_url
from tests.slack import BoltHarness

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


@pytest.fixture
def cli_db(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The CLI on a fresh SQLite database (DATABASE_URL), its cached engine forgotten around
    the test, and no rate deck named by the environment."""
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.delenv("CREDITS_RATES_FILE", raising=False)
    cli_context.reset()
    yield sqlite_url
    cli_context.reset()


@pytest.fixture
def local_slack() -> Iterator[LocalSlack]:
    """The local fake of the Slack Web API, with an admin, a member and a German member."""
    slack = LocalSlack(team_id=payloads.TEAM).start()
    slack.add_user(SlackUser(slack_ids.ADMIN, "alice", email="alice@contoso.example",
                             is_admin=True))
    slack.add_user(SlackUser(slack_ids.CREDITS_ADMIN, "carol", email="carol@contoso.example"))
    slack.add_user(SlackUser(slack_ids.MEMBER, "bob", email="bob@contoso.example"))
    slack.add_user(SlackUser(slack_ids.GERMAN, "dieter", email="dieter@contoso.example",
                             locale="de-DE"))
    yield slack
    slack.stop()


def make_settings(**overrides: object) -> Settings:
    values: dict[str, object] = {
        "slack_bot_token": "xoxb-test-token", "slack_signing_secret": payloads.SIGNING_SECRET,
        "credits_admins": (slack_ids.CREDITS_ADMIN,), "database_url": "sqlite://",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def make_bolt(local_slack: LocalSlack, engine: Engine, clock: ManualClock, *,
              settings: Settings | None = None, gateway: object = None,
              client: WebClient | None = None) -> BoltHarness:
    """The real Bolt app as the server composes it: the services first, then the app on them
    (the card simulation on `engine` unless another gateway is given)."""
    settings = settings or make_settings(slack_api_url=local_slack.api_url)
    client = client or WebClient(token="xoxb-test-token", base_url=local_slack.api_url)
    services = build_services(settings, engine=engine, clock=clock,
                              gateway=gateway or SimulatedGateway(clock, engine=engine))
    context = handler_context(settings, services, client=client)
    app = create_app(settings, services, client=client, context=context)
    return BoltHarness(app=app, slack=local_slack, engine=engine, services=services,
                       context=context)


@pytest.fixture
def bolt(local_slack: LocalSlack, sqlite_engine: Engine, clock: ManualClock) -> BoltHarness:
    """The real Bolt app on SQLite, talking to the local Slack."""
    return make_bolt(local_slack, sqlite_engine, clock)


@pytest.fixture
def bolt_db(local_slack: LocalSlack, engine: Engine, clock: ManualClock) -> BoltHarness:
    """The real Bolt app on each engine (SQLite and PostgreSQL), for money paths."""
    return make_bolt(local_slack, engine, clock)
