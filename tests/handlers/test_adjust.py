"""`/credits adjust`, `/credits balance sync` (confirmed, audited, booked once as an adjustment)
and `/credits credits` (the lots and their expiry), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from decimal import Decimal

import pytest

from bot.payments import SimulatedGateway
from handlers.blocks.adjust import CANCEL_ACTION, CONFIRM_ACTION
from tests import reads
from tests.conftest import make_bolt, make_settings
from tests.factories import audit_events, ledger_state, make_account
from tests.money import usd
from tests.payloads import TEAM
from tests.slack import GERMAN, MEMBER, BoltHarness

D = Decimal


@pytest.fixture
def money_bolt(local_slack, engine, clock) -> BoltHarness:
    """The real Bolt app on each engine (money changes are tested on both)."""
    settings = make_settings(slack_api_url=local_slack.api_url)
    return make_bolt(local_slack, engine, clock, settings=settings,
                     gateway=SimulatedGateway(clock))


@pytest.fixture
def account(money_bolt, clock):
    return make_account(money_bolt.engine, clock, team_id=TEAM, balance=D(1000))


def buttons(response) -> tuple[str, str]:
    blocks = json.loads(response.body)["blocks"]
    confirm, cancel = next(b for b in blocks if b["type"] == "actions")["elements"]
    assert (confirm["action_id"], cancel["action_id"]) == (CONFIRM_ACTION, CANCEL_ACTION)
    return confirm["value"], cancel["value"]


def responded(bolt) -> list[str]:
    return [str(call.params["text"]) for call in bolt.slack.calls_to("respond")]


def test_adjust_asks_first_then_books_once_and_is_audited(money_bolt, account):
    bolt = money_bolt
    response = bolt.command("adjust -25.50 wrong charge on 2026-10-30")
    assert json.loads(response.body)["text"] == (
        "Book an adjustment of *-$25.50* (wrong charge on 2026-10-30)? The balance would go "
        "from *$1,000.00* to *$974.50*.")
    assert ledger_state(bolt.engine, TEAM) == (D(1000), 1)  # nothing before the click
    confirm, _ = buttons(response)
    bolt.click(CONFIRM_ACTION, confirm)
    bolt.click(CONFIRM_ACTION, confirm)  # a double click books nothing more
    assert ledger_state(bolt.engine, TEAM) == (D("974.50"), 2)
    (entry,) = bolt.services.history.recent(account_id=account.id, limit=1)
    assert (entry.kind, entry.amount) == ("adjustment", usd("-25.50"))
    texts = responded(bolt)
    assert "booked an adjustment of *-$25.50* (wrong charge on 2026-10-30). The balance is " \
           "now *$974.50*." in texts[0]
    assert "answered already or has expired" in texts[1]
    actions = [e.action for e in audit_events(bolt.engine, TEAM)]
    assert "command.adjust" in actions and "action.adjust_confirm" in actions


def test_concurrent_confirms_book_once(money_bolt, account):
    bolt = money_bolt
    confirm, _ = buttons(bolt.command("adjust +40 goodwill"))
    threads = [threading.Thread(target=bolt.click, args=(CONFIRM_ACTION, confirm))
               for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert ledger_state(bolt.engine, TEAM) == (D(1040), 2)


def test_balance_sync_books_the_difference_to_microsofts_balance(money_bolt, account):
    bolt = money_bolt
    bolt.services.ledger.charge(account_id=account.id, amount=usd("71.25"), key="calls",
                                actor="t")
    response = bolt.command("balance sync $900.00")
    assert json.loads(response.body)["text"] == (
        "Microsoft shows *$900.00*, the bot *$928.75*. Book the difference, *-$28.75*, as an "
        "adjustment?")
    confirm, _ = buttons(response)
    bolt.click(CONFIRM_ACTION, confirm)
    assert ledger_state(bolt.engine, TEAM) == (D(900), 3)
    (entry,) = bolt.services.history.recent(account_id=account.id, limit=1)
    assert entry.kind == "adjustment" and entry.memo == "balance sync: Microsoft shows $900.00"
    assert "already, as Microsoft shows: nothing to book" in bolt.command_text(
        "balance sync 900")


def test_cancel_books_nothing(money_bolt, account):
    bolt = money_bolt
    _, cancel = buttons(bolt.command("balance sync 5000"))
    bolt.click(CANCEL_ACTION, cancel)
    assert "nothing was booked" in responded(bolt)[-1]
    assert ledger_state(bolt.engine, TEAM) == (D(1000), 1)


@pytest.mark.parametrize(("text", "words"), [
    ("adjust", "a signed amount, then the reason"),
    ("adjust 25", "a signed amount, then the reason"),
    ("adjust abc reason", "is not an amount"),
    ("adjust +0 nothing", "more than zero"),
    ("adjust -1.005 x", "at most 2 decimals"),
    ("balance sync", "the balance Microsoft's Teams admin center shows"),
    ("balance sync -5", "cannot be negative")])
def test_bad_input_shows_the_usage_and_books_nothing(money_bolt, account, text, words):
    answer = money_bolt.command_text(text)
    assert words in answer and "Usage:" in answer
    assert ledger_state(money_bolt.engine, TEAM) == (D(1000), 1)


def test_members_may_not_adjust_or_sync_but_see_the_balance(money_bolt, account):
    bolt = money_bolt
    assert "Only credits admins" in bolt.command_text("adjust +5 x", user=MEMBER)
    assert "Only credits admins" in bolt.command_text("balance sync 5", user=MEMBER)
    assert "*$1,000.00*" in bolt.command_text("balance", user=MEMBER)
    confirm, _ = buttons(bolt.command("adjust +5 x"))
    bolt.click(CONFIRM_ACTION, confirm, user=MEMBER)
    assert ledger_state(bolt.engine, TEAM) == (D(1000), 1)


def test_german_admin_is_asked_in_german(money_bolt, account):
    bolt = money_bolt
    bolt.slack.users[GERMAN].is_admin = True
    text = bolt.command_text("adjust +5 Kulanz", user=GERMAN)
    assert text.startswith("Eine Korrektur von *+5,00\xa0$* buchen (Kulanz)?")


def test_credits_lists_the_lots_and_when_they_expire(money_bolt, account, clock):
    bolt = money_bolt
    clock.advance(timedelta(days=30))
    bolt.services.ledger.deposit(account_id=account.id, amount=usd(500), key="second",
                                 actor="t")
    bolt.services.ledger.charge(account_id=account.id, amount=usd(300), key="calls", actor="t")
    text = bolt.command_text("credits", user=MEMBER)
    assert text.splitlines() == [
        "*$1,200.00* of purchased credits left, in 2 lots; calls use the oldest first, and "
        "what is left of a lot 12 months after its purchase expires:",
        "• *$700.00* left of $1,000.00 bought Nov 2, 2026, expires Nov 2, 2027 (in 335 days)",
        "• *$500.00* left of $500.00 bought Dec 2, 2026, expires Dec 2, 2027 (in 365 days)"]
    german = bolt.command_text("credits", user=GERMAN)
    assert ("*700,00\xa0$* übrig von 1.000,00\xa0$, gekauft 02.11.2026, verfällt 02.11.2027 "
            "(in 335 Tagen)") in german
    assert "2027-11-02" not in german


def test_funds_that_expire_are_alerted_when_they_expire(money_bolt, account, clock):
    bolt = money_bolt
    from bot.runtime.scheduler import build_runtime, sweep
    from storage.db import read_session

    runtime = build_runtime(bolt.services, bolt.app.client, bolt.context.settings, holder="t",
                            lease_ttl=timedelta(seconds=30))
    clock.advance(timedelta(days=366))
    sweep(runtime)
    with read_session(bolt.engine) as session:
        (expired,) = reads.list_messages(session=session, kind="funds_expired")
    assert expired.text.splitlines()[0] == (
        ":warning: $1,000.00 of credits expired unused today: credits expire 12 months after "
        "purchase.")
    sweep(runtime)  # once
    with read_session(bolt.engine) as session:
        assert len(reads.list_messages(session=session, kind="funds_expired")) == 1
