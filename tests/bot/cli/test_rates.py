"""`credits-bot rates load` and `rates show` on a fresh SQLite database."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from rich.console import Console
from typer.testing import CliRunner

from bot.cli import context as cli_context
from bot.cli.main import app as cli_app
from bot.rates.deck_file import COLUMNS
from bot.rates.store import current_deck

runner = CliRunner()


@pytest.fixture
def app() -> typer.Typer:
    """The real `credits-bot` command, as an operator runs it."""
    return cli_app


@pytest.fixture(autouse=True)
def wide_output(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bot.cli.rates.out", Console(width=200))
    monkeypatch.setattr("bot.cli.rates.err", Console(width=200, stderr=True))


def deck(path: Path, *lines: str) -> Path:
    path.write_text("\n".join((",".join(COLUMNS), *lines)) + "\n")
    return path


def test_show_uses_the_sample_deck_and_says_so(app, cli_db):
    result = runner.invoke(app, ["rates", "show", "Germany"])
    assert result.exit_code == 0, result.output
    assert "Rates for Germany" in result.output
    assert "+49151" in result.output and "0.0220" in result.output
    assert "SAMPLE prices" in result.output


def test_show_toll_free_and_numbers(app, cli_db):
    result = runner.invoke(app, ["rates", "show", "toll-free", "US"])
    assert result.exit_code == 0 and "+1800" in result.output and "+1888" in result.output
    result = runner.invoke(app, ["rates", "show", "030 1234567", "--region", "de"])
    assert result.exit_code == 0 and "+4930" in result.output and "Berlin" in result.output


def test_show_explains_what_it_does_not_know(app, cli_db):
    result = runner.invoke(app, ["rates", "show", "Narnia"])
    assert result.exit_code == 2 and "Narnia" in result.output


def test_load_replaces_the_deck(app, cli_db, tmp_path):
    path = deck(tmp_path / "ours.csv", "+49,Germany,any,outbound,0.0300,0,60,60,USD,2026-01-01",
                "+44,UK,any,outbound,0.0400,0,60,6,USD,2026-01-01")
    result = runner.invoke(app, ["rates", "load", str(path)])
    assert result.exit_code == 0, result.output
    assert "Loaded 2 rates from ours.csv" in result.output
    assert len(current_deck(cli_context.engine())) == 2
    shown = runner.invoke(app, ["rates", "show", "DE"])
    assert "0.0300" in shown.output and "SAMPLE" not in shown.output


def test_load_refuses_a_bad_file_and_changes_nothing(app, cli_db, tmp_path):
    good = deck(tmp_path / "good.csv", "+49,Germany,any,outbound,0.0300,0,60,60,USD,2026-01-01")
    assert runner.invoke(app, ["rates", "load", str(good)]).exit_code == 0
    bad = deck(tmp_path / "bad.csv", "+49,Germany,any,outbound,0.0500,0,60,60,USD,2026-01-01",
               "+44,UK,any,inbound,0.04,0,60,60,USD,2026-01-01",
               "+33,France,any,outbound,-1,0,60,60,USD,2026-01-01")
    result = runner.invoke(app, ["rates", "load", str(bad)])
    assert result.exit_code == 1
    assert "line 3: direction 'inbound'" in result.output
    assert "line 4: rate_per_min '-1'" in result.output
    rows = current_deck(cli_context.engine()).rows
    assert [(r.prefix, str(r.rate_per_min)) for r in rows] == [("49", "0.0300")]


def test_load_reports_a_missing_file(app, cli_db, tmp_path):
    result = runner.invoke(app, ["rates", "load", str(tmp_path / "nope.csv")])
    assert result.exit_code == 1 and "cannot read" in result.output


def test_values_stay_whole_on_a_narrow_terminal(app, cli_db, monkeypatch):
    monkeypatch.setattr("bot.cli.rates.out", Console(width=80))
    result = runner.invoke(app, ["rates", "show", "toll-free", "US"])
    assert result.exit_code == 0 and "0.0300" in result.output and "+1888" in result.output
    assert "toll-free inbound, USD" in result.output
