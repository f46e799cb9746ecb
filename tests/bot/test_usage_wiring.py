"""The usage work wired into the running bot: `credits-bot rates` and `import-usage` on the real
CLI, the sample deck loaded at start-up by the server and the console, and the console's
`/credits rate`, `usage`, `export` and `report`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from rich.console import Console
from typer.testing import CliRunner

from bot.cli import context as cli_context
from bot.cli import main as cli
from bot.console.session import start_console
from bot.payments import SimulatedGateway
from bot.rates.store import current_deck
from bot.runtime.server import prepare_database
from tests.conftest import make_settings
from tests.console_screen import type_lines
from tests.factories import make_account
from tests.samples import SAMPLES

runner = CliRunner()


@pytest.fixture
def cli_db(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.delenv("CREDITS_RATES_FILE", raising=False)
    monkeypatch.setattr("bot.cli.rates.out", Console(width=200))
    monkeypatch.setattr("bot.cli.usage.out", Console(width=200))
    cli_context.reset()
    yield sqlite_url
    cli_context.reset()


def test_the_credits_bot_command_has_rates_and_import_usage(cli_db, clock):
    shown = runner.invoke(cli.app, ["rates", "show", "Germany"])
    assert shown.exit_code == 0, shown.output
    assert "Germany" in shown.output and "SAMPLE prices" in shown.output
    make_account(cli_context.engine(), clock, team_id="T1")
    imported = runner.invoke(cli.app, ["import-usage", str(SAMPLES / "teams-pstn-usage.csv")])
    assert imported.exit_code == 0, imported.output
    assert "$20.65" in imported.output


def test_the_server_start_up_loads_the_sample_deck(sqlite_engine, clock):
    assert len(current_deck(sqlite_engine)) == 0
    prepare_database(make_settings(), sqlite_engine, clock)
    deck = current_deck(sqlite_engine)
    assert len(deck) > 400 and deck.sample and deck.source == "sample_rates.csv"


@pytest.fixture
def console(sqlite_engine, clock, tmp_path):
    screen = Console(record=True, width=250, color_system=None)
    run = start_console(make_settings(), engine=sqlite_engine, clock=clock,
                        gateway=SimulatedGateway(clock), out=screen, files_dir=tmp_path / "files")
    yield run, screen
    run.close()


def test_the_console_quotes_rates_on_a_fresh_database(console, sqlite_engine):
    assert current_deck(sqlite_engine).sample  # loaded at start, before any question
    shown = type_lines(console, "/credits rate Germany", "how much does it cost to call Japan?")
    assert "Rates for Germany" in shown and "Rates for Japan" in shown
    assert "$0.022 per minute" in shown and "SAMPLE prices" in shown


def test_the_console_exports_and_reports(console, tmp_path):
    shown = type_lines(console, "/credits usage", "/credits export csv", "/credits report")
    assert "Usage: this month" in shown
    assert "bot uploaded a file:" in shown and "-calls.csv" in shown
    # The demo calls fall before this month (the clock is on 2 Nov), and so does the demo
    # deposit (booked at the start of the demo month); their charge was booked now.
    assert "Exported 0 calls and 1 ledger entry for this month" in shown
    assert ".png" in shown and "Credits report:" in shown
    saved = sorted(path.name for path in (tmp_path / "files").iterdir())
    assert any(name.endswith("-ledger.csv") for name in saved)
    assert any(name.endswith(".png") for name in saved)
