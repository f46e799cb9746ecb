"""`credits-bot import-usage FILE [--team T]` on a fresh SQLite database."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
import typer
from rich.console import Console
from typer.testing import CliRunner

from bot.accounts import Accounts
from bot.cli import context as cli_context
from bot.cli.main import app as cli_app
from bot.cli.usage import exact_amount
from bot.clock import ManualClock
from bot.money import Money
from storage.db import read_session
from tests import reads
from tests.bot.usage.test_microsoft_shapes import cdr_of_teams_calls
from tests.conftest import START
from tests.factories import make_account
from tests.money import usd
from tests.samples import (
    CDR_CSV,
    DIRECT_ROUTING_ROWS,
    GRAPH_PSTN_EXAMPLES,
    TEAMS_CSV,
    microsoft_export_zip,
)

runner = CliRunner()


@pytest.fixture
def app() -> typer.Typer:
    """The real `credits-bot` command, as an operator runs it."""
    return cli_app


@pytest.fixture(autouse=True)
def wide_output(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bot.cli.usage.out", Console(width=200))
    monkeypatch.setattr("bot.cli.usage.err", Console(width=200, stderr=True))


@pytest.fixture
def account(cli_db):
    return make_account(cli_context.engine(), ManualClock(START))


def invoke(app: typer.Typer, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def balance() -> Money:
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
    assert balance() == usd("-20.65")

    code, output = invoke(app, "import-usage", str(TEAMS_CSV))  # one account: --team optional
    assert code == 0
    assert re.search(r"Skipped as duplicates\s*│\s*40\b", output) and "$0.00" in output
    assert balance() == usd("-20.65")


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
    assert balance() < usd(0)  # the good rows were charged all the same


def test_cdr_calls_are_rated_with_the_loaded_deck(app, account):
    code, output = invoke(app, "import-usage", str(CDR_CSV))
    assert code == 0, output
    assert re.search(r"New calls charged\s*│\s*32\b", output)
    assert balance() < usd(0)


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


def test_microsofts_export_zip_counts_direct_routing_and_charges_the_calling_plans(
        app, account, tmp_path):
    path = tmp_path / "Calls.Export.5f1c.zip"
    path.write_bytes(microsoft_export_zip())
    code, output = invoke(app, "import-usage", str(path))
    assert code == 0, output
    assert re.search(rf"Direct Routing calls \(not charged\)\s*│\s*{DIRECT_ROUTING_ROWS}\b",
                     output)
    assert re.search(rf"New calls charged\s*│\s*{40 + DIRECT_ROUTING_ROWS}\b", output)
    assert balance() == usd("-20.65")


def test_a_graph_page_of_more_and_its_odd_number_are_told(app, account):
    code, output = invoke(app, "import-usage", str(GRAPH_PSTN_EXAMPLES[0]))
    assert code == 0, output
    assert "This file is one page of more" in output and "@odata.nextLink" in output
    assert "Kept with a note" in output and "record 1: number '+1234567890'" in output


def test_the_same_calls_from_another_source_are_named_in_the_summary(app, account, tmp_path):
    invoke(app, "import-usage", str(TEAMS_CSV))
    cdr = tmp_path / "pbx.csv"
    cdr.write_bytes(cdr_of_teams_calls())
    code, output = invoke(app, "import-usage", str(cdr))
    assert re.search(r"Skipped: already imported from another source\s*│\s*\d+", output)
    assert "match calls already imported from another source" in output
    assert balance() == usd("-20.65")


@pytest.mark.parametrize("content, message", [
    (b"PK\x03\x04" + b"\x00" * 100, "The zip cannot be read"),
    (b"[" * 100_000, "nested too deeply"),
    ("UsageId,UPN,Call Type,Destination Number,Start Time,Duration Seconds,Charge,Currency\n"
     "1,j\xfcrgen@contoso.example,user_out,+14255550100,2026-10-01T00:00:00Z,1,0.01,USD\n"
     .encode("latin-1"), "line 2 is not UTF-8 text"),
])
def test_unreadable_files_get_a_sentence_not_a_traceback(app, account, tmp_path, content,
                                                        message):
    path = tmp_path / "upload.bin"
    path.write_bytes(content)
    code, output = invoke(app, "import-usage", str(path))
    assert code == 2 and message in output and "Traceback" not in output


def test_an_unexpected_failure_is_a_sentence_too(app, account, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("bot.usage.importer.UsageImporter.run", broken)
    code, output = invoke(app, "import-usage", str(TEAMS_CSV))
    assert code == 2 and "failed on our side" in output and "Traceback" not in output


def test_an_import_that_empties_the_account_alerts_it(app, account):
    # The CLI imports through the services of the composition root, as the app does: the
    # ledger's hooks write the zero-balance alert with the batch that spent the last credit.
    code, _ = invoke(app, "import-usage", str(TEAMS_CSV))
    assert code == 0 and balance() == usd("-20.65")
    with read_session(cli_context.engine()) as session:
        kinds = [m.kind for m in reads.list_messages(session=session)]
    assert kinds == ["zero_balance"]
