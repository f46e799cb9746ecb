"""`/credits autorecharge`: shown to everyone in their locale, changed by admins only."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest

from handlers.blocks.autorecharge import CANCEL_ACTION, CONFIRM_ACTION
from tests.factories import audit_events, ledger_state, make_account
from tests.money import usd
from tests.payloads import TEAM
from tests.slack import CREDITS_ADMIN, GERMAN, MEMBER

USAGE = "Usage: `/credits autorecharge [on <amount> below <trigger> | off]`"


def setting(bolt):
    account = bolt.services.accounts.get(TEAM)
    return account.autorecharge_enabled, account.autorecharge_amount, account.autorecharge_below


def test_show_when_off(bolt, clock):
    make_account(bolt.engine, clock, team_id=TEAM)
    text = bolt.command_text("autorecharge", user=MEMBER)
    assert "Auto-recharge is *off*." in text and "autorecharge on <amount>" in text


def test_admin_turns_it_on_and_everyone_sees_it(bolt, clock):
    make_account(bolt.engine, clock, team_id=TEAM, balance=Decimal(2000))
    text = bolt.command_text("autorecharge on $1,000 below 250.50", user=CREDITS_ADMIN)
    assert "now *on*: add *$1,000.00* when the balance is below *$250.50*" in text
    assert "Visa ending 4242" in text and "below the trigger already" not in text
    assert setting(bolt) == (True, usd(1000), usd("250.5"))
    assert "add *$1,000.00* when the balance is below *$250.50*" in bolt.command_text(
        "autorecharge", user=MEMBER)
    german = bolt.command_text("autorecharge", user=GERMAN)
    assert "*1.000,00\xa0$* aufladen, wenn das Guthaben unter *250,50\xa0$*" in german
    assert audit_events(bolt.engine, TEAM)[-1].action == "command.autorecharge"


def confirmed(bolt, text: str) -> str:
    """Run a setting that warns, press its Confirm, and return what the click answered."""
    response = bolt.command(text)
    blocks = json.loads(response.body)["blocks"]
    (confirm, _) = next(b for b in blocks if b["type"] == "actions")["elements"]
    assert confirm["action_id"] == CONFIRM_ACTION
    bolt.click(CONFIRM_ACTION, confirm["value"])
    return str(bolt.slack.calls_to("respond")[-1].params["text"])


def test_shown_in_the_accounts_currency(bolt, clock):
    make_account(bolt.engine, clock, team_id=TEAM, currency="EUR", balance=Decimal(1000))
    bolt.command_text("autorecharge on 500 below 100")
    assert "add *€500.00* when the balance is below *€100.00*" in bolt.command_text(
        "autorecharge", user=MEMBER)
    assert "*500,00\xa0€* aufladen" in bolt.command_text("autorecharge", user=GERMAN)


def test_turning_on_below_the_trigger_buys_the_first_recharge_at_once(bolt, clock):
    make_account(bolt.engine, clock, team_id=TEAM, balance=Decimal(80))
    text = confirmed(bolt, "autorecharge on 500 below 100")
    assert "the first recharge was bought now: the balance is $580.00" in text
    account = bolt.services.accounts.get(TEAM)
    assert account.balance == usd(580)
    kinds = [entry.kind for entry in bolt.services.history.recent(account_id=account.id, limit=5)]
    assert kinds.count("recharge") == 1


def test_turning_on_below_the_trigger_with_a_declined_card_says_why(bolt, clock):
    make_account(bolt.engine, clock, team_id=TEAM, balance=Decimal(80), card_last4="0002")
    text = confirmed(bolt, "autorecharge on 500 below 100")
    assert "the first recharge failed: your card was declined. It is retried" in text
    assert bolt.services.accounts.get(TEAM).balance == usd(80)


def test_the_reply_without_a_recharger_says_the_next_check_buys():
    from handlers.blocks.autorecharge import autorecharge_on_reply
    from tests.factories import account_view

    reply = autorecharge_on_reply(account_view(balance=Decimal(80), amount=Decimal(500),
                                               below=Decimal(100)),
                                  method="Visa ending 4242", locale="en-US")
    assert reply.text.endswith("The balance ($80.00) is below the trigger already: the first "
                               "recharge runs at the next check.")


def test_admin_turns_it_off(bolt, clock):
    make_account(bolt.engine, clock, team_id=TEAM)
    bolt.command_text("autorecharge on 500 below 100")
    assert "now *off*" in bolt.command_text("autorecharge OFF")
    assert setting(bolt)[0] is False
    assert "Auto-recharge is *off*." in bolt.command_text("autorecharge", user=MEMBER)


@pytest.mark.parametrize("text", ["autorecharge on 500 below 100", "autorecharge off"])
def test_member_cannot_change_it(bolt, clock, text):
    make_account(bolt.engine, clock, team_id=TEAM)
    assert "Only credits admins" in bolt.command_text(text, user=MEMBER)
    assert setting(bolt) == (False, None, None)
    (denied,) = audit_events(bolt.engine, TEAM, result="denied")
    assert (denied.actor, denied.action) == (MEMBER, "command.autorecharge")


@pytest.mark.parametrize(("text", "words"), [
    ("autorecharge on", "autorecharge on 500 below 100"),
    ("autorecharge on 500", "autorecharge on 500 below 100"),
    ("autorecharge on 500 above 100", "autorecharge on 500 below 100"),
    ("autorecharge on 500 below", "autorecharge on 500 below 100"),
    ("autorecharge on 500 below 100 now", "autorecharge on 500 below 100"),
    ("autorecharge off now", "autorecharge on 500 below 100"),
    ("autorecharge maybe", "autorecharge on 500 below 100"),
    ("autorecharge on -5 below 100", "The recharge amount: An amount cannot be negative"),
    ("autorecharge on 0 below 100", "The recharge amount: An amount must be more than zero"),
    ("autorecharge on 500 below 0", "The trigger: An amount must be more than zero"),
    ("autorecharge on 500 below -1", "The trigger: An amount cannot be negative"),
    ("autorecharge on 500 below 1e2", "The trigger: `1e2` is not an amount"),
    ("autorecharge on 500.001 below 100", "at most 2 decimals"),
    ("autorecharge on NaN below 100", "is not an amount")])
def test_malformed_settings_show_the_usage(bolt, clock, text, words):
    make_account(bolt.engine, clock, team_id=TEAM)
    answer = bolt.command_text(text)
    assert words in answer and USAGE in answer
    assert setting(bolt) == (False, None, None)


@pytest.mark.parametrize(("text", "words"), [
    ("autorecharge on 49.99 below 10", "The smallest deposit is $50.00"),
    ("autorecharge on 2000000 below 10", "at most $1,000,000.00")])
def test_recharge_amount_obeys_the_deposit_bounds(bolt, clock, text, words):
    make_account(bolt.engine, clock, team_id=TEAM)
    assert words in bolt.command_text(text)
    assert setting(bolt) == (False, None, None)


def test_no_payment_method_refuses_to_turn_it_on(bolt, clock):
    make_account(bolt.engine, clock, team_id=TEAM, card_last4=None)
    assert "/credits payment set" in bolt.command_text("autorecharge on 500 below 100")
    assert setting(bolt) == (False, None, None)


def test_reseller_account_cannot_turn_it_on(bolt, clock):
    make_account(bolt.engine, clock, team_id=TEAM, billing_type="csp")
    assert "reseller" in bolt.command_text("autorecharge on 500 below 100")
    assert setting(bolt) == (False, None, None)


# -- settings that buy at once or again and again: a warning and a confirmation ---------------

def test_a_trigger_above_the_balance_and_a_short_amount_warn_and_wait_for_confirm(bolt, clock):
    make_account(bolt.engine, clock, team_id=TEAM, balance=Decimal(928))
    text = bolt.command_text("autorecharge on 100 below 5000")
    assert ("The trigger *$5,000.00* is at or above the balance (*$928.00*): *$100.00* is "
            "bought at once.") in text
    assert ("*$100.00* does not lift the balance above the trigger (it is *$3,972.00* short): "
            "a recharge is bought again after every charge, up to 5 times in 24 hours.") in text
    assert "Turn auto-recharge on anyway (add *$100.00* when below *$5,000.00*)?" in text
    # Nothing is set or bought before the confirmation.
    assert setting(bolt) == (False, None, None) and bolt.services.gateway.charges == []
    bolt.slack.users[GERMAN].is_admin = True
    german = bolt.command_text("autorecharge on 100 below 5000", user=GERMAN)
    assert "Der Auslöser *5.000,00\xa0$* liegt auf oder über dem Guthaben" in german


def test_the_confirmation_turns_it_on_once(bolt, clock):
    make_account(bolt.engine, clock, team_id=TEAM, balance=Decimal(928))
    response = bolt.command("autorecharge on 100 below 5000")
    blocks = json.loads(response.body)["blocks"]
    (confirm, cancel) = next(b for b in blocks if b["type"] == "actions")["elements"]
    bolt.click(CONFIRM_ACTION, confirm["value"], user=MEMBER)  # a member: refused
    assert setting(bolt) == (False, None, None)
    bolt.click(CONFIRM_ACTION, confirm["value"])
    bolt.click(CONFIRM_ACTION, confirm["value"])  # a double click
    assert setting(bolt) == (True, usd(100), usd(5000))
    assert [c.amount for c in bolt.services.gateway.charges] == [usd(100)]
    texts = [str(c.params["text"]) for c in bolt.slack.calls_to("respond")]
    assert "Only credits admins" in texts[0] and "now *on*" in texts[1]
    assert "answered already or has expired" in texts[2]
    bolt.click(CANCEL_ACTION, cancel["value"])
    assert setting(bolt) == (True, usd(100), usd(5000))


def test_cancel_changes_nothing(bolt, clock):
    make_account(bolt.engine, clock, team_id=TEAM, balance=Decimal(50))
    response = bolt.command("autorecharge on 500 below 100")
    (_, cancel) = next(b for b in json.loads(response.body)["blocks"]
                       if b["type"] == "actions")["elements"]
    bolt.click(CANCEL_ACTION, cancel["value"])
    assert "auto-recharge was not changed" in str(bolt.slack.calls_to("respond")[-1].params)
    assert setting(bolt) == (False, None, None) and ledger_state(bolt.engine, TEAM)[0] == 50


def test_a_setting_below_the_balance_needs_no_confirmation(bolt, clock):
    make_account(bolt.engine, clock, team_id=TEAM, balance=Decimal(928))
    assert "now *on*" in bolt.command_text("autorecharge on 500 below 100")


# -- the runaway guard: paused, and its cap a setting ----------------------------------------

def test_autorecharge_shows_paused_until_after_the_cap(bolt, clock):
    make_account(bolt.engine, clock, team_id=TEAM, balance=Decimal(1000))
    bolt.command_text("autorecharge on 100 below 500")
    account = bolt.services.accounts.get(TEAM)
    for n in range(6):  # each charge takes the balance below $500: a recharge each, capped at 5
        clock.advance(timedelta(minutes=10))
        bolt.services.ledger.charge(account_id=account.id, amount=usd(600),
                                    key=f"calls:{n}", actor="t")
    assert len(bolt.services.gateway.charges) == 5
    text = bolt.command_text("autorecharge", user=MEMBER)
    assert "Auto-recharge is *on*" in text
    assert "It is *paused until Nov 3, 2026 09:10 UTC*: it bought credits 5 times in 24 hours" in (
        text)
    assert "bis 03.11.2026 09:10 UTC pausiert" in bolt.command_text("autorecharge", user=GERMAN)
    clock.advance(timedelta(hours=24))
    assert "paused" not in bolt.command_text("autorecharge", user=MEMBER)


def test_the_cap_is_a_setting(local_slack, sqlite_engine, clock):
    from bot.payments import SimulatedGateway
    from tests.conftest import make_bolt, make_settings

    settings = make_settings(slack_api_url=local_slack.api_url, credits_recharge_cap_per_day=2)
    bolt = make_bolt(local_slack, sqlite_engine, clock, settings=settings,
                     gateway=SimulatedGateway(clock))
    make_account(sqlite_engine, clock, team_id=TEAM, balance=Decimal(1000))
    bolt.command_text("autorecharge on 100 below 500")
    account = bolt.services.accounts.get(TEAM)
    for n in range(4):
        clock.advance(timedelta(minutes=10))
        bolt.services.ledger.charge(account_id=account.id, amount=usd(600),
                                    key=f"calls:{n}", actor="t")
    assert len(bolt.services.gateway.charges) == 2
    assert "bought credits 2 times in 24 hours" in bolt.command_text("autorecharge")
