"""The operator CLI on a fresh SQLite database, as an operator runs it."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from bot.cli import context as cli_context
from bot.cli.main import app
from bot.ledger import Ledger
from tests.money import eur, usd

runner = CliRunner()


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_db_upgrade_reports_the_revision(cli_db):
    code, output = invoke("db", "upgrade")
    assert code == 0 and "Database at revision" in output


def test_account_show_without_accounts_explains(cli_db):
    code, output = invoke("account", "show")
    assert code == 2 and "no account yet" in output


def test_account_set_and_payment_method_then_show(cli_db):
    assert invoke("account", "set", "--team", "T1", "--region", "de", "--billing-region",
                  "DE", "--billing-type", "ea", "--currency", "EUR")[0] == 0
    code, output = invoke("account", "set-payment-method", "card", "--brand", "visa",
                          "--last4", "4242", "--expires", "2027-08")
    assert code == 0 and "Visa ending 4242, expires 08/2027" in output
    code, output = invoke("account", "show")
    assert code == 0
    for expected in ("DE / DE", "ea", "EUR", "Visa ending 4242"):
        assert expected in output


def test_account_set_language_is_shown_and_audited(cli_db):
    code, output = invoke("account", "set", "--team", "T1")
    assert code == 0 and "Alert language" in output and "en-US" in output
    code, output = invoke("account", "set", "--team", "T1", "--language", "de_DE")
    assert code == 0 and "de-DE" in output
    assert cli_context.accounts().get("T1").language == "de-DE"
    assert "de-DE" in invoke("account", "show")[1]
    code, output = invoke("account", "set", "--team", "T1", "--language", "fr-FR")
    assert code == 2 and "'fr-FR' is not a language the bot speaks: use en-US or de-DE." in output
    assert cli_context.accounts().get("T1").language == "de-DE"
    code, output = invoke("audit", "3")
    assert output.count("cli.account_set") == 3 and "language=de_DE" in output
    assert "language=fr-FR" in output and "error" in output


def test_switching_to_mca_says_that_auto_recharge_is_off(cli_db):
    invoke("account", "set", "--team", "T1")
    cli_context.accounts().set_autorecharge("T1", enabled=True, amount=usd(500),
                                            below=usd(100))
    code, output = invoke("account", "set", "--team", "T1", "--billing-type", "mca")
    assert code == 0 and "Auto-recharge is now off" in output
    assert "post-paid (never suspended)" in output and "SUSPENDED" not in output
    assert not cli_context.accounts().get("T1").autorecharge_enabled


def test_account_show_and_list_format_money_in_the_account_currency(cli_db, clock):
    invoke("account", "set", "--team", "T1", "--currency", "EUR")
    account = cli_context.accounts().get("T1")
    Ledger(cli_context.engine(), clock).deposit(account_id=account.id, amount=eur("1234.5"),
                                                key="d1", actor="test")
    cli_context.accounts().set_autorecharge("T1", enabled=True, amount=eur(500),
                                            below=eur("100.25"))
    code, output = invoke("account", "show")
    assert code == 0 and "€1,234.50" in output
    assert "add €500.00 when below €100.25" in output
    assert output.count("EUR") == 1  # the currency row: amounts are shown with their sign
    code, output = invoke("account", "list")
    assert code == 0 and "€1,234.50" in output and "1234.5 EUR" not in output


@pytest.mark.parametrize("args, message", [
    (["--region", "XX"], "two-letter country code"),
    (["--billing-type", "prepaid"], "mosa, ea, mca, csp"),
    (["--currency", "DOLLARS"], "ISO 4217"),
])
def test_account_set_refuses_bad_values_and_changes_nothing(cli_db, args, message):
    invoke("account", "set", "--team", "T1")
    code, output = invoke("account", "set", "--team", "T1", *args)
    assert code == 2 and message in output
    assert "US / US" in invoke("account", "show")[1]


def test_a_full_card_number_is_refused_and_not_echoed(cli_db):
    invoke("account", "set", "--team", "T1")
    code, output = invoke("account", "set-payment-method", "card", "--brand", "visa",
                          "--last4", "4242424242424242", "--expires", "2027-08")
    assert code == 2 and "4242424242424242" not in output
    shown = invoke("account", "show")[1]
    assert "4242" not in shown and "Visa" not in shown


def test_invoice_payment_method(cli_db):
    invoke("account", "set", "--team", "T1")
    code, output = invoke("account", "set-payment-method", "invoice", "--po", "PO-123")
    assert code == 0 and "invoice PO-123" in output


def test_ledger_check_passes_on_good_books_and_fails_on_a_tampered_balance(cli_db, clock):
    invoke("account", "set", "--team", "T1")
    engine = cli_context.engine()
    account = cli_context.accounts().get("T1")
    Ledger(engine, clock).deposit(account_id=account.id, amount=usd("100"), key="d1",
                                  actor="test")
    code, output = invoke("ledger", "check")
    assert code == 0 and "OK: 1 account(s)" in output
    with engine.begin() as conn:
        conn.execute(text("UPDATE accounts SET balance_micros = balance_micros + 1"))
    code, output = invoke("ledger", "check")
    assert code == 1 and "MISMATCH T1" in output
    assert "balance 100.000001 != sum of entries 100.000000" in output
