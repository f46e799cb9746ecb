"""The buttons of alert messages: Recharge now (once per alert), Turn on auto-recharge, Show
usage; admins only, and every click in the audit log."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal

import pytest

from bot.accounts import PaymentMethod
from bot.alerts import rules as alerts
from bot.alerts import texts as alert_texts
from handlers.blocks.alert_messages import (
    AUTORECHARGE_ON_ACTION,
    RECHARGE_NOW_ACTION,
    SHOW_USAGE_ACTION,
    alert_blocks,
)
from handlers.blocks.autorecharge_modal import (
    AMOUNT_BLOCK,
    AMOUNT_INPUT,
    BELOW_BLOCK,
    BELOW_INPUT,
    CALLBACK_ID,
)
from handlers.blocks.deposit import CONFIRM_ACTION
from handlers.blocks.payment_modal import CALLBACK_ID as PAYMENT_FORM
from handlers.blocks.payment_modal import CHANGE_ACTION
from storage.db import read_session
from tests import payloads, reads
from tests.factories import audit_events, ledger_state, make_account
from tests.money import usd
from tests.payloads import TEAM
from tests.slack import ADMIN, CREDITS_ADMIN, GERMAN, MEMBER

D = Decimal


@pytest.fixture
def account(bolt, clock):
    made = make_account(bolt.engine, clock, team_id=TEAM, balance=D(100))
    bolt.services.accounts.set_alert_channel(TEAM, "C0ALERTS")
    return made


def responses(bolt) -> list[dict]:
    return [call.params for call in bolt.slack.calls_to("respond")]


def last_text(bolt) -> str:
    return str(responses(bolt)[-1]["text"])


def snapshot(**changes):
    base = dict(id=1, team_id="T1", name="", currency="USD", timezone="UTC", region="US",
                billing_region="US", billing_type="mosa", balance=usd("150"), version=3,
                suspended=False, suspended_at=None, autorecharge_enabled=False,
                autorecharge_amount=None, autorecharge_below=None, alert_channel=None,
                payment=PaymentMethod("card", "visa", "4242", 8, 2030))
    base.update(changes)
    return alerts.AccountView(**base)


# -- the blocks ------------------------------------------------------------------------------

def test_alert_blocks_say_what_happened_the_balance_what_next_and_carry_the_key():
    alert = alert_texts.low_balance_alert(snapshot(), [usd(200)], episode=3)
    blocks = alert_blocks(alert)
    assert blocks[0]["text"]["text"] == (
        ":warning: *Communications Credits are low: the balance fell below $200.00.*\n"
        "Balance: *$150.00*")
    assert blocks[1]["elements"][0]["text"].startswith("*Next:* add credits with `/credits")
    (actions,) = [b for b in blocks if b["type"] == "actions"]
    assert [(e["action_id"], e["value"]) for e in actions["elements"]] == [
        (RECHARGE_NOW_ACTION, alert.key), (AUTORECHARGE_ON_ACTION, alert.key),
        (SHOW_USAGE_ACTION, alert.key)]
    assert actions["elements"][0]["confirm"]["confirm"]["text"] == "Buy"


def test_recharge_now_names_the_amount_it_buys_in_its_confirmation():
    alert = replace(alert_texts.low_balance_alert(snapshot(), [usd(200)], episode=3),
                    recharge_amount=usd(450))
    (actions,) = [b for b in alert_blocks(alert) if b["type"] == "actions"]
    recharge = actions["elements"][0]
    assert recharge["confirm"]["title"]["text"] == "Buy $450.00?"
    assert recharge["confirm"]["text"]["text"] == (
        "This buys *$450.00* of credits now with the payment method on file.")
    assert recharge["value"] == f"{alert.key}#450"


def test_a_card_alert_carries_the_button_that_opens_the_payment_form():
    blocks = alert_blocks(alert_texts.card_alert(snapshot(), (alerts.CARD_EXPIRED, 0)))
    assert [b["type"] for b in blocks] == ["section", "context", "actions"]
    [change] = blocks[2]["elements"]
    assert (change["action_id"], change["text"]["text"]) == (CHANGE_ACTION,
                                                              "Change the payment method")
    assert "/credits payment set" in blocks[1]["elements"][0]["text"]  # not the shell


def test_a_refused_card_alert_offers_the_form_not_another_purchase():
    failed = alert_texts.recharge_failed_alert(
        snapshot(), attempt_id="a1", tries=1, amount=usd(500), reason="Your card was declined.",
        code="card_declined", next_try=None, card_problem=True)
    actions = [b for b in alert_blocks(failed) if b["type"] == "actions"]
    assert [e["action_id"] for e in actions[0]["elements"]] == [CHANGE_ACTION, SHOW_USAGE_ACTION]


def test_the_card_alerts_button_opens_the_form_for_an_admin_only(bolt, account):
    alert = alert_texts.card_alert(bolt.services.accounts.get(TEAM), (alerts.CARD_EXPIRING, 5))
    bolt.click(CHANGE_ACTION, alert.key, user=MEMBER)
    assert bolt.slack.calls_to("views.open") == []
    bolt.click(CHANGE_ACTION, alert.key)
    (opened,) = bolt.slack.calls_to("views.open")
    view = opened.params["view"]
    assert (json.loads(view) if isinstance(view, str) else view)["callback_id"] == PAYMENT_FORM


# -- the clicks ------------------------------------------------------------------------------

def test_recharge_now_buys_the_auto_recharge_amount_once_per_alert(bolt, account):
    bolt.services.accounts.set_autorecharge(TEAM, enabled=True, amount=usd(300), below=usd(50))
    bolt.click(RECHARGE_NOW_ACTION, "low:1:200000000:3")
    assert "Deposited *$300.00*" in last_text(bolt)
    bolt.click(RECHARGE_NOW_ACTION, "low:1:200000000:3", user=CREDITS_ADMIN)  # a double click
    assert "already bought from this alert" in last_text(bolt)
    assert ledger_state(bolt.engine, TEAM) == (D(400), 2)
    assert [c.amount for c in bolt.services.gateway.charges] == [usd(300)]
    bolt.click(RECHARGE_NOW_ACTION, "zero:1:9")  # another alert buys again
    assert ledger_state(bolt.engine, TEAM) == (D(700), 3)
    assert [e.result for e in audit_events(bolt.engine, TEAM)
            if e.action == f"action.{RECHARGE_NOW_ACTION}"] == ["ok", "ok", "ok"]


def test_recharge_now_buys_the_amount_its_confirmation_named(bolt, account):
    # The value the blocks write is the value the click reads: not the auto-recharge amount.
    bolt.services.accounts.set_autorecharge(TEAM, enabled=True, amount=usd(300), below=usd(50))
    alert = replace(alert_texts.low_balance_alert(bolt.services.accounts.get(TEAM), [usd(200)],
                                                  episode=3), recharge_amount=usd(450))
    (actions,) = [b for b in alert_blocks(alert) if b["type"] == "actions"]
    bolt.click(RECHARGE_NOW_ACTION, actions["elements"][0]["value"])
    assert "Deposited *$450.00*" in last_text(bolt)
    assert [c.amount for c in bolt.services.gateway.charges] == [usd(450)]
    assert ledger_state(bolt.engine, TEAM) == (D(550), 2)


def test_recharge_now_without_auto_recharge_buys_the_recommended_amount(bolt, account):
    bolt.click(RECHARGE_NOW_ACTION, "low:1:200000000:3")
    # No spend yet and under 250 licensed users: Microsoft's table says $1,000.
    assert "Deposited *$1,000.00*" in last_text(bolt)
    assert ledger_state(bolt.engine, TEAM) == (D(1100), 2)


def test_a_large_recharge_now_asks_for_the_deposit_confirmation(bolt, account):
    bolt.services.accounts.set_autorecharge(TEAM, enabled=True, amount=usd(20000), below=usd(50))
    bolt.click(RECHARGE_NOW_ACTION, "low:1:200000000:3")
    (reply,) = responses(bolt)
    (block,) = [b for b in reply["blocks"] if b["type"] == "actions"]
    assert block["elements"][0]["action_id"] == CONFIRM_ACTION
    assert ledger_state(bolt.engine, TEAM) == (D(100), 1)
    bolt.click(CONFIRM_ACTION, block["elements"][0]["value"])
    assert ledger_state(bolt.engine, TEAM) == (D(20100), 2)


def test_a_refused_card_explains_and_changes_nothing(bolt, clock):
    make_account(bolt.engine, clock, team_id=TEAM, balance=D(100), card_last4="0002")
    bolt.click(RECHARGE_NOW_ACTION, "low:1:200000000:3")
    assert "declined" in last_text(bolt)
    assert ledger_state(bolt.engine, TEAM) == (D(100), 1)
    assert audit_events(bolt.engine, TEAM)[-1].result == "error"


def test_a_member_click_changes_nothing_and_is_audited_as_denied(bolt, account):
    for action in (RECHARGE_NOW_ACTION, AUTORECHARGE_ON_ACTION, SHOW_USAGE_ACTION):
        bolt.click(action, "low:1:200000000:3", user=MEMBER)
    assert all("Only credits admins" in r["text"] for r in responses(bolt))
    assert ledger_state(bolt.engine, TEAM) == (D(100), 1)
    assert not bolt.services.accounts.get(TEAM).autorecharge_enabled
    denied = audit_events(bolt.engine, TEAM, result="denied")
    assert [e.action for e in denied] == [f"action.{a}" for a in (
        RECHARGE_NOW_ACTION, AUTORECHARGE_ON_ACTION, SHOW_USAGE_ACTION)]
    assert bolt.services.gateway.charges == []


def modal_values(bolt) -> dict[str, str]:
    (opened,) = bolt.slack.calls_to("views.open")
    view = json.loads(opened.params["view"]) if isinstance(opened.params["view"], str) \
        else opened.params["view"]
    return {block["block_id"]: block["element"]["initial_value"]
            for block in view["blocks"] if block["type"] == "input"}


def submit(bolt, amount: str, below: str, *, user: str = ADMIN):
    return bolt.dispatch(payloads.view_submission(CALLBACK_ID, {
        AMOUNT_BLOCK: {AMOUNT_INPUT: amount}, BELOW_BLOCK: {BELOW_INPUT: below}},
        user_id=user, private_metadata="low:1:200000000:3"))


def test_turn_on_auto_recharge_opens_the_recommendation_and_commits_nothing(bolt, account):
    bolt.click(AUTORECHARGE_ON_ACTION, "low:1:200000000:3")
    (opened,) = bolt.slack.calls_to("views.open")
    assert opened.params["trigger_id"] == "1.2"
    assert modal_values(bolt) == {AMOUNT_BLOCK: "1000.00", BELOW_BLOCK: "200.00"}
    now = bolt.services.accounts.get(TEAM)
    assert not now.autorecharge_enabled and bolt.services.gateway.charges == []


def test_the_submitted_modal_turns_on_what_the_admin_chose_and_recharges_when_below(
        bolt, account):
    bolt.click(AUTORECHARGE_ON_ACTION, "low:1:200000000:3")
    response = submit(bolt, "$700", "150")
    answer = json.loads(response.body)
    assert answer["response_action"] == "update"
    text = answer["view"]["blocks"][0]["text"]["text"]
    assert "Auto-recharge is now *on*: add *$700.00* when the balance is below *$150.00*" in text
    now = bolt.services.accounts.get(TEAM)
    assert (now.autorecharge_enabled, now.autorecharge_amount, now.autorecharge_below) == (
        True, usd(700), usd(150))
    # The balance (100) was below the chosen trigger: the recharge happened at once.
    assert now.balance == usd(800) and [c.amount for c in bolt.services.gateway.charges] == [
        usd(700)]
    assert audit_events(bolt.engine, TEAM)[-1].action == "view.autorecharge_setup"
    bolt.click(AUTORECHARGE_ON_ACTION, "low:1:200000000:3")
    assert "already on" in last_text(bolt)


@pytest.mark.parametrize(("amount", "below", "block", "words"), [
    ("abc", "100", AMOUNT_BLOCK, "is not an amount"),
    ("700", "-5", BELOW_BLOCK, "negative"),
    ("10", "100", AMOUNT_BLOCK, "$50.00")])
def test_a_bad_amount_in_the_modal_is_shown_there_and_changes_nothing(
        bolt, account, amount, below, block, words):
    answer = json.loads(submit(bolt, amount, below).body)
    assert answer["response_action"] == "errors" and words in answer["errors"][block]
    assert not bolt.services.accounts.get(TEAM).autorecharge_enabled


def test_a_member_cannot_submit_the_modal(bolt, account):
    answer = json.loads(submit(bolt, "700", "150", user=MEMBER).body)
    assert answer["response_action"] == "errors"
    assert not bolt.services.accounts.get(TEAM).autorecharge_enabled
    assert audit_events(bolt.engine, TEAM, result="denied")[-1].actor == MEMBER


def test_the_modal_speaks_german_to_a_german_admin(bolt, account):
    bolt.slack.users[GERMAN].is_admin = True
    bolt.click(AUTORECHARGE_ON_ACTION, "low:1:200000000:3", user=GERMAN)
    (opened,) = bolt.slack.calls_to("views.open")
    view = opened.params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert view["title"]["text"] == "Automatische Aufladung"
    assert view["submit"]["text"] == "Einschalten"


def test_turn_on_auto_recharge_is_refused_where_credits_cannot_be_bought(bolt, clock):
    make_account(bolt.engine, clock, team_id=TEAM, balance=D(100), billing_type="csp")
    bolt.click(AUTORECHARGE_ON_ACTION, "low:1:200000000:3")
    assert "reseller" in last_text(bolt)
    assert not bolt.services.accounts.get(TEAM).autorecharge_enabled


def test_show_usage_shows_the_usage_the_alert_points_to(bolt, account):
    bolt.services.ledger.charge(account_id=account.id, amount=usd(30), key="calls", actor="t")
    bolt.click(SHOW_USAGE_ACTION, "low:1:200000000:3")
    text = last_text(bolt)
    # The answer of `/credits usage last-7-days by destination`, not the balance.
    expected = bolt.command_text("usage last-7-days by destination")
    assert text == expected and "balance is" not in text
    assert responses(bolt)[-1]["replace_original"] is False


def test_a_value_that_is_no_alert_key_is_refused(bolt, account):
    bolt.click(RECHARGE_NOW_ACTION, "x" * 500)
    assert "not from a Credits Bot alert" in last_text(bolt)
    assert ledger_state(bolt.engine, TEAM) == (D(100), 1)


def test_the_button_of_a_real_alert_buys_once(bolt, account):
    bolt.services.alert_settings.add_threshold(account_id=account.id, amount=usd(80))
    bolt.services.ledger.charge(account_id=account.id, amount=usd(30), key="calls", actor="t")
    with read_session(bolt.engine) as session:
        (row,) = reads.list_messages(session=session, kind=alerts.LOW)
    (block,) = [b for b in json.loads(row.blocks or "[]") if b["type"] == "actions"]
    key = block["elements"][0]["value"]
    # The recommendation when the alert was written (the charge that caused it was not
    # committed yet, so Microsoft's table: $1,000) is named, and is what the click buys.
    assert key == f"{row.dedupe_key}#1000.00"
    assert "This buys *$1,000.00*" in block["elements"][0]["confirm"]["text"]["text"]
    bolt.click(RECHARGE_NOW_ACTION, key)
    bolt.click(RECHARGE_NOW_ACTION, key, user=ADMIN)
    assert [c.amount for c in bolt.services.gateway.charges] == [usd(1000)]
    assert ledger_state(bolt.engine, TEAM) == (D(1070), 3)
