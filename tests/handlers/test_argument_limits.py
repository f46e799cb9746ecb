"""Numbers in arguments far outside any sane range get the usage message, never a traceback."""

from __future__ import annotations

import pytest

from tests.factories import make_account
from tests.payloads import TEAM
from tests.slack import ADMIN


@pytest.fixture
def account(bolt, clock):
    return make_account(bolt.engine, clock, team_id=TEAM)


EXTREME_PERIODS = ["9999-12", "0000-01", "0001-01", "1000-06", "9999-12-01..9999-12-31",
                   "0001-01-01..0001-01-02", "2026-11-01..9999-12-31"]


@pytest.mark.parametrize("subcommand", ["usage", "export", "report"])
@pytest.mark.parametrize("period", EXTREME_PERIODS)
def test_a_period_in_an_absurd_year_gets_the_usage(bolt, account, subcommand, period):
    response = bolt.command(f"{subcommand} {period}", user=ADMIN)
    assert response.status == 200, response.body
    text = response.body if isinstance(response.body, str) else str(response.body)
    assert "2000" in text and "2100" in text  # the years a period may name
    assert f"/credits {subcommand}" in text  # the usage line
    assert bolt.slack.calls_to("files.uploadV2") == []


@pytest.mark.parametrize("count", ["1" * 5000, "9" * 20, "0" * 4000 + "5", "51", "0"])
def test_history_with_a_huge_count_gets_the_usage(bolt, account, count):
    text = bolt.command_text(f"history {count}", user=ADMIN)
    assert "1 to 50" in text and "/credits history [n]" in text


def test_a_sane_history_count_still_works(bolt, account):
    assert "no entries yet" in bolt.command_text("history 0050", user=ADMIN)
