"""Payment gateways behind one small interface: invoice, and a card processor simulation.

Every call carries an idempotency key: the same key returns the first result (a receipt, or the
first refusal) and never charges twice. A call that timed out has an unknown outcome; it is
reconciled with `lookup`, never blindly repeated under a new key.

The card simulation behaves like Stripe's test cards, by the last 4 digits: 4242 succeeds, 0002
is declined, 9995 has insufficient funds, 0069 is an expired card; any card whose expiry month
has passed fails. Other digits succeed. Nothing here ever sees or logs more than brand + last 4.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from bot.accounts import PaymentMethod
from bot.clock import Clock
from bot.errors import CreditsError, IdempotencyConflict, PaymentFailed
from bot.money import round_cents

log = logging.getLogger(__name__)

# Stripe's test cards (https://docs.stripe.com/testing), keyed by the last 4 digits.
DECLINES: dict[str, tuple[str, str]] = {
    "0002": ("card_declined", "Your card was declined."),
    "9995": ("insufficient_funds", "Your card has insufficient funds."),
    "0069": ("expired_card", "Your card has expired: update the payment method."),
}


class GatewayTimeout(CreditsError):
    """The gateway did not answer in time: the payment may or may not have happened."""

    def __init__(self, message: str = ("The payment service did not answer in time, so it is "
                                       "not known yet whether the payment went through. It is "
                                       "checked before anything is charged again.")) -> None:
        super().__init__(message)


@dataclass(frozen=True)
class PaymentReceipt:
    """A payment that went through."""

    reference: str
    amount: Decimal
    currency: str
    method: str  # what the payer sees: "Visa ending 4242, expires 08/2027" or "invoice PO-1"
    idempotency_key: str
    charged_at: datetime


class PaymentGateway(Protocol):
    def charge(self, *, method: PaymentMethod, amount: Decimal, currency: str,
               idempotency_key: str, description: str) -> PaymentReceipt:
        """Take a payment once per key; raise PaymentFailed on a refusal, GatewayTimeout when
        the outcome is unknown."""
        ...

    def lookup(self, *, idempotency_key: str) -> PaymentReceipt | None:
        """Return the receipt of the payment made under this key, or None if none was made."""
        ...


def expired_card_reason(method: PaymentMethod) -> str:
    """The refusal of a card whose expiry month has passed (DESIGN §7's wording)."""
    return f"card expired {method.expiry_text}: update the payment method"


def masked(method: PaymentMethod | None) -> str:
    """The most of a payment method that may appear in a log line."""
    if method is None:
        return "no payment method"
    if method.kind == "card":
        return f"{(method.brand or 'card').title()} *{method.last4}"
    return f"invoice PO {method.po}"


def short_key(key: str) -> str:
    """A short, stable tag of an idempotency key for references."""
    return hashlib.sha256(key.encode()).hexdigest()[:8]


def check_payment(method: PaymentMethod | None, amount: Decimal, currency: str,
                  now: datetime) -> None:
    """Raise PaymentFailed when the simulated processor would refuse this payment."""
    if method is None:
        raise PaymentFailed("There is no payment method on file.", code="no_payment_method")
    if not amount.is_finite() or amount <= 0 or amount != round_cents(amount):
        raise PaymentFailed(f"{amount} is not an amount that can be paid.", code="invalid_amount")
    if len(currency) != 3 or not currency.isalpha():
        raise PaymentFailed(f"{currency!r} is not a currency.", code="invalid_currency")
    if method.kind == "invoice":
        if not method.po:
            raise PaymentFailed("Invoice billing needs a purchase order number.",
                                code="missing_po")
        return
    if method.kind != "card":
        raise PaymentFailed(f"Unknown payment method {method.kind!r}.", code="unknown_method")
    if method.expired(now):
        raise PaymentFailed(expired_card_reason(method), code="expired_card")
    decline = DECLINES.get(method.last4 or "")
    if decline is not None:
        code, reason = decline
        raise PaymentFailed(reason, code=code)


class SimulatedGateway:
    """Invoice billing and a card processor simulation; in memory, thread-safe, idempotent.

    `charges` lists every payment that went through (tests count it: one charge per key, ever).
    `time_out_next` makes the next calls time out before anything happens, or after the charge
    was made (the realistic case: the charge happened, the answer was lost).
    """

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.charges: list[PaymentReceipt] = []
        self.calls = 0
        self._results: dict[str, PaymentReceipt | PaymentFailed] = {}
        self._requests: dict[str, tuple[Decimal, str]] = {}
        self._timeouts: list[bool] = []  # True: after the charge; False: before it
        self._lock = threading.Lock()

    def time_out_next(self, count: int = 1, *, after_charge: bool = True) -> None:
        """Make the next `count` charge calls time out (after or before charging)."""
        with self._lock:
            self._timeouts.extend([after_charge] * count)

    def charge(self, *, method: PaymentMethod, amount: Decimal, currency: str,
               idempotency_key: str, description: str) -> PaymentReceipt:
        """Charge once per key; the same key again returns the first result."""
        with self._lock:
            self.calls += 1
            timeout_after = self._timeouts.pop(0) if self._timeouts else None
            if timeout_after is False:
                log.info("gateway: timed out before charging %s", masked(method))
                raise GatewayTimeout()
            result = self._results.get(idempotency_key)
            if result is None:
                result = self._decide(method, amount, currency, idempotency_key)
                self._results[idempotency_key] = result
                self._requests[idempotency_key] = (amount, currency)
                if isinstance(result, PaymentReceipt):
                    self.charges.append(result)
                log.info("gateway: %s %s %s for %s (%s)", currency, amount, masked(method),
                         description, "ok" if isinstance(result, PaymentReceipt)
                         else result.code)
            elif self._requests[idempotency_key] != (amount, currency):
                raise IdempotencyConflict(
                    "This payment key was already used for a different amount.")
            if timeout_after:
                raise GatewayTimeout()
        if isinstance(result, PaymentFailed):
            raise PaymentFailed(result.reason, code=result.code)
        return result

    def lookup(self, *, idempotency_key: str) -> PaymentReceipt | None:
        """The receipt of the payment made under this key, if one was made."""
        with self._lock:
            result = self._results.get(idempotency_key)
        return result if isinstance(result, PaymentReceipt) else None

    def _decide(self, method: PaymentMethod, amount: Decimal, currency: str,
                key: str) -> PaymentReceipt | PaymentFailed:
        now = self.clock.now()
        try:
            check_payment(method, amount, currency, now)
        except PaymentFailed as refusal:
            return refusal
        if method.kind == "invoice":
            reference = f"INV-{method.po}-{short_key(key)}"
        else:
            reference = f"ch_sim_{short_key(key)}"
        return PaymentReceipt(reference=reference, amount=amount, currency=currency,
                              method=method.describe(), idempotency_key=key, charged_at=now)
