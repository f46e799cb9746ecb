"""A deposit whose gateway answer is lost: Check again, Cancel, expiry and the sweep never
charge twice and never leave a charge unbooked (DESIGN §7), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest

from bot.money import Money
from handlers.blocks.deposit import CANCEL_ACTION, CHECK_ACTION, CONFIRM_ACTION
from tests.factories import ledger_state, make_account
from tests.money import usd
from tests.payloads import TEAM
from tests.slack import ADMIN


@pytest.fixture
def account(bolt_db, clock):
    return make_account(bolt_db.engine, clock, team_id=TEAM, exp=(8, 2027))


def lose_answers(bolt, *, charged: bool = True, lookups: int = 1) -> None:
    """The next charge's answer is lost (after or before the charge), and so are the next
    `lookups` look-ups: the outcome is unknown to the bot."""
    bolt.services.gateway.time_out_next(1, after_charge=charged)
    bolt.services.gateway.time_out_lookups(lookups)


def check_again_value(params: dict) -> str:
    (block,) = [b for b in params["blocks"] if b["type"] == "actions"]
    (button,) = block["elements"]
    assert button["action_id"] == CHECK_ACTION
    return button["value"]


def texts(bolt) -> list[str]:
    return [str(call.params["text"]) for call in bolt.slack.calls_to("respond")]


def booked_once(bolt, amount: Money) -> None:
    assert ledger_state(bolt.engine, TEAM) == (amount.amount, 1)  # the stored balance
    assert [c.amount for c in bolt.services.gateway.charges] == [amount]


def test_lost_answer_then_check_again_books_the_charge_once(bolt_db, account):
    lose_answers(bolt_db)
    url = bolt_db.slack.response_url()
    bolt_db.command("deposit 500", response_url=url)
    (checking,) = [c.params for c in bolt_db.slack.calls_to("respond")]
    assert "is being checked" in checking["text"] and "never charged twice" in checking["text"]
    assert ledger_state(bolt_db.engine, TEAM) == (Decimal(0), 0)
    assert len(bolt_db.services.gateway.charges) == 1  # the card was charged all the same
    attempt_id = check_again_value(checking)
    bolt_db.click(CHECK_ACTION, attempt_id)
    bolt_db.click(CHECK_ACTION, attempt_id)  # a second click books nothing more
    assert "Deposited *$500.00*" in texts(bolt_db)[1]
    booked_once(bolt_db, usd(500))


def test_no_answer_and_no_charge_then_check_again_charges_once(bolt_db, account):
    lose_answers(bolt_db, charged=False)
    bolt_db.command("deposit 500")
    attempt_id = check_again_value(bolt_db.slack.calls_to("respond")[0].params)
    assert not bolt_db.services.gateway.charges
    bolt_db.click(CHECK_ACTION, attempt_id)  # nothing was charged: pays under the same key
    bolt_db.click(CHECK_ACTION, attempt_id)
    booked_once(bolt_db, usd(500))


def test_confirm_lost_answer_then_cancel_never_says_nothing_was_deposited(bolt_db, account):
    ack = json.loads(bolt_db.command("deposit 20000").body)
    (attempt_id,) = {e["value"] for b in ack["blocks"] if b["type"] == "actions"
                     for e in b["elements"]}
    # The answer, Confirm's look-up and both of Cancel's (before and after its retry) are lost.
    lose_answers(bolt_db, lookups=3)
    bolt_db.click(CONFIRM_ACTION, attempt_id)
    bolt_db.click(CANCEL_ACTION, attempt_id)
    said = texts(bolt_db)
    assert "is being checked" in said[1]
    assert "cannot be cancelled now" in said[2] and "booked once" in said[2]
    assert not any("Nothing was deposited" in text or "nothing was deposited" in text
                   for text in said)
    assert bolt_db.services.deposits.get(attempt_id).status == "processing"
    bolt_db.click(CANCEL_ACTION, attempt_id)  # the gateway answers now: the truth
    assert "could not be cancelled: the payment had gone through" in texts(bolt_db)[3]
    assert "Deposited *$20,000.00*" in texts(bolt_db)[3]
    booked_once(bolt_db, usd(20_000))


def test_an_unknown_outcome_is_never_expired_the_sweep_books_it(bolt_db, account, clock):
    ack = json.loads(bolt_db.command("deposit 20000").body)
    (attempt_id,) = {e["value"] for b in ack["blocks"] if b["type"] == "actions"
                     for e in b["elements"]}
    lose_answers(bolt_db, lookups=3)  # also both look-ups of the first sweep
    bolt_db.click(CONFIRM_ACTION, attempt_id)
    clock.advance(timedelta(hours=2))  # far past the confirmation's 15 minutes
    assert bolt_db.services.deposits.sweep() == []  # the gateway is still away: nothing said
    assert bolt_db.services.deposits.get(attempt_id).status == "processing"
    (settled,) = bolt_db.services.deposits.sweep()
    assert settled.status == "succeeded"
    assert bolt_db.services.deposits.sweep() == []
    booked_once(bolt_db, usd(20_000))


def test_a_confirmation_nobody_gave_expires_in_the_sweep_without_a_charge(bolt_db, account,
                                                                         clock):
    json.loads(bolt_db.command("deposit 20000").body)
    clock.advance(timedelta(minutes=16))
    (expired,) = bolt_db.services.deposits.sweep()
    assert expired.status == "expired"
    assert bolt_db.services.gateway.calls == 0
    assert ledger_state(bolt_db.engine, TEAM) == (Decimal(0), 0)


def test_a_worker_that_died_after_writing_the_attempt_is_replaced_by_the_sweep(bolt_db, account,
                                                                              clock):
    deposits = bolt_db.services.deposits
    requested = deposits.request(TEAM, usd(300), attempt_id="a" * 36, key="deposit:test:1",
                                 actor="U0ADMIN")
    assert requested.status == "created"
    assert deposits.sweep() == []  # still its requester's to pay
    clock.advance(deposits.check_after)
    (settled,) = deposits.sweep()
    assert settled.status == "succeeded"
    booked_once(bolt_db, usd(300))


def test_a_worker_that_died_after_the_charge_is_reconciled_once(bolt_db, account, clock):
    """The charge went through and the process died before the ledger entry: the claim lapses,
    and the sweep finds the charge with `lookup` instead of charging again."""
    deposits, gateway = bolt_db.services.deposits, bolt_db.services.gateway
    requested = deposits.request(TEAM, usd(400), attempt_id="b" * 36, key="deposit:test:2",
                                 actor="U0ADMIN")
    claimed = deposits._claim(requested.attempt.id)  # the worker claims, then charges...
    assert claimed is not None
    gateway.charge(method=claimed[1], amount=usd(400), idempotency_key="deposit:test:2",
                   description="test")
    # ... and dies here. Until its claim lapses, nobody else touches the attempt.
    assert deposits.sweep() == []
    clock.advance(deposits.check_after)
    (settled,) = deposits.sweep()
    assert settled.status == "succeeded" and gateway.calls == 1  # looked up, not charged
    booked_once(bolt_db, usd(400))


def deliver_outbox(bolt) -> list[dict]:
    """Run the alert relay once against the local Slack; the messages it posted."""
    bolt.deliver_alerts()
    return [call.params for call in bolt.slack.calls_to("chat.postMessage")]


def test_a_deposit_the_sweep_books_is_announced_to_its_requester_once(bolt_db, account, clock):
    # Nobody waits on a response URL any more: without a DM the admin never learns that the
    # money arrived (or that it did not).
    lose_answers(bolt_db, lookups=1)
    bolt_db.command("deposit 500")
    clock.advance(timedelta(hours=1))
    (settled,) = bolt_db.services.deposits.sweep()
    assert settled.status == "succeeded"
    (posted,) = deliver_outbox(bolt_db)
    assert bolt_db.slack.calls_to("conversations.open")[0].params["users"] == ADMIN
    assert "Your deposit of $500.00 is booked" in posted["text"]
    assert "The balance is now $500.00." in posted["text"]
    assert bolt_db.services.deposits.sweep() == [] and deliver_outbox(bolt_db) == [posted]


def test_a_deposit_the_sweep_finds_refused_is_announced_in_the_accounts_language(
        bolt_db, account, clock):
    bolt_db.services.accounts.change_settings(TEAM, language="de-DE")
    lose_answers(bolt_db, charged=False, lookups=1)
    bolt_db.command("deposit 500")
    # The card is declined from now on (the simulation declines ...0002).
    bolt_db.services.accounts.set_card(TEAM, brand="visa", last4="0002", exp_month=8,
                                       exp_year=2027)
    clock.advance(timedelta(hours=1))
    (settled,) = bolt_db.services.deposits.sweep()
    assert settled.status == "failed"
    (posted,) = deliver_outbox(bolt_db)
    assert "Ihre Einzahlung von 500,00" in posted["text"]
    assert "ist nicht durchgegangen: Ihre Karte wurde abgelehnt. Es wurde nichts" in posted["text"]
    assert ledger_state(bolt_db.engine, TEAM) == (Decimal(0), 0)


def test_a_deposit_settled_while_its_requester_waits_sends_no_dm(bolt_db, account):
    lose_answers(bolt_db)
    url = bolt_db.slack.response_url()
    bolt_db.command("deposit 500", response_url=url)
    attempt_id = check_again_value(bolt_db.slack.calls_to("respond")[0].params)
    bolt_db.click(CHECK_ACTION, attempt_id)  # the answer goes to the click, not to a DM
    assert deliver_outbox(bolt_db) == []
