"""`/credits history [n]`: the last entries, signed, in the account's currency and time zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.history import HistoryEntry
from handlers.blocks.history import history_reply
from tests.factories import make_account
from tests.money import usd
from tests.payloads import TEAM
from tests.slack import GERMAN, MEMBER

USAGE = "Usage: `/credits history [n]`"


def post(bolt, account, clock, count: int) -> None:
    ledger = bolt.services.ledger
    for i in range(count):
        clock.advance(timedelta(hours=1))
        ledger.deposit(account_id=account.id, amount=usd(100 + i), key=f"d{i}", actor="A",
                       memo=f"deposit {i}")


def test_empty_ledger_says_so(bolt, clock):
    make_account(bolt.engine, clock, team_id=TEAM)
    assert "no entries yet" in bolt.command_text("history", user=MEMBER)


def test_entries_are_signed_newest_first_with_balance_and_memo(bolt, clock):
    account = make_account(bolt.engine, clock, team_id=TEAM, timezone="Europe/Berlin")
    ledger = bolt.services.ledger
    ledger.deposit(account_id=account.id, amount=usd(1000), key="d", actor="A", memo="Q4")
    clock.advance(timedelta(hours=2))
    ledger.charge(account_id=account.id, amount=usd("12.345"), key="c", actor="import")
    text = bolt.command_text("history", user=MEMBER)
    assert text.splitlines() == [
        "Last 2 ledger entries",
        "`Nov 2, 2026 12:00` charge *-$12.35* · balance $987.66",
        "`Nov 2, 2026 10:00` deposit *+$1,000.00* · balance $1,000.00 · _Q4_"]
    german = bolt.command_text("history 1", user=GERMAN)
    assert german.splitlines() == [
        "Die letzte Buchung", "`02.11.2026 12:00` Belastung *-12,35\xa0$* · Saldo 987,66\xa0$"]


def test_default_is_ten_and_n_picks_how_many(bolt, clock):
    account = make_account(bolt.engine, clock, team_id=TEAM)
    post(bolt, account, clock, 55)
    assert len(bolt.command_text("history").splitlines()) == 1 + 10
    text = bolt.command_text("history 3")
    assert text.splitlines()[0] == "Last 3 ledger entries" and "deposit 54" in text
    assert len(bolt.command_text("history 50").splitlines()) == 1 + 50


@pytest.mark.parametrize(("text", "words"), [
    ("history 0", "Ask for 1 to 50"), ("history 51", "Ask for 1 to 50"),
    ("history -1", "whole number from 1 to 50"), ("history ten", "whole number"),
    ("history 2.5", "whole number"), ("history 1 2", "whole number"),
    ("history ５", "whole number")])
def test_bad_counts_show_the_usage(bolt, clock, text, words):
    make_account(bolt.engine, clock, team_id=TEAM)
    answer = bolt.command_text(text)
    assert words in answer and USAGE in answer


def test_builder_splits_long_histories_into_sections():
    when = datetime(2026, 1, 1, tzinfo=UTC)
    entries = [HistoryEntry("expiry", usd(-1), usd(0), "x" * 200, "system", when)] * 45
    reply = history_reply(entries, currency="USD", timezone="UTC", locale=None)
    assert reply.blocks is not None
    assert [b["type"] for b in reply.blocks] == ["header", "section", "section", "section"]
    assert reply.text.splitlines()[1] == (
        "`Jan 1, 2026 00:00` expiry *-$1.00* · balance $0.00 · _" + "x" * 79 + "…_")
    assert all(len(b["text"]["text"]) <= 3000 for b in reply.blocks)
