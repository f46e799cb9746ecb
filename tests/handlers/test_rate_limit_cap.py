"""A request never waits long on Slack's `429 Retry-After`: the client retries only a short
wait (CREDITS_SLACK_MAX_WAIT_SECONDS) and otherwise answers at once."""

from __future__ import annotations

import json
import time

import pytest

from bot.app import make_client
from bot.console.local_slack import ScriptedFailure
from tests import payloads
from tests.conftest import make_bolt, make_settings
from tests.factories import make_account
from tests.payloads import TEAM
from tests.slack import MEMBER


@pytest.fixture
def capped(local_slack, sqlite_engine, clock):
    settings = make_settings(slack_api_url=local_slack.api_url,
                             credits_slack_max_wait_seconds=2.5)
    harness = make_bolt(local_slack, sqlite_engine, clock, settings=settings,
                        client=make_client(settings))
    make_account(sqlite_engine, clock, team_id=TEAM)
    return harness


def test_a_long_retry_after_is_not_waited_for(capped):
    capped.command_text("balance", user=MEMBER)  # auth.test and friends out of the way
    capped.slack.fail_next("users.info", ScriptedFailure(status=429, retry_after=5), times=3)
    started = time.monotonic()
    response = capped.dispatch(payloads.slash_command("deposit 500", user_id="U0NEWCOMER"))
    elapsed = time.monotonic() - started
    assert elapsed < 1.0, elapsed  # before: 2 retries of 5 s each, 11.6 s
    text = json.loads(response.body)["text"]
    assert "Slack asks the bot to slow down for 5 seconds" in text
    capped.lazy.wait_idle()
    asked = [c for c in capped.slack.calls_to("users.info") if c.params["user"] == "U0NEWCOMER"]
    assert len(asked) == 2  # the ack's and the lazy listener's, neither retried


def test_a_short_retry_after_is_waited_for_once(capped):
    capped.command_text("balance", user=MEMBER)
    capped.slack.fail_next("users.info", ScriptedFailure(status=429, retry_after=1))
    started = time.monotonic()
    text = capped.command_text("deposit 500", user="U0NEWCOMER")
    assert 1.0 <= time.monotonic() - started < 2.6
    assert "Only credits admins" in text  # an unknown user, answered after the retry
