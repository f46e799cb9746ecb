"""The payment gateways: Stripe-like test cards, invoices, idempotency, timeouts, masking."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

import pytest

from bot.accounts import PaymentMethod
from bot.errors import IdempotencyConflict, PaymentFailed
from bot.payments import (
    GatewayTimeout,
    PaymentGateway,
    PaymentReceipt,
    SimulatedGateway,
    expired_card_reason,
    masked,
)
from tests.money import usd


def card(last4: str = "4242", exp: tuple[int, int] = (8, 2027), brand: str = "visa"):
    return PaymentMethod("card", brand=brand, last4=last4, exp_month=exp[0], exp_year=exp[1])


def pay(gateway: PaymentGateway, method: PaymentMethod, key: str = "k1",
        amount: str = "100.00") -> PaymentReceipt:
    return gateway.charge(method=method, amount=usd(amount), idempotency_key=key,
                          description="test deposit")


@pytest.fixture
def gateway(clock) -> SimulatedGateway:
    return SimulatedGateway(clock)


def test_4242_succeeds_with_a_receipt(gateway, clock):
    receipt = pay(gateway, card("4242"))
    assert receipt.amount == usd("100.00") and receipt.amount.currency == "USD"
    assert receipt.reference.startswith("ch_sim_")
    assert receipt.method == "Visa ending 4242, expires 08/2027"
    assert receipt.charged_at == clock.now() and receipt.idempotency_key == "k1"
    assert gateway.charges == [receipt]


@pytest.mark.parametrize(("last4", "code", "reason"), [
    ("0002", "card_declined", "Your card was declined."),
    ("9995", "insufficient_funds", "Your card has insufficient funds."),
    ("0069", "expired_card", "Your card has expired: update the payment method."),
])
def test_stripe_test_cards_are_refused_with_their_reason(gateway, last4, code, reason):
    with pytest.raises(PaymentFailed) as refused:
        pay(gateway, card(last4))
    assert (refused.value.code, refused.value.reason, str(refused.value)) == (code, reason, reason)
    assert gateway.charges == []
    assert gateway.lookup(idempotency_key="k1") is None


def test_other_cards_succeed(gateway):
    assert pay(gateway, card("1881", brand="mastercard")).method.startswith("Mastercard ending")


def test_a_card_past_its_expiry_month_fails_with_the_designs_words(gateway, clock):
    # The clock is in November 2026: a card that expired 08/2026 no longer works ...
    with pytest.raises(PaymentFailed) as refused:
        pay(gateway, card("4242", exp=(8, 2026)))
    assert refused.value.reason == "card expired 08/2026: update the payment method"
    assert refused.value.code == "expired_card"
    assert refused.value.reason == expired_card_reason(card(exp=(8, 2026)))
    # ... while one that expires this month works to its end.
    assert pay(gateway, card("4242", exp=(11, 2026)), key="k2")
    clock.advance(timedelta(days=30))
    with pytest.raises(PaymentFailed, match="card expired 11/2026"):
        pay(gateway, card("4242", exp=(11, 2026)), key="k3")


def test_invoice_always_succeeds_and_records_the_po(gateway):
    invoice = PaymentMethod("invoice", po="PO-123")
    receipt = pay(gateway, invoice, key="deposit:abc", amount="25000")
    assert receipt.reference.startswith("INV-PO-123-") and len(receipt.reference) == 19
    assert receipt.method == "invoice PO-123"
    assert gateway.charges == [receipt]
    assert pay(gateway, invoice, key="deposit:other").reference != receipt.reference


def test_the_same_key_returns_the_first_receipt_and_never_charges_twice(gateway):
    first = pay(gateway, card())
    assert pay(gateway, card()) == first
    assert gateway.lookup(idempotency_key="k1") == first
    assert gateway.charges == [first]


def test_the_same_key_returns_the_first_refusal_too(gateway):
    with pytest.raises(PaymentFailed, match="declined"):
        pay(gateway, card("0002"))
    # Even with a good card now: the key's outcome is settled; a new try needs a new key.
    with pytest.raises(PaymentFailed, match="declined"):
        pay(gateway, card("4242"))
    assert gateway.charges == []
    assert pay(gateway, card("4242"), key="k2").amount == usd("100.00")


def test_a_key_reused_for_another_amount_is_a_conflict(gateway):
    pay(gateway, card())
    with pytest.raises(IdempotencyConflict):
        pay(gateway, card(), amount="200.00")
    assert len(gateway.charges) == 1


@pytest.mark.parametrize("amount", ["0", "-5", "10.001"])
def test_amounts_that_cannot_be_paid_are_refused(gateway, amount):
    with pytest.raises(PaymentFailed) as refused:
        pay(gateway, card(), amount=amount)
    assert refused.value.code == "invalid_amount"
    assert gateway.charges == []


@pytest.mark.parametrize("amount", ["NaN", "Infinity", "-Infinity"])
def test_amounts_that_are_not_numbers_cannot_even_be_money(gateway, amount):
    # Money refuses them when it is made: no gateway ever sees one.
    with pytest.raises(ValueError):
        pay(gateway, card(), amount=amount)
    assert gateway.charges == []


def test_no_payment_method_is_refused(gateway):
    with pytest.raises(PaymentFailed) as refused:
        gateway.charge(method=None, amount=usd(50),  # type: ignore[arg-type]
                       idempotency_key="k", description="x")
    assert refused.value.code == "no_payment_method"


def test_a_timeout_after_the_charge_is_reconciled_by_lookup(gateway):
    gateway.time_out_next(after_charge=True)
    with pytest.raises(GatewayTimeout):
        pay(gateway, card())
    # The charge happened; the answer was lost. lookup finds it, a retry returns it.
    found = gateway.lookup(idempotency_key="k1")
    assert found is not None and gateway.charges == [found]
    assert pay(gateway, card()) == found
    assert len(gateway.charges) == 1


def test_a_timeout_before_the_charge_leaves_nothing(gateway):
    gateway.time_out_next(2, after_charge=False)
    for _ in range(2):
        with pytest.raises(GatewayTimeout):
            pay(gateway, card())
    assert gateway.lookup(idempotency_key="k1") is None and gateway.charges == []
    assert pay(gateway, card()).amount == usd("100.00")
    assert gateway.calls == 3 and len(gateway.charges) == 1


def test_concurrent_calls_with_one_key_charge_once(gateway):
    receipts: list[PaymentReceipt] = []
    barrier = threading.Barrier(8)

    def worker() -> None:
        barrier.wait()
        receipts.append(pay(gateway, card(), key="same"))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(receipts) == 8 and len(set(receipts)) == 1
    assert len(gateway.charges) == 1


def test_logs_never_show_more_than_brand_and_last4(gateway, caplog):
    caplog.set_level(logging.DEBUG, logger="bot.payments")
    pay(gateway, card("4242"))
    with pytest.raises(PaymentFailed):
        pay(gateway, card("0002"), key="k2")
    assert caplog.records, "the gateway logs what it did"
    text = caplog.text
    assert "Visa *4242" in text and "Visa *0002" in text
    assert "08/2027" not in text and "2027" not in text
    assert masked(card("4242")) == "Visa *4242"
    assert masked(PaymentMethod("invoice", po="PO-9")) == "invoice PO PO-9"
    assert masked(None) == "no payment method"


# --- the simulation's own book of charges, and its fault modes ---

def test_a_charge_is_found_by_another_process_after_a_crash(engine, clock):
    """The book is a table: a second gateway (another process, or the same one restarted)
    finds the charge, and the same key never charges twice across them."""
    first = SimulatedGateway(clock, engine=engine)
    receipt = pay(first, card("4242"), key="deposit:op:1")
    restarted = SimulatedGateway(clock, engine=engine)
    assert restarted.lookup(idempotency_key="deposit:op:1") == receipt
    assert pay(restarted, card("4242"), key="deposit:op:1") == receipt
    assert restarted.charges == [receipt]
    with pytest.raises(IdempotencyConflict):
        pay(restarted, card("4242"), key="deposit:op:1", amount="5.00")


def test_a_refusal_is_kept_in_the_book_too(engine, clock):
    first = SimulatedGateway(clock, engine=engine)
    with pytest.raises(PaymentFailed):
        pay(first, card("0002"), key="k-declined")
    with pytest.raises(PaymentFailed) as again:
        pay(SimulatedGateway(clock, engine=engine), card("4242"), key="k-declined")
    assert again.value.code == "card_declined"
    assert SimulatedGateway(clock, engine=engine).lookup(idempotency_key="k-declined") is None


@pytest.mark.parametrize(("fault", "charged"), [
    ("lose-answer-after-charge", True), ("lose-answer-before-charge", False)])
def test_fault_modes_from_the_settings_lose_the_answer(engine, clock, fault, charged):
    from tests.conftest import make_settings

    settings = make_settings(credits_gateway_fault=fault)
    gateway = SimulatedGateway.from_settings(settings, engine=engine, clock=clock)
    with pytest.raises(GatewayTimeout):
        pay(gateway, card("4242"), key="k-fault")
    found = gateway.lookup(idempotency_key="k-fault")
    assert (found is not None) is charged and len(gateway.charges) == int(charged)


def test_latency_delays_the_answer_after_the_charge(engine, clock):
    import time

    from tests.conftest import make_settings

    gateway = SimulatedGateway.from_settings(
        make_settings(credits_gateway_latency_seconds=0.3), engine=engine, clock=clock)
    seen = []
    worker = threading.Thread(target=lambda: seen.append(pay(gateway, card(), key="k-slow")))
    started = time.monotonic()
    worker.start()
    while not gateway.charges:  # charged at once, in the book before the answer comes
        time.sleep(0.01)
    assert not seen
    worker.join()
    assert time.monotonic() - started >= 0.3 and seen == gateway.charges


def test_an_unknown_fault_mode_is_refused():
    from pydantic import ValidationError

    from tests.conftest import make_settings

    with pytest.raises(ValidationError):
        make_settings(credits_gateway_fault="explode")
