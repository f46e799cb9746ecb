"""A de-DE user reads every refusal in German (issue 10, item 9): bad amounts, usage hints,
rights, payment refusals, rate questions, refused files. Through signed requests."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.console.local_slack import SlackChannel, SlackUser
from tests import payloads
from tests.factories import audit_events, ledger_state, make_account
from tests.handlers.test_file_import import share, summary_of
from tests.slack import ADMIN, GERMAN

GERMAN_ADMIN = "U0DEADMIN"


@pytest.fixture
def account(bolt, clock):
    return make_account(bolt.engine, clock, team_id=payloads.TEAM, balance=Decimal(100))


@pytest.fixture
def german_admin(bolt):
    bolt.slack.add_user(SlackUser(GERMAN_ADMIN, "greta", email="greta@contoso.example",
                                  locale="de-DE", is_admin=True))
    return GERMAN_ADMIN


def test_a_word_for_an_amount_is_no_amount_in_german(bolt, account, german_admin):
    text = bolt.command_text("deposit abc", user=german_admin)
    assert "`abc` ist kein Betrag. Schreiben Sie ihn wie `1000`" in text
    assert "Aufruf: `/credits deposit <amount> [memo]`" in text
    assert "is not an amount" not in text and "Usage:" not in text
    assert ledger_state(bolt.engine, payloads.TEAM) == (Decimal(100), 1)
    english = bolt.command_text("deposit abc", user=ADMIN)
    assert "`abc` is not an amount. Write it like `1000`" in english
    assert "Usage: `/credits deposit <amount> [memo]`" in english


@pytest.mark.parametrize(("command", "german"), [
    ("autorecharge on x below 100", "Aufladebetrag: `x` ist kein Betrag."),
    ("autorecharge on 500 below -5", "Auslöser: Ein Betrag kann nicht negativ sein."),
    ("autorecharge on 500", "Schreiben Sie `autorecharge on 500 below 100`: 500 $ aufladen"),
    ("deposit", "Geben Sie den Betrag der Einzahlung an"),
    ("deposit 1", "Die kleinste Einzahlung ist 50,00\xa0$."),
    ("deposit 10.555", "Geldbeträge haben höchstens 2 Nachkommastellen."),
    ("alerts channel general", "`general` ist kein Kanal. Aufruf: `/credits alerts"),
    ("alerts frobnicate", "Sagen Sie, was sich ändern soll: `alerts add 500`"),
    ("adjust +abc wrong charge", "`abc` ist kein Betrag. Schreiben Sie ihn wie `1000`, `1,000` "
     "oder `$1,000.00`. Schreiben Sie `adjust +25.00"),
    ("balance sync lots", "`lots` ist kein Betrag. Schreiben Sie ihn wie `1000`, `1,000` oder "
     "`$1,000.00`. Schreiben Sie `balance sync 1234.56`"),
    ("license assign", "Erwähnen Sie mindestens eine Person, zum Beispiel"),
])
def test_an_admin_commands_usage_errors_read_in_german(bolt, account, german_admin, command,
                                                         german):
    text = bolt.command_text(command, user=german_admin)
    assert text.startswith(":warning: ") and german in text
    assert ledger_state(bolt.engine, payloads.TEAM) == (Decimal(100), 1)


@pytest.mark.parametrize(("command", "german"), [
    ("deposit 100", "Das dürfen nur Credits-Admins. Fragen Sie einen Workspace-Admin"),
    ("history lots", "Geben Sie die Anzahl der Einträge als ganze Zahl von 1 bis 50 an."),
    ("history 99", "Fragen Sie nach 1 bis 50 Einträgen."),
    ("usage by colour", "Gruppieren Sie die Nutzung `by user`, `by destination` oder `by day`."),
    ("rate xyzzy", "Ich kenne kein Land und keine Nummer `xyzzy`. Fragen Sie nach einer Nummer"),
    ("rate +999 1234", "`+999 1234` beginnt nicht mit einer Ländervorwahl. Schreiben Sie sie "
     "mit Ländervorwahl"),
    ("payment now", "Der Befehl nimmt keine Argumente, oder `set`"),
])
def test_a_members_refusals_read_in_german(bolt, account, command, german):
    text = bolt.command_text(command, user=GERMAN)
    assert german in text, text


def test_a_declined_card_is_declined_in_german(bolt, clock, german_admin):
    make_account(bolt.engine, clock, team_id=payloads.TEAM, card_last4="0002")
    text = bolt.command_answer("deposit 100", user=german_admin)
    assert "Ihre Karte wurde abgelehnt." in text and "Your card" not in text
    assert ledger_state(bolt.engine, payloads.TEAM) == (Decimal(0), 0)


def test_a_reseller_account_is_refused_in_german_and_audited_in_english(bolt, clock,
                                                                        german_admin):
    make_account(bolt.engine, clock, team_id=payloads.TEAM, billing_type="csp")
    text = bolt.command_text("deposit 100", user=german_admin)
    assert "Dieses Konto wird über einen Reseller (CSP) abgerechnet" in text
    [refused] = audit_events(bolt.engine, payloads.TEAM, result="error")
    assert refused.detail.startswith("This account is billed through a reseller (CSP)")


def test_help_gives_every_summary_in_german(bolt, account):
    text = bolt.command_text("help", user=GERMAN)
    assert "die letzten n Buchungen (standardmäßig 10, höchstens 50)" in text
    assert "the last n" not in text


def test_a_file_that_is_no_usage_export_is_refused_in_german(bolt, account, german_admin):
    share(bolt, b"name,colour\nx,blue\n", name="notes.csv", user=german_admin)
    text = summary_of(bolt)
    assert "Diese Datei ist kein Nutzungsexport, den ich lesen kann" in text
    assert "not a usage export" not in text


def test_a_refusal_written_for_a_german_admin_is_audited_in_english(bolt, account, german_admin):
    bolt.slack.add_channel(SlackChannel("C0OLD", "old", is_archived=True))
    text = bolt.command_answer("alerts channel <#C0OLD|old>", user=german_admin)
    assert "<#C0OLD> ist archiviert" in text
    [refused] = audit_events(bolt.engine, payloads.TEAM, result="error")
    assert refused.detail.startswith("<#C0OLD> is archived, so alerts could not be posted")
