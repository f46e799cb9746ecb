"""The local console: lines in, the real app's answers out, on a demo account."""

import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from rich.console import Console
from slack_sdk import WebClient

from bot.console.demo import demo_start
from bot.console.session import DEMO_DEPOSIT, TEAM_ID, banner, start_console
from bot.money import Money
from bot.payments import SimulatedGateway
from storage.db import read_session
from storage.ledger import list_entries
from tests.conftest import make_settings
from tests.console_screen import type_lines
from tests.money import usd

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def console(sqlite_engine, clock, tmp_path):
    screen = Console(record=True, width=200, color_system=None)
    run = start_console(make_settings(), engine=sqlite_engine, clock=clock,
                        gateway=SimulatedGateway(clock), out=screen, files_dir=tmp_path / "files")
    yield run, screen
    run.close()


def balance(run):
    return run.services.accounts.get(TEAM_ID).balance


def test_demo_account_has_a_card_and_the_first_deposit_once(console, sqlite_engine, clock,
                                                             tmp_path):
    run, _ = console
    account = run.services.accounts.get(TEAM_ID)
    assert account.payment.last4 == "4242" and not account.payment.expired(clock.now())
    with read_session(sqlite_engine) as session:
        entries = list_entries(session=session, account_id=account.id)
    # The first deposit, then one charge for the month of demo calls.
    assert [entry.kind for entry in entries] == ["charge", "deposit"]
    # Booked at the start of the demo month, before its first call, not today.
    assert entries[1].created_at == demo_start(clock.now()) < clock.now() - timedelta(days=29)
    demo_charge = Money.from_micros(entries[0].amount_micros, account.currency)
    assert demo_charge.is_negative
    assert account.balance == Money(DEMO_DEPOSIT, account.currency) + demo_charge
    again = start_console(make_settings(), engine=sqlite_engine, clock=clock,
                          gateway=SimulatedGateway(clock), out=Console(quiet=True),
                          files_dir=tmp_path)
    again.close()
    assert balance(run) == account.balance


def test_command_dm_and_home(console):
    shown = type_lines(console, "/credits balance", "what's our balance?", "home")
    assert shown.count(balance(console[0]).format()) >= 3
    assert "bot (only you can see this):" in shown  # the command's ephemeral ack
    assert "App Home:" in shown and "Licensed users: 1" in shown


def test_large_deposit_is_confirmed_by_a_click(console):
    run, _ = console
    start = balance(run)
    shown = type_lines(console, "/credits deposit 20000")
    assert "click deposit_confirm" in shown
    shown = type_lines(console, "click deposit_confirm")
    assert "you clicked Confirm" in shown and (start + usd(20000)).format() in shown
    assert balance(run) == start + usd(20000)


def test_help_unknown_commands_and_exit(console):
    shown = type_lines(console, "help", "/foo", "click nothing", "exit", "/credits balance")
    assert "click ACTION VALUE" in shown
    assert "Only /credits is a command of this app (/foo)" in shown
    assert "No button nothing was shown" in shown
    assert balance(console[0]).format() not in shown  # nothing after exit


def test_uploaded_files_are_saved_and_named(console, tmp_path):
    run, screen = console
    client = WebClient(token="xoxb-console-local", base_url=run.slack.api_url)
    client.files_upload_v2(content=b"a,b\n1,2\n", filename="usage.csv", channel="D0CONSOLE",
                           initial_comment="Your export")
    shown = screen.export_text()
    assert "bot uploaded a file: usage.csv (8 bytes)" in shown and "Your export" in shown
    assert (tmp_path / "files" / "usage.csv").read_bytes() == b"a,b\n1,2\n"


def piped_console(tmp_path, lines: str, *options: str, **env_vars: str):
    """`credits-bot console` in a subprocess, fed `lines`, on a database of its own and no
    Slack settings from the environment (the README's piped session)."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'console.db'}",
           "PYTHONPATH": str(ROOT), **env_vars}
    for name in ("SLACK_API_URL", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "CREDITS_ADMINS"):
        env.pop(name, None)
    result = subprocess.run([sys.executable, "-m", "bot", "console", *options, "--files-dir",
                             str(tmp_path / "files")], input=lines, capture_output=True,
                            text=True, env=env, cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr
    return result


@pytest.mark.slow
def test_piped_console_end_to_end(tmp_path):
    lines = "/credits balance\nwhat is our balance?\n/credits deposit 500\n/credits balance\n"
    result = piped_console(tmp_path, lines)
    out = result.stdout
    assert out.startswith("Credits Bot local console: sample prices")
    assert "you> what is our balance?" in out
    shown = re.findall(r"balance is \$([\d,]+\.\d\d)", out)
    start = usd(shown[0].replace(",", ""))
    assert shown[1] == shown[0]  # the command and the DM
    assert "Deposited $500.00" in out
    assert f"balance is {(start + usd(500)).format()}" in out


def test_locale_line_switches_language_and_refuses_nonsense(console):
    run, _ = console
    shown = type_lines(console, "Wie hoch ist das Guthaben?")
    assert "Your Communications Credits balance is" in shown  # Slack's locale wins: en-US
    shown = type_lines(console, "locale de-de", "Wie hoch ist das Guthaben?")
    assert "Ihre Slack-Sprache ist jetzt de-DE" in shown  # the console's own lines follow it
    assert "Ihr Guthaben an Communications Credits beträgt" in shown
    shown = type_lines(console, "locale", "locale 12-ab!")
    assert shown.count("Aufruf: locale SPRACHE-REGION") == 2 and "(jetzt de-DE)" in shown
    assert run.slack.users["U0CONSOLE"].locale == "de-DE"
    shown = type_lines(console, "help", "/foo", "click nothing")
    assert "locale de-DE" in shown and "ab jetzt Ihre Slack-Sprache" in shown
    assert ("alles andere        eine Direktnachricht an den Bot: Wie hoch ist das Guthaben?"
            in shown)
    assert "Nur /credits ist ein Befehl dieser App (/foo)" in shown
    assert "Es wurde keine Schaltfläche nothing gezeigt." in shown
    shown = type_lines(console, "locale en-US", "help")
    assert "your Slack locale is now en-US" in shown and "your Slack locale from now on" in shown


@pytest.mark.slow
@pytest.mark.parametrize(("locale", "language"), [("en-US", "en-US"), ("de-DE", "de-DE"),
                                                 ("ja-JP", "en-US")])
def test_a_demo_account_started_in_german_writes_its_alerts_in_german(sqlite_engine, clock,
                                                                       tmp_path, locale,
                                                                       language):
    run = start_console(make_settings(), engine=sqlite_engine, clock=clock,
                        gateway=SimulatedGateway(clock), out=Console(quiet=True),
                        files_dir=tmp_path / "files", locale=locale)
    try:
        accounts = run.services.accounts
        assert accounts.get(TEAM_ID).language == language
    finally:
        run.close()


def test_piped_console_answers_in_the_locale_switched_to(tmp_path):
    lines = "Wie hoch ist das Guthaben?\nlocale de-DE\nWie hoch ist das Guthaben?\n"
    result = piped_console(tmp_path, lines)
    english, german = result.stdout.split("you> locale de-DE")
    assert "balance is" in english and "beträgt" not in english
    assert "Ihr Guthaben an Communications Credits beträgt" in german
    # Started in German, it answers in German from the first line.
    result = piped_console(tmp_path, "what is our balance?\n", "--locale", "de-DE")
    assert "Ihr Guthaben an Communications Credits beträgt" in result.stdout


def test_a_piped_session_shows_the_alert_its_last_line_fired(tmp_path):
    # The relay delivers every few seconds; a piped session ends sooner, and its alert was
    # never seen. The console delivers what is due before it ends.
    lines = ("/credits alerts language de-DE\n/credits alerts add 900\n"
             "/credits adjust -50 Korrektur\nclick adjust_confirm\n")
    result = piped_console(tmp_path, lines, CREDITS_OUTBOX_SECONDS="3600")
    after = result.stdout.split("you> click adjust_confirm")[1]
    assert "Die Communications Credits werden knapp" in after  # in the account's language


def test_the_banner_speaks_the_consoles_language():
    settings = make_settings(database_url="sqlite:///demo.db")
    shown = {}
    for locale in ("en-US", "de-DE"):
        screen = Console(record=True, width=300, color_system=None)
        screen.print(banner(settings, locale), highlight=False)
        shown[locale] = screen.export_text()
    assert shown["en-US"].startswith("Credits Bot local console: sample prices, a demo account "
                                     "in demo.db. Type help for what you can type.")
    assert shown["de-DE"].startswith("Credits Bot – lokale Konsole: Beispielpreise, ein "
                                     "Demokonto in demo.db. Geben Sie help ein")
