"""Operator commands on a fresh install: the workspace from auth.test, `account list`, and the
audit log (`credits-bot audit`, `/credits audit`) with CLI actions recorded as the operator."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import context as cli_context
from bot.cli.main import app
from bot.rates.deck_file import SAMPLE_DECK
from tests import payloads
from tests.conftest import make_bolt
from tests.samples import CDR_CSV
from tests.slack import GERMAN, MEMBER

runner = CliRunner()


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, " ".join(result.output.split())


@pytest.fixture
def token(cli_db, local_slack, monkeypatch):
    """A bot token of the local Slack's workspace (payloads.TEAM), and no account yet."""
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-operator")
    monkeypatch.setenv("SLACK_API_URL", local_slack.api_url)
    cli_context.reset()
    return local_slack


def test_a_fresh_install_learns_its_workspace_from_auth_test(token):
    code, output = invoke("account", "set-payment-method", "card", "--brand", "visa",
                          "--last4", "4242", "--expires", "2027-08")
    assert code == 0 and "Visa ending 4242, expires 08/2027" in output
    (call,) = token.calls_to("auth.test")
    assert call.token == "xoxb-operator"
    code, output = invoke("account", "show")
    assert code == 0 and f"Credits account {payloads.TEAM}" in output


def test_without_a_token_a_fresh_install_says_how_to_name_the_workspace(cli_db, monkeypatch):
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    cli_context.reset()
    code, output = invoke("account", "set-payment-method", "invoice", "--po", "PO-1")
    assert code == 2 and "SLACK_BOT_TOKEN" in output and "--team T…" in output


def test_a_token_slack_refuses_is_one_sentence(token):
    from bot.console.local_slack import ScriptedFailure
    token.fail_next("auth.test", ScriptedFailure(error="invalid_auth"))
    code, output = invoke("account", "show")
    assert code == 2 and output == ("error: Slack did not say which workspace SLACK_BOT_TOKEN "
                                    "belongs to (invalid_auth): name it with --team T….")


def test_account_list_shows_every_account(cli_db):
    invoke("account", "set", "--team", "T1", "--currency", "EUR")
    invoke("account", "set", "--team", "T2")
    code, output = invoke("account", "list")
    assert code == 0 and "T1" in output and "T2" in output and "€0.00" in output
    assert output.count("none (admins get DMs)") == 2


def test_account_list_on_a_fresh_install(cli_db):
    assert invoke("account", "list") == (
        0, "No accounts yet: one is created when a workspace first uses the bot.")


def operator_actions(tmp_path: Path) -> None:
    invoke("account", "set", "--team", payloads.TEAM, "--region", "DE")
    invoke("account", "set-payment-method", "card", "--brand", "visa", "--last4", "4242",
           "--expires", "2027-08")
    invoke("rates", "load", str(SAMPLE_DECK))
    invoke("import-usage", str(CDR_CSV))


def test_cli_actions_are_audited_as_the_operator(cli_db, tmp_path):
    operator_actions(tmp_path)
    code, output = invoke("audit", "10")
    assert code == 0
    for action in ("cli.account_set", "cli.set_payment_method", "cli.rates_load",
                   "cli.import_usage"):
        assert action in output
    assert output.count("operator (cli)") == 4 and "last4=4242" in output
    code, output = invoke("audit", "1")
    assert "cli.import_usage" in output and "cli.rates_load" not in output


def test_credits_audit_shows_an_admin_the_operators_actions(cli_db, tmp_path, local_slack,
                                                            clock):
    # The app on the CLI's database, as one deployment shares one.
    operator_actions(tmp_path)
    bolt = make_bolt(local_slack, cli_context.engine(), clock)
    text = bolt.command_text("audit 3")
    assert text.startswith("The newest *3* audit events, times in UTC:")
    assert "operator (cli) `cli.import_usage` *ok*" in text
    assert "`cli.rates_load`" in text and "`cli.set_payment_method`" in text


def test_credits_audit_is_for_admins_and_checks_its_count(bolt):
    assert "Only credits admins" in bolt.command_text("audit", user=MEMBER)
    answer = bolt.command_text("audit 500")
    assert "Give how many events as a whole number from 1 to 50." in answer
    assert "Usage: `/credits audit [n]`" in answer
    # The member's denial above is in the log, and a German admin reads it in German.
    bolt.slack.users[GERMAN].is_admin = True
    text = bolt.command_text("audit", user=GERMAN)
    assert text.startswith("Der neueste Audit-Eintrag, Zeiten in UTC:")  # one event
    assert f"<@{MEMBER}> `command.audit` *denied*" in text
