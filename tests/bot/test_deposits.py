"""One-time deposits: checks, payment, booking once per key, and the crash window between."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlmodel import select

from bot.accounts import Accounts
from bot.deposits import Deposits
from bot.errors import (
    AccountNotFound,
    IdempotencyConflict,
    InvalidAmount,
    PurchaseNotAllowed,
)
from bot.ledger import Ledger, check_balances
from bot.money import Money
from bot.payments import SimulatedGateway
from storage.db import read_session
from storage.models import DepositAttempt, LedgerEntry
from tests.factories import make_account
from tests.money import usd


@pytest.fixture
def gateway(clock, engine):
    return SimulatedGateway(clock, engine=engine)  # its charges in its own table


@pytest.fixture
def deposits(engine, clock, gateway):
    return Deposits(engine, clock, gateway, Ledger(engine, clock))


def entries(engine) -> list[LedgerEntry]:
    with read_session(engine) as session:
        return list(session.exec(select(LedgerEntry).order_by(LedgerEntry.id)).all())


def balance(engine, clock, team_id: str = "T1") -> Money:
    return Accounts(engine, clock).get(team_id).balance


# --- quote: every check before any money moves ---

def test_quote_states_cost_method_and_confirmation(engine, clock, deposits):
    make_account(engine, clock, balance=Decimal("120.50"), exp=(8, 2027))
    quote = deposits.quote("T1", usd("10000"))
    assert (quote.amount, quote.currency, quote.balance, quote.balance_after) == (
        usd("10000"), "USD", usd("120.50"), usd("10120.50"))
    assert quote.method == "Visa ending 4242, expires 08/2027"
    assert quote.needs_confirmation is False  # "above" 10,000: 10,000 itself needs none
    assert deposits.quote("T1", usd("10000.01")).needs_confirmation is True
    assert deposits.quote("T1", usd("50")).amount == usd("50")


@pytest.mark.parametrize(("amount", "error", "words"), [
    ("49.99", PurchaseNotAllowed, "The smallest deposit is $50.00."),
    ("1000000.01", PurchaseNotAllowed, "at most $1,000,000.00"),
    ("100.001", InvalidAmount, "at most 2 decimals"),
    ("0", InvalidAmount, "positive"),
    ("-100", InvalidAmount, "positive"),
])
def test_quote_refuses_amounts_out_of_bounds(engine, clock, deposits, amount, error, words):
    make_account(engine, clock)
    with pytest.raises(error, match=words.replace("$", r"\$").replace(".", r"\.")):
        deposits.quote("T1", usd(amount))


@pytest.mark.parametrize("amount", ["NaN", "Infinity", "-Infinity"])
def test_amounts_that_are_not_numbers_cannot_even_be_quoted(engine, clock, deposits, gateway,
                                                           amount):
    # Money refuses them when it is made: no quote, attempt or charge ever sees one.
    make_account(engine, clock)
    with pytest.raises(ValueError):
        deposits.quote("T1", usd(amount))
    assert gateway.calls == 0 and entries(engine) == []


def test_bounds_come_from_the_constructor(engine, clock, gateway):
    make_account(engine, clock)
    strict = Deposits(engine, clock, gateway, Ledger(engine, clock), min_deposit=Decimal(100),
                      max_deposit=Decimal(500), confirm_above=Decimal(200))
    with pytest.raises(PurchaseNotAllowed, match=r"\$100\.00"):
        strict.quote("T1", usd(50))
    with pytest.raises(PurchaseNotAllowed, match=r"\$500\.00"):
        strict.quote("T1", usd(501))
    assert strict.quote("T1", usd(201)).needs_confirmation
    with pytest.raises(ValueError):
        Deposits(engine, clock, gateway, Ledger(engine, clock), min_deposit=Decimal(10),
                 max_deposit=Decimal(5))


def test_a_mosa_account_billed_in_another_region_may_buy(engine, clock, deposits, gateway):
    make_account(engine, clock, region="DE", billing_region="US")
    assert deposits.deposit("T1", usd(100), key="d1", actor="U1").status == "succeeded"
    assert len(gateway.charges) == 1


@pytest.mark.parametrize(("settings", "words"), [
    ({"billing_type": "csp"}, "reseller"),
    ({"billing_type": "mca"}, "post-paid"),
    ({"billing_type": "ea", "region": "DE"}, "billing address in US"),
])
def test_accounts_that_may_not_buy_get_microsofts_advice(engine, clock, deposits, gateway,
                                                         settings, words):
    make_account(engine, clock, **settings)
    with pytest.raises(PurchaseNotAllowed, match=words):
        deposits.quote("T1", usd(100))
    with pytest.raises(PurchaseNotAllowed, match=words):
        deposits.deposit("T1", usd(100), key="d1", actor="U1")
    assert gateway.calls == 0 and entries(engine) == []


def test_no_payment_method_says_how_to_set_one(engine, clock, deposits):
    make_account(engine, clock, card_last4=None)
    with pytest.raises(PurchaseNotAllowed) as refused:
        deposits.quote("T1", usd(100))
    text = str(refused.value)
    assert "no payment method" in text
    assert "An admin sets one with `/credits payment set`." in text  # in Slack, not a shell


def test_an_expired_card_is_refused_before_paying(engine, clock, deposits, gateway):
    make_account(engine, clock, exp=(8, 2026))
    with pytest.raises(PurchaseNotAllowed, match="Card expired 08/2026: update the payment"):
        deposits.quote("T1", usd(100))
    assert gateway.calls == 0


def test_an_unknown_team_is_not_found(deposits):
    with pytest.raises(AccountNotFound):
        deposits.quote("T404", usd(100))


# --- deposit: an attempt written first, paid, then booked, once per key ---

def test_a_deposit_pays_and_books_once(engine, clock, deposits, gateway):
    make_account(engine, clock, balance=Decimal(10))
    outcome = deposits.deposit("T1", usd("250.25"), key="slack:op1", actor="U1", memo="Q4")
    result = outcome.result
    assert outcome.status == "succeeded" and result is not None and result.applied
    assert result.amount == usd("250.25")
    assert result.balance_after == usd("260.25") == balance(engine, clock)
    assert result.method == "Visa ending 4242, expires 12/2030"
    assert len(gateway.charges) == 1 and gateway.charges[0].amount == usd("250.25")
    booked = entries(engine)[-1]
    assert (booked.kind, booked.idempotency_key, booked.memo, booked.actor) == (
        "deposit", "slack:op1", "Q4", "U1")
    assert booked.reference == gateway.charges[0].reference == result.reference

    again = deposits.deposit("T1", usd("250.25"), key="slack:op1", actor="U1", memo="Q4")
    assert again.now is False and again.result is not None and again.result.applied is False
    assert (again.result.entry_id, again.result.balance_after, again.result.reference,
            again.result.method) == (result.entry_id, result.balance_after, result.reference,
                                     result.method)
    assert len(gateway.charges) == 1 and len(entries(engine)) == 2
    assert balance(engine, clock) == usd("260.25")


def test_the_attempt_is_durable_before_the_gateway_is_called(engine, clock, deposits, gateway):
    make_account(engine, clock)
    seen = []
    charge = gateway.charge

    def watching(**kwargs):
        with read_session(engine) as session:
            row = session.exec(select(DepositAttempt)).one()
            seen.append((row.status, row.idempotency_key, row.amount_micros, row.currency,
                         row.requested_by))
        return charge(**kwargs)

    gateway.charge = watching
    deposits.deposit("T1", usd(100), key="d1", actor="U1")
    assert seen == [("processing", "d1", 100_000_000, "USD", "U1")]


def test_a_deposit_lifts_a_suspension(engine, clock, deposits):
    make_account(engine, clock)  # a new account holds nothing: suspended
    result = deposits.deposit("T1", usd(100), key="d1", actor="U1").result
    assert result is not None and result.resumed is True
    assert Accounts(engine, clock).get("T1").suspended is False


def test_an_invoice_deposit_records_the_po(engine, clock, deposits):
    make_account(engine, clock, card_last4=None)
    Accounts(engine, clock).set_invoice("T1", po="PO-77")
    result = deposits.deposit("T1", usd(25_000), key="d1", actor="U1").result
    assert result is not None
    assert result.reference is not None and result.reference.startswith("INV-PO-77-")
    assert result.method == "invoice PO-77"


@pytest.mark.parametrize(("last4", "reason"), [
    ("0002", "Your card was declined."),
    ("9995", "Your card has insufficient funds."),
    ("0069", "Your card has expired: update the payment method."),
])
def test_a_refused_payment_changes_nothing(engine, clock, deposits, gateway, last4, reason):
    make_account(engine, clock, card_last4=last4, balance=Decimal(5))
    outcome = deposits.deposit("T1", usd(100), key="d1", actor="U1")
    assert (outcome.status, outcome.attempt.reason) == ("failed", reason)
    assert balance(engine, clock) == usd(5) and len(entries(engine)) == 1
    assert gateway.charges == []


def test_the_same_key_for_another_amount_is_a_conflict(engine, clock, deposits, gateway):
    make_account(engine, clock)
    deposits.deposit("T1", usd(100), key="d1", actor="U1")
    with pytest.raises(IdempotencyConflict):
        deposits.deposit("T1", usd(200), key="d1", actor="U1")
    assert len(gateway.charges) == 1 and balance(engine, clock) == usd(100)


# --- the crash window between the payment and the entry ---

def test_a_charge_whose_worker_died_is_booked_even_if_a_new_one_would_be_refused(
        engine, clock, deposits, gateway):
    make_account(engine, clock)
    requested = deposits.request("T1", usd(300), attempt_id="c" * 36, key="d1", actor="U1")
    claim = deposits._claim(requested.attempt.id)
    assert claim is not None and claim[1] is not None
    # The worker charged, then died before posting (the process was killed).
    paid = gateway.charge(method=claim[1], amount=usd(300), idempotency_key="d1",
                          description="first try")
    assert entries(engine) == []
    # By the sweep the card has expired: the paid deposit is booked all the same.
    clock.advance(timedelta(days=365 * 5))
    (settled,) = deposits.sweep()
    assert settled.result is not None and settled.result.reference == paid.reference
    assert len(gateway.charges) == 1 and balance(engine, clock) == usd(300)
    assert [e.idempotency_key for e in entries(engine)] == ["d1"]


def test_a_timeout_after_the_charge_is_reconciled(engine, clock, deposits, gateway):
    make_account(engine, clock)
    gateway.time_out_next(after_charge=True)
    result = deposits.deposit("T1", usd(100), key="d1", actor="U1").result
    assert result is not None and result.applied and balance(engine, clock) == usd(100)
    assert len(gateway.charges) == 1 and result.reference == gateway.charges[0].reference


def test_a_timeout_before_the_charge_books_nothing_and_the_retry_pays_once(
        engine, clock, deposits, gateway):
    make_account(engine, clock)
    gateway.time_out_next(after_charge=False)
    pending = deposits.deposit("T1", usd(100), key="d1", actor="U1")
    assert pending.status == "processing" and pending.attempt.in_flight
    assert entries(engine) == [] and gateway.charges == []
    deposits.deposit("T1", usd(100), key="d1", actor="U1")
    assert len(gateway.charges) == 1 and balance(engine, clock) == usd(100)


def test_concurrent_replays_of_one_request_pay_and_book_once(engine, clock, deposits, gateway):
    make_account(engine, clock)
    results = []
    barrier = threading.Barrier(6)

    def replay() -> None:
        barrier.wait()
        results.append(deposits.deposit("T1", usd(100), key="d1", actor="U1"))

    threads = [threading.Thread(target=replay) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 6
    assert sum(bool(r.result and r.result.applied) for r in results) == 1
    assert len({r.attempt.id for r in results}) == 1
    assert len(gateway.charges) == 1 and balance(engine, clock) == usd(100)
    with read_session(engine) as session:
        assert check_balances(session) == (1, [])
