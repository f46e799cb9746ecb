"""`/credits deposit`: admins only, every refusal explained, large amounts confirmed by a button."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from decimal import Decimal

import pytest

from bot.console.local_slack import SlackUser
from bot.deposits import DepositQuote
from handlers.blocks.deposit import (
    CANCEL_ACTION,
    CHECK_ACTION,
    CONFIRM_ACTION,
    deposit_confirm_reply,
)
from tests import payloads
from tests.factories import audit_events, ledger_state, make_account
from tests.money import usd
from tests.payloads import TEAM
from tests.slack import ADMIN, CREDITS_ADMIN, GERMAN, MEMBER

USAGE = "Usage: `/credits deposit <amount> [memo]`"


@pytest.fixture
def account(bolt, clock):
    return make_account(bolt.engine, clock, team_id=TEAM, exp=(8, 2027))


def ack_body(response) -> dict:
    assert response.status == 200, response.body
    return json.loads(response.body)


def operation_id(body: dict) -> str:
    (block,) = [b for b in body["blocks"] if b["type"] == "actions"]
    values = {element["action_id"]: element["value"] for element in block["elements"]}
    assert values[CONFIRM_ACTION] == values[CANCEL_ACTION]
    return values[CONFIRM_ACTION]


def responses(bolt) -> list[dict]:
    return [call.params for call in bolt.slack.calls_to("respond")]


# --- plain deposits ---

def test_admin_deposit_is_acked_then_paid_and_booked(bolt, account):
    url = bolt.slack.response_url()
    ack = ack_body(bolt.command("deposit 500 Q4 top-up", response_url=url))
    assert "Paying *$500.00* with Visa ending 4242, expires 08/2027" in ack["text"]
    text = bolt.answer_to(url)
    assert "Deposited *$500.00* (Visa ending 4242, expires 08/2027)" in text
    assert "The balance is now *$500.00*" in text and "Memo: Q4 top-up" in text
    assert "work again" in text  # the new account was suspended at zero
    assert ledger_state(bolt.engine, TEAM) == (Decimal(500), 1)
    assert [c.amount for c in bolt.services.gateway.charges] == [usd(500)]
    assert audit_events(bolt.engine, TEAM)[-1].result == "ok"


def test_credits_admin_may_deposit(bolt, account):
    bolt.command_answer("deposit 50", user=CREDITS_ADMIN)
    assert ledger_state(bolt.engine, TEAM) == (Decimal(50), 1)


def test_member_is_refused_and_the_attempt_audited(bolt, account):
    text = bolt.command_text("deposit 500", user=MEMBER)
    assert "Only credits admins" in text
    assert ledger_state(bolt.engine, TEAM) == (Decimal(0), 0)
    (denied,) = audit_events(bolt.engine, TEAM, result="denied")
    assert (denied.actor, denied.action) == (MEMBER, "command.deposit")
    assert not bolt.services.gateway.charges
    assert not bolt.slack.calls_to("respond")


def test_replayed_delivery_deposits_once(bolt, account):
    body = payloads.slash_command("deposit 75", user_id=ADMIN)
    first = ack_body(bolt.dispatch(body))
    again = ack_body(bolt.dispatch(body))  # Slack's retry: the same trigger_id
    assert "Paying" in first["text"] and "Deposited *$75.00*" in again["text"]
    assert ledger_state(bolt.engine, TEAM) == (Decimal(75), 1)
    assert len(bolt.services.gateway.charges) == 1
    bolt.command_answer("deposit 75")  # a new request is a new deposit
    assert ledger_state(bolt.engine, TEAM) == (Decimal(150), 2)


@pytest.mark.parametrize(("typed", "amount"), [
    ("1000", "1000"), ("1,000", "1000"), ("$1,000.00", "1000"), ("1000.5", "1000.5"),
    ("$50", "50")])
def test_amounts_as_people_type_them(bolt, account, typed, amount):
    bolt.command_answer(f"deposit {typed}")
    assert ledger_state(bolt.engine, TEAM) == (Decimal(amount), 1)


@pytest.mark.parametrize(("typed", "words"), [
    ("-5", "cannot be negative"), ("0", "more than zero"), ("0.00", "more than zero"),
    ("NaN", "is not an amount"), ("inf", "is not an amount"), ("1e3", "is not an amount"),
    ("10.005", "at most 2 decimals"), ("99999999999", "too large"), ("ten", "is not an amount"),
    ("1.000,00", "is not an amount"), ("", "Give the amount")])
def test_bad_amounts_show_the_usage_and_change_nothing(bolt, account, typed, words):
    text = bolt.command_text(f"deposit {typed}".strip())
    assert words in text and USAGE in text
    assert ledger_state(bolt.engine, TEAM) == (Decimal(0), 0)
    assert not bolt.services.gateway.charges


def test_no_payment_method_says_how_to_set_one(bolt, clock):
    make_account(bolt.engine, clock, team_id=TEAM, card_last4=None)
    text = bolt.command_text("deposit 100")
    assert "no payment method" in text and "`/credits payment set`" in text
    assert ledger_state(bolt.engine, TEAM) == (Decimal(0), 0)


@pytest.mark.parametrize(("typed", "bound"), [
    ("49.99", "The smallest deposit is $50.00"),
    ("1000000.01", "at most $1,000,000.00")])
def test_amounts_out_of_bounds_name_the_bound(bolt, account, typed, bound):
    text = bolt.command_text(f"deposit {typed}")
    assert bound in text
    assert ledger_state(bolt.engine, TEAM) == (Decimal(0), 0)


@pytest.mark.parametrize(("settings", "advice"), [
    ({"billing_type": "ea", "region": "DE", "billing_region": "US"}, "support request"),
    ({"billing_type": "mca"}, "post-paid"),
    ({"billing_type": "csp"}, "reseller")])
def test_accounts_that_may_not_buy_get_microsofts_advice(bolt, clock, settings, advice):
    make_account(bolt.engine, clock, team_id=TEAM, **settings)
    text = bolt.command_text("deposit 100")
    assert advice in text
    assert ledger_state(bolt.engine, TEAM) == (Decimal(0), 0)
    assert not bolt.services.gateway.charges


@pytest.mark.parametrize(("last4", "exp", "reason"), [
    ("0002", (12, 2030), "declined"),
    ("0069", (12, 2030), "expired"),
    ("9995", (12, 2030), "insufficient funds"),
    ("4242", (8, 2026), "card expired 08/2026")])
def test_refused_cards_give_the_reason_and_deposit_nothing(bolt, clock, last4, exp, reason):
    make_account(bolt.engine, clock, team_id=TEAM, card_last4=last4, exp=exp)
    url = bolt.slack.response_url()
    ack = ack_body(bolt.command("deposit 100", response_url=url))["text"]
    text = bolt.answer_to(url) if "Paying" in ack else ack  # declines come from the gateway
    assert reason in text.lower() or reason in text
    assert ledger_state(bolt.engine, TEAM) == (Decimal(0), 0)
    assert not bolt.services.gateway.charges
    assert audit_events(bolt.engine, TEAM)[-1].result == "error"


def test_german_admin_sees_german_amounts(bolt, account):
    bolt.slack.users[GERMAN].is_admin = True
    text = bolt.command_answer("deposit 1000", user=GERMAN)
    assert "*1.000,00\xa0$* eingezahlt" in text
    # The card as the receipt stored it, in German: "Visa ending 4242, expires 08/2027".
    assert "(Visa mit Endziffern 4242, gültig bis 08/2027)" in text and "ending" not in text


# --- large deposits: confirm first ---

def test_exactly_the_limit_needs_no_confirmation(bolt, account):
    url = bolt.slack.response_url()
    body = ack_body(bolt.command("deposit 10,000", response_url=url))
    assert not [b for b in body["blocks"] if b["type"] == "actions"]
    bolt.answer_to(url)
    assert ledger_state(bolt.engine, TEAM) == (Decimal(10_000), 1)


def test_large_deposit_waits_for_a_confirmation(bolt, account):
    body = ack_body(bolt.command("deposit 20000 Q1 budget"))
    assert "Deposit *$20,000.00* through Visa ending 4242" in body["text"]
    assert "above $10,000.00" in body["text"]
    assert ledger_state(bolt.engine, TEAM) == (Decimal(0), 0)
    assert not bolt.services.gateway.charges
    attempt = bolt.services.deposits.get(operation_id(body))
    assert attempt.status == "awaiting_confirmation"
    assert (attempt.amount, attempt.memo) == (usd(20_000), "Q1 budget")


def test_admin_click_deposits_once_and_updates_the_message(bolt, account):
    op_id = operation_id(ack_body(bolt.command("deposit 20000 Q1 budget")))
    url = bolt.slack.response_url()
    click = payloads.block_actions(CONFIRM_ACTION, op_id, user_id=CREDITS_ADMIN,
                                   response_url=url)
    assert bolt.dispatch(click).status == 200
    assert bolt.dispatch(click).status == 200  # Slack replays the click
    bolt.click(CONFIRM_ACTION, op_id)  # a double click by another admin
    assert ledger_state(bolt.engine, TEAM) == (Decimal(20_000), 1)
    assert len(bolt.services.gateway.charges) == 1
    paying, done, *later = responses(bolt)
    assert "Paying *$20,000.00*" in paying["text"] and paying["replace_original"] is True
    assert done["replace_original"] is True
    assert "Deposited *$20,000.00*" in done["text"] and "Memo: Q1 budget" in done["text"]
    assert all("confirmed already" in r["text"] and r["replace_original"] is False
               for r in later) and len(later) == 2
    assert bolt.services.deposits.get(op_id).status == "succeeded"


def test_member_click_changes_nothing_and_is_audited(bolt, account):
    op_id = operation_id(ack_body(bolt.command("deposit 20000")))
    bolt.click(CONFIRM_ACTION, op_id, user=MEMBER)
    bolt.click(CANCEL_ACTION, op_id, user=MEMBER)
    assert ledger_state(bolt.engine, TEAM) == (Decimal(0), 0)
    assert bolt.services.deposits.get(op_id).status == "awaiting_confirmation"
    assert [(e.actor, e.action) for e in audit_events(bolt.engine, TEAM, result="denied")] == [
        (MEMBER, "action.deposit_confirm"), (MEMBER, "action.deposit_cancel")]
    assert all("Only credits admins" in r["text"] and r["replace_original"] is False
               for r in responses(bolt))
    bolt.click(CONFIRM_ACTION, op_id)  # an admin can still confirm it
    assert ledger_state(bolt.engine, TEAM) == (Decimal(20_000), 1)


def test_cancelled_operation_does_nothing_but_says_so(bolt, account):
    op_id = operation_id(ack_body(bolt.command("deposit 20000")))
    bolt.click(CANCEL_ACTION, op_id)
    bolt.click(CONFIRM_ACTION, op_id)
    cancelled, refused = responses(bolt)
    assert "cancelled by <@U0ADMIN>" in cancelled["text"] and cancelled["replace_original"]
    assert "was cancelled; nothing was deposited" in refused["text"]
    assert ledger_state(bolt.engine, TEAM) == (Decimal(0), 0)
    assert not bolt.services.gateway.charges and bolt.services.gateway.calls == 0


def test_expired_operation_does_nothing_but_says_so(bolt, account, clock):
    op_id = operation_id(ack_body(bolt.command("deposit 20000")))
    clock.advance(timedelta(minutes=15))
    bolt.click(CONFIRM_ACTION, op_id)
    (answer,) = responses(bolt)
    assert "expired; nothing was deposited" in answer["text"] and answer["replace_original"]
    assert ledger_state(bolt.engine, TEAM) == (Decimal(0), 0)
    assert bolt.services.deposits.get(op_id).status == "expired"


@pytest.mark.parametrize("action", [CONFIRM_ACTION, CANCEL_ACTION, CHECK_ACTION])
@pytest.mark.parametrize("value", ["00000000-0000-0000-0000-000000000000", "x" * 5000, ""])
def test_unknown_or_forged_operation_is_refused_and_audited(bolt, account, action, value):
    bolt.click(action, value)
    (answer,) = responses(bolt)
    assert "belongs to no deposit of this workspace" in answer["text"]
    (refused,) = audit_events(bolt.engine, TEAM, result="refused")
    assert refused.action == f"action.{action}" and refused.actor == ADMIN
    assert len(refused.arguments) < 200  # a forged 5,000-character value is not stored whole


def test_another_workspaces_attempt_is_refused_and_audited(bolt, account, clock):
    op_id = operation_id(ack_body(bolt.command("deposit 20000")))
    make_account(bolt.engine, clock, team_id="T0OTHER")
    with bolt.engine.begin() as connection:  # move the attempt to the other account
        connection.exec_driver_sql(
            "UPDATE deposit_attempts SET account_id = (SELECT id FROM accounts "
            "WHERE team_id = 'T0OTHER') WHERE id = ?", (op_id,))
    bolt.click(CONFIRM_ACTION, op_id)
    assert "belongs to no deposit" in responses(bolt)[0]["text"]
    assert not bolt.services.gateway.charges


def test_card_declined_at_confirmation_fails_once(bolt, clock):
    make_account(bolt.engine, clock, team_id=TEAM)
    op_id = operation_id(ack_body(bolt.command("deposit 20000")))
    bolt.services.accounts.set_card(TEAM, brand="visa", last4="0002", exp_month=12,
                                    exp_year=2030)
    bolt.click(CONFIRM_ACTION, op_id)
    bolt.click(CONFIRM_ACTION, op_id)
    _, refused, again = responses(bolt)
    assert "The payment was refused: Your card was declined." in refused["text"]
    assert "failed already" in again["text"]
    assert ledger_state(bolt.engine, TEAM) == (Decimal(0), 0)
    assert audit_events(bolt.engine, TEAM, result="error")


def test_simultaneous_clicks_deposit_once(bolt, account):
    op_id = operation_id(ack_body(bolt.command("deposit 20000")))
    barrier = threading.Barrier(4)
    statuses: list[int] = []

    def click(user: str) -> None:
        body = payloads.block_actions(CONFIRM_ACTION, op_id, user_id=user,
                                      response_url=bolt.slack.response_url())
        barrier.wait()
        statuses.append(bolt.dispatch(body).status)

    threads = [threading.Thread(target=click, args=(user,))
               for user in (ADMIN, ADMIN, CREDITS_ADMIN, CREDITS_ADMIN)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    bolt.lazy.wait_idle()
    assert statuses == [200] * 4
    assert ledger_state(bolt.engine, TEAM) == (Decimal(20_000), 1)
    assert len(bolt.services.gateway.charges) == 1
    assert sum("Deposited" in r["text"] for r in responses(bolt)) == 1


def test_replayed_large_request_gives_the_same_operation(bolt, account):
    body = payloads.slash_command("deposit 20000", user_id=ADMIN)
    assert operation_id(ack_body(bolt.dispatch(body))) == operation_id(
        ack_body(bolt.dispatch(body)))


def test_confirmation_builder_carries_the_operation_in_both_buttons():
    quote = DepositQuote(account_id=1, team_id="T1", amount=usd(20_000),
                         method="Visa ending 4242, expires 08/2027", balance=usd(5),
                         balance_after=usd(20_005), needs_confirmation=True)
    reply = deposit_confirm_reply(quote, operation_id="op-1", limit=usd(10_000),
                                  expires_at_text="09:15", locale=None)
    ask = ("Deposit *$20,000.00* through Visa ending 4242, expires 08/2027? Deposits above "
           "$10,000.00 need a confirmation. The balance would be *$20,005.00*.")
    note = "An admin can confirm until 09:15 UTC; nothing is deposited before."
    assert reply.text == f"{ask}\n{note}"
    assert reply.blocks == [
        {"type": "section", "text": {"type": "mrkdwn", "text": ask}},
        {"type": "actions", "block_id": "deposit_confirmation", "elements": [
            {"type": "button", "text": {"type": "plain_text", "text": "Confirm"},
             "action_id": CONFIRM_ACTION, "value": "op-1", "style": "primary"},
            {"type": "button", "text": {"type": "plain_text", "text": "Cancel"},
             "action_id": CANCEL_ACTION, "value": "op-1", "style": "danger"}]},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": note}]}]


def test_workspace_owner_may_deposit(bolt, account):
    bolt.slack.add_user(SlackUser("U0OWNER", "olga", email="olga@contoso.example",
                                  is_owner=True))
    bolt.command_answer("deposit 60", user="U0OWNER")
    assert ledger_state(bolt.engine, TEAM) == (Decimal(60), 1)
