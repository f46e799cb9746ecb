"""End to end: `credits-bot serve` pointed at the Graph stand-in; calls appear in Graph, and
within one sync interval the balance drops and the low-balance alert reaches the fake Slack."""

from __future__ import annotations

import time
from datetime import timedelta
from decimal import Decimal

import pytest

from storage.db import make_engine
from storage.migrate import upgrade
from tests.bot.alerts.test_outbox import PostLog
from tests.bot.graph.test_sync_processes import CLOCK
from tests.factories import ledger_state
from tests.graph_standin import pstn_row
from tests.payloads import TEAM
from tests.test_scheduler_e2e import alert_posts, environment, seed, slack, start, stop, wait_for

pytestmark = pytest.mark.slow
__all__ = ["slack"]  # the fake Slack fixture, shared with the scheduler's end-to-end tests
INTERVAL_SECONDS = 3


def test_calls_in_graph_lower_the_balance_and_alert_within_one_interval(
        slack, live_standin, tmp_path):
    url = f"sqlite:///{tmp_path / 'credits.db'}"
    engine = make_engine(url)
    upgrade(engine)
    seed(engine)  # $1,000 and a $500 threshold, alerts to C0ALERTS
    posts = PostLog(slack)
    env = {**environment(slack, url), **live_standin.settings(),
           "CREDITS_GRAPH_SYNC_MINUTES": str(INTERVAL_SECONDS / 60)}
    log = tmp_path / "serve.log"
    process = start(["serve", "--host", "127.0.0.1", "--port", "0"], env, log)
    try:
        wait_for(lambda: live_standin.requests_to("getDirectRoutingCalls"), 40,
                 "the first sync", [log])
        assert ledger_state(engine, TEAM)[0] == Decimal(1000)
        made = CLOCK.now() - timedelta(minutes=30)
        live_standin.add_calls("getPstnCalls", [
            pstn_row(n, made + timedelta(seconds=n), charge="100") for n in range(6)])
        appeared = time.monotonic()
        wait_for(lambda: ledger_state(engine, TEAM)[0] == Decimal(400),
                 INTERVAL_SECONDS + 5, "the balance dropping", [log])
        dropped = time.monotonic() - appeared
        wait_for(lambda: alert_posts(posts), 10, "the low-balance alert", [log])
    finally:
        stop(process)
    (headline,) = alert_posts(posts)
    assert "fell below $500.00" in headline
    assert dropped < INTERVAL_SECONDS + 5
    engine.dispose()
