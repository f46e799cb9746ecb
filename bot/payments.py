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
import time
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import Engine

from bot.accounts import PaymentMethod
from bot.clock import Clock
from bot.errors import CreditsError, IdempotencyConflict, PaymentFailed
from bot.i18n import N_
from bot.money import Money
from storage import gateway_charges as charges_db
from storage.db import read_session, write_transaction
from storage.models import GatewayCharge

if TYPE_CHECKING:
    from bot.config import Settings

log = logging.getLogger(__name__)

# Stripe's test cards (https://docs.stripe.com/testing), keyed by the last 4 digits.
DECLINES: dict[str, tuple[str, str]] = {
    "0002": ("card_declined", N_("Your card was declined.")),
    "9995": ("insufficient_funds", N_("Your card has insufficient funds.")),
    "0069": ("expired_card", N_("Your card has expired: update the payment method.")),
}


class GatewayTimeout(CreditsError):
    """The gateway did not answer in time: the payment may or may not have happened."""

    def __init__(self, message: str = N_("The payment service did not answer in time, so it is "
                                         "not known yet whether the payment went through. It "
                                         "is checked before anything is charged again.")) -> None:
        super().__init__(message)


@dataclass(frozen=True)
class PaymentReceipt:
    """A payment that went through."""

    reference: str
    amount: Money
    method: str  # what the payer sees: "Visa ending 4242, expires 08/2027" or "invoice PO-1"
    idempotency_key: str
    charged_at: datetime


class PaymentGateway(Protocol):
    def charge(self, *, method: PaymentMethod, amount: Money, idempotency_key: str,
               description: str) -> PaymentReceipt:
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


def check_payment(method: PaymentMethod | None, amount: Money, now: datetime) -> None:
    """Raise PaymentFailed when the simulated processor would refuse this payment."""
    if method is None:
        raise PaymentFailed(N_("There is no payment method on file."), code="no_payment_method")
    if not amount.is_positive or amount != amount.rounded():
        raise PaymentFailed(f"{amount.amount} is not an amount that can be paid.",
                            code="invalid_amount")
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


FAULTS = ("none", "lose-answer-after-charge", "lose-answer-before-charge")


class _Book(Protocol):
    """Where the simulated processor keeps each key's first result."""

    def get(self, key: str) -> _Entry | None: ...

    def put(self, entry: _Entry) -> _Entry:
        """Store the key's result, or return the one stored first."""
        ...

    def receipts(self) -> list[PaymentReceipt]: ...


@dataclass(frozen=True)
class _Entry:
    key: str
    amount: Money
    result: PaymentReceipt | PaymentFailed
    at: datetime


class _MemoryBook:
    """A book in this process only (unit tests of the gateway itself)."""

    def __init__(self) -> None:
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> _Entry | None:
        with self._lock:
            return self._entries.get(key)

    def put(self, entry: _Entry) -> _Entry:
        with self._lock:
            return self._entries.setdefault(entry.key, entry)

    def receipts(self) -> list[PaymentReceipt]:
        with self._lock:
            return [e.result for e in self._entries.values()
                    if isinstance(e.result, PaymentReceipt)]


class _TableBook:
    """The `gateway_charges` table: a charge outlives the process that made it, as it would at
    a real processor, and every process (and replica) sees the same charges."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def get(self, key: str) -> _Entry | None:
        with read_session(self.engine) as session:
            row = charges_db.get_gateway_charge(session=session, key=key)
            return _entry_of(row) if row is not None else None

    def put(self, entry: _Entry) -> _Entry:
        with write_transaction(self.engine) as session:
            return _entry_of(charges_db.insert_gateway_charge(session=session,
                                                              charge=_row_of(entry)))

    def receipts(self) -> list[PaymentReceipt]:
        with read_session(self.engine) as session:
            return [result for row in charges_db.list_gateway_charges(session=session)
                    if isinstance(result := _entry_of(row).result, PaymentReceipt)]


def _row_of(entry: _Entry) -> GatewayCharge:
    result = entry.result
    if isinstance(result, PaymentReceipt):
        return GatewayCharge(idempotency_key=entry.key, amount_micros=entry.amount.micros,
                             currency=entry.amount.currency, outcome="succeeded",
                             reference=result.reference, method=result.method,
                             charged_at=result.charged_at)
    return GatewayCharge(idempotency_key=entry.key, amount_micros=entry.amount.micros,
                         currency=entry.amount.currency, outcome="failed", code=result.code[:32],
                         reason=result.reason[:300], method="", charged_at=entry.at)


def _entry_of(row: GatewayCharge) -> _Entry:
    amount = Money.from_micros(row.amount_micros, row.currency)
    result: PaymentReceipt | PaymentFailed
    if row.outcome == "succeeded":
        result = PaymentReceipt(reference=row.reference or "", amount=amount, method=row.method,
                                idempotency_key=row.idempotency_key, charged_at=row.charged_at)
    else:
        result = PaymentFailed(row.reason or "", code=row.code or "declined")
    return _Entry(key=row.idempotency_key, amount=amount, result=result, at=row.charged_at)


class SimulatedGateway:
    """Invoice billing and a card processor simulation; thread-safe and idempotent.

    With an engine it keeps its charges in its own table (`gateway_charges`), where a real
    processor keeps them: `lookup` finds a charge made just before this process died, from any
    process. Without one it keeps them in memory (tests of the gateway alone).

    Fault modes rehearse what a real processor does to us (CREDITS_GATEWAY_FAULT and
    CREDITS_GATEWAY_LATENCY_SECONDS, see `from_settings`): `latency` delays every charge's
    answer after the charge was made; `fault` loses the answer of every charge, after the
    charge was made (`lose-answer-after-charge`) or before (`lose-answer-before-charge`).
    `time_out_next` and `time_out_lookups` do the same for the next calls only (tests).
    `charges` lists every payment that went through (tests count it: one charge per key, ever).
    """

    def __init__(self, clock: Clock, *, engine: Engine | None = None, latency: float = 0.0,
                 fault: str = "none") -> None:
        if fault not in FAULTS:
            raise ValueError(f"unknown gateway fault {fault!r}: one of {', '.join(FAULTS)}")
        self.clock = clock
        self.latency = latency
        self.fault = fault
        self.calls = 0
        self._book: _Book = _TableBook(engine) if engine is not None else _MemoryBook()
        self._timeouts: list[bool] = []  # True: after the charge; False: before it
        self._lookup_timeouts = 0
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings, *, engine: Engine,
                      clock: Clock) -> SimulatedGateway:
        """The simulation `serve`, `socket` and `console` use, with the configured faults."""
        return cls(clock, engine=engine, latency=settings.credits_gateway_latency_seconds,
                   fault=settings.credits_gateway_fault)

    @property
    def charges(self) -> list[PaymentReceipt]:
        return self._book.receipts()

    def time_out_next(self, count: int = 1, *, after_charge: bool = True) -> None:
        """Make the next `count` charge calls time out (after or before charging)."""
        with self._lock:
            self._timeouts.extend([after_charge] * count)

    def time_out_lookups(self, count: int = 1) -> None:
        """Make the next `count` lookups time out (the processor is unreachable)."""
        with self._lock:
            self._lookup_timeouts += count

    def charge(self, *, method: PaymentMethod, amount: Money, idempotency_key: str,
               description: str) -> PaymentReceipt:
        """Charge once per key; the same key again returns the first result."""
        with self._lock:
            self.calls += 1
            scripted = self._timeouts.pop(0) if self._timeouts else None
        timeout_after = scripted if scripted is not None else {
            "lose-answer-after-charge": True, "lose-answer-before-charge": False}.get(self.fault)
        if timeout_after is False:
            log.info("gateway: timed out before charging %s", masked(method))
            raise GatewayTimeout()
        entry = self._book.get(idempotency_key)
        if entry is None:
            decided = _Entry(key=idempotency_key, amount=amount,
                             result=self._decide(method, amount, idempotency_key),
                             at=self.clock.now())
            entry = self._book.put(decided)
            if entry.at == decided.at:
                log.info("gateway: %s %s for %s (%s)", amount, masked(method),
                         description, "ok" if isinstance(entry.result, PaymentReceipt)
                         else entry.result.code)
        if entry.amount != amount:
            raise IdempotencyConflict(N_("This payment key was already used for a different "
                                         "amount."))
        if self.latency:
            time.sleep(self.latency)  # the charge is made; its answer takes this long
        if timeout_after:
            raise GatewayTimeout()
        if isinstance(entry.result, PaymentFailed):
            raise PaymentFailed(entry.result.reason, code=entry.result.code)
        return entry.result

    def lookup(self, *, idempotency_key: str) -> PaymentReceipt | None:
        """The receipt of the payment made under this key, if one was made."""
        with self._lock:
            if self._lookup_timeouts:
                self._lookup_timeouts -= 1
                raise GatewayTimeout()
        entry = self._book.get(idempotency_key)
        return entry.result if entry is not None and isinstance(entry.result,
                                                                PaymentReceipt) else None

    def _decide(self, method: PaymentMethod, amount: Money,
                key: str) -> PaymentReceipt | PaymentFailed:
        now = self.clock.now()
        try:
            check_payment(method, amount, now)
        except PaymentFailed as refusal:
            return refusal
        if method.kind == "invoice":
            reference = f"INV-{method.po}-{short_key(key)}"
        else:
            reference = f"ch_sim_{short_key(key)}"
        return PaymentReceipt(reference=reference, amount=amount,
                              method=method.describe(), idempotency_key=key, charged_at=now)
