"""Fixtures of the Microsoft 365 connection: the Graph stand-in and services pointed at it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot.app import build_services
from bot.clock import ManualClock, SystemClock
from bot.services import Services
from tests.conftest import make_bolt, make_settings
from tests.graph_standin import GraphStandIn


@pytest.fixture
def live_standin(tmp_path: Path) -> Iterator[GraphStandIn]:
    """The stand-in on the wall clock, as the bot's processes see time."""
    server = GraphStandIn(SystemClock().now, tmp_path, page_size=50).start()
    yield server
    server.stop()


@pytest.fixture
def standin(clock: ManualClock, tmp_path: Path) -> Iterator[GraphStandIn]:
    server = GraphStandIn(clock.now, tmp_path, page_size=50).start()
    yield server
    server.stop()


def graph_settings(standin: GraphStandIn, **overrides: object) -> dict[str, object]:
    """Settings (field names) that point the bot at the stand-in."""
    values: dict[str, object] = {name.lower(): value for name, value in standin.settings().items()}
    values.update(overrides)
    return values


@pytest.fixture
def graph_services(standin: GraphStandIn, engine: Engine, clock: ManualClock) -> Services:
    """The composed services on each engine, with the connection to the stand-in."""
    services = build_services(make_settings(**graph_settings(standin)), engine=engine,
                              clock=clock)
    assert services.graph.connected
    return services


@pytest.fixture
def graph_bolt(local_slack, sqlite_engine: Engine, clock: ManualClock,
               standin: GraphStandIn):
    """The real Bolt app on SQLite with the Microsoft 365 connection to the stand-in."""
    from bot.payments import SimulatedGateway

    settings = make_settings(slack_api_url=local_slack.api_url, **graph_settings(standin))
    return make_bolt(local_slack, sqlite_engine, clock, settings=settings,
                     gateway=SimulatedGateway(clock))
