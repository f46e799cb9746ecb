"""Nothing slow inside an ack: a 4-second gateway and 50 `users.info` look-ups run after it."""

from __future__ import annotations

import json
import time
from decimal import Decimal

import pytest
from slack_sdk import WebClient

from bot.console.local_slack import SlackCall, SlackUser
from bot.payments import SimulatedGateway
from tests import payloads
from tests.conftest import make_bolt, make_settings
from tests.factories import ledger_state, make_account
from tests.payloads import TEAM
from tests.slack import ADMIN, BoltHarness

ACK_BUDGET = 0.3  # seconds; Slack gives up after 3
USERS_INFO_DELAY = 0.1  # each look-up of a user takes this long (Slack's own latency)


@pytest.fixture
def slow_bolt(local_slack, sqlite_engine, clock):
    """The app with a card gateway that answers after 4 seconds, and a Slack whose users.info
    takes 100 ms."""
    settings = make_settings(slack_api_url=local_slack.api_url)
    client = WebClient(token="xoxb-test-token", base_url=local_slack.api_url)
    gateway = SimulatedGateway(clock, engine=sqlite_engine, latency=4.0)
    harness = make_bolt(local_slack, sqlite_engine, clock, settings=settings, gateway=gateway,
                        client=client)
    make_account(sqlite_engine, clock, team_id=TEAM)
    harness.command_text("balance")  # the admin's own profile is looked up (and cached)

    def slow_users_info(call: SlackCall) -> None:
        if call.method == "users.info":
            time.sleep(USERS_INFO_DELAY)

    local_slack.on_call = slow_users_info
    return harness


def timed_ack(bolt: BoltHarness, body: str) -> tuple[float, dict]:
    started = time.perf_counter()
    response = bolt.dispatch(body, wait=False)
    elapsed = time.perf_counter() - started
    assert response.status == 200
    return elapsed, json.loads(response.body)


def test_a_deposit_with_a_4_second_gateway_acks_at_once(slow_bolt):
    url = slow_bolt.slack.response_url()
    elapsed, ack = timed_ack(slow_bolt, payloads.slash_command(
        "deposit 500", user_id=ADMIN, response_url=url))
    assert elapsed < ACK_BUDGET, elapsed
    assert "Paying *$500.00*" in ack["text"]
    assert "Deposited *$500.00*" in slow_bolt.answer_to(url)  # about 4 s later
    assert ledger_state(slow_bolt.engine, TEAM) == (Decimal(500), 1)


def test_license_assign_with_50_mentions_acks_at_once(slow_bolt):
    users = [f"U{n:07d}" for n in range(50)]
    for user in users:
        slow_bolt.slack.add_user(SlackUser(user, f"user{user}", email=f"{user}@contoso.example"))
    url = slow_bolt.slack.response_url()
    mentions = " ".join(f"<@{user}>" for user in users)
    elapsed, ack = timed_ack(slow_bolt, payloads.slash_command(
        f"license assign {mentions}", user_id=ADMIN, response_url=url))
    assert elapsed < ACK_BUDGET, elapsed
    assert "Working on the licenses of 50 users…" in ack["text"]
    assert "*50* licensed users" in slow_bolt.answer_to(url)
