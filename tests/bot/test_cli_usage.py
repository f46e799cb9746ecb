"""`credits-bot import-usage FILE [--team T]` on a fresh SQLite database."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
import typer
from rich.console import Console
from typer.testing import CliRunner

from bot import cli_context
from bot.accounts import Accounts
from bot.cli import app as cli_app
from bot.cli_usage import exact_amount
from bot.clock import ManualClock
from tests.conftest import START
from tests.factories import make_account
from tests.samples import CDR_CSV, TEAMS_CSV

runner = CliRunner()


@pytest.fixture
def app() -> typer.Typer:
    """The real `credits-bot` command, as an operator runs it."""
    return cli_app


@pytest.fixture(autouse=True)
def wide_output(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bot.cli_usage.out", Console(width=200))
    monkeypatch.setattr("bot.cli_usage.err", Console(width=200, stderr=True))


@pytest.fixture
def account(cli_db):
    return make_account(cli_context.engine(), ManualClock(START))


def invoke(app: typer.Typer, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def balance() -> Decimal:
    return Accounts(cli_context.engine(), cli_context.clock()).get("T1").balance


def test_importing_the_teams_export_prints_the_summary_and_charges_it(app, account):
    code, output = invoke(app, "import-usage", str(TEAMS_CSV), "--team", "T1")
    assert code == 0, output
    assert "Imported teams-pstn-usage.csv (teams)" in output
    assert "New calls charged" in output and "$20.65" in output
    # Nobody holds a license in the bot, but every record names the license that paid for it.
    assert re.search(r"Calls by unlicensed users\s*│\s*0\s", output)
    assert "alan.turing@contoso.example" not in output
    assert re.search(r"line \d+: \+\d+ \d+s charged \$", output)  # differences from the deck
    assert balance() == Decimal("-20.65")

    code, output = invoke(app, "import-usage", str(TEAMS_CSV))  # one account: --team optional
    assert code == 0
    assert re.search(r"Skipped as duplicates\s*│\s*40\b", output) and "$0.00" in output
    assert balance() == Decimal("-20.65")


def test_rejected_rows_are_listed_by_line_and_exit_1(app, account, tmp_path):
    lines = TEAMS_CSV.read_text().splitlines()
    fields = lines[4].split(",")
    fields[17] = "-1"
    lines[4] = ",".join(fields)
    bad = tmp_path / "usage.csv"
    bad.write_text("\n".join(lines) + "\n")
    code, output = invoke(app, "import-usage", str(bad))
    assert code == 1
    assert "line 5: negative Duration Seconds -1" in output
    assert "Rejected" in output
    assert balance() < 0  # the good rows were charged all the same


def test_cdr_calls_are_rated_with_the_loaded_deck(app, account):
    code, output = invoke(app, "import-usage", str(CDR_CSV))
    assert code == 0, output
    assert re.search(r"New calls charged\s*│\s*32\b", output)
    assert balance() < 0


def test_a_file_of_no_known_format_is_an_error(app, account, tmp_path):
    other = tmp_path / "notes.csv"
    other.write_text("a,b\n1,2\n")
    code, output = invoke(app, "import-usage", str(other))
    assert code == 2 and "not a usage export" in output


def test_without_an_account_the_import_explains(app, cli_db):
    code, output = invoke(app, "import-usage", str(TEAMS_CSV))
    assert code == 2 and "no account yet" in output


@pytest.mark.parametrize("amount, text", [
    (Decimal("20.65"), "20.65"), (Decimal("15.869300"), "15.8693"), (Decimal("0"), "0.00"),
    (Decimal("-2.5"), "-2.50")])
def test_exact_amounts_keep_every_decimal_but_at_least_two(amount, text):
    assert exact_amount(amount) == text
