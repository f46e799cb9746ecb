"""One-time deposits (`/credits deposit <amount> [memo]`): checked, paid, then booked once.

The payment is taken first and the ledger entry posted after, both under the request's key. A
crash between the two leaves a payment without its entry; the retry with the same key gets the
first receipt back from the gateway (no second charge) and posts the entry once, even if the rules
would refuse a new deposit by then. A request whose entry exists already is answered from the
ledger and charges nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Engine

from bot.accounts import AccountView, PaymentMethod, check_purchase_allowed, view
from bot.clock import Clock
from bot.errors import AccountNotFound, IdempotencyConflict, InvalidAmount, PurchaseNotAllowed
from bot.ledger import Ledger
from bot.money import format_money, round_cents
from bot.payments import GatewayTimeout, PaymentGateway, PaymentReceipt, expired_card_reason
from storage import accounts as accounts_db
from storage.db import read_session
from storage.ledger import find_entry
from storage.units import from_micros

DEFAULT_MIN_DEPOSIT = Decimal(50)
DEFAULT_MAX_DEPOSIT = Decimal(1_000_000)
DEFAULT_CONFIRM_ABOVE = Decimal(10_000)
HOW_TO_SET_PAYMENT = (
    "An operator sets one with `credits-bot account set-payment-method card --brand visa "
    "--last4 4242 --expires 2027-08` or `credits-bot account set-payment-method invoice "
    "--po PO-123`.")


@dataclass(frozen=True)
class DepositQuote:
    """A deposit that may go ahead: what it costs, how it is paid, whether to confirm first."""

    account_id: int
    team_id: str
    amount: Decimal
    currency: str
    method: str  # "Visa ending 4242, expires 08/2027" or "invoice (PO PO-123)"
    balance: Decimal
    balance_after: Decimal
    needs_confirmation: bool


@dataclass(frozen=True)
class DepositResult:
    """A deposit that was paid and booked (or, on a repeated key, the first result again)."""

    account_id: int
    team_id: str
    amount: Decimal
    currency: str
    balance_after: Decimal
    reference: str | None  # the gateway's receipt reference
    method: str | None
    entry_id: int
    created_at: datetime
    applied: bool  # False: this key was done before; nothing was charged or booked now
    resumed: bool  # the deposit lifted a suspension


class Deposits:
    """Quote and make one-time deposits through the account's payment method."""

    def __init__(self, engine: Engine, clock: Clock, gateway: PaymentGateway, ledger: Ledger, *,
                 min_deposit: Decimal = DEFAULT_MIN_DEPOSIT,
                 max_deposit: Decimal = DEFAULT_MAX_DEPOSIT,
                 confirm_above: Decimal = DEFAULT_CONFIRM_ABOVE) -> None:
        if not (0 < min_deposit <= max_deposit) or confirm_above <= 0:
            raise ValueError("deposit bounds must be positive and in order")
        self.engine = engine
        self.clock = clock
        self.gateway = gateway
        self.ledger = ledger
        self.min_deposit = min_deposit
        self.max_deposit = max_deposit
        self.confirm_above = confirm_above

    def quote(self, team_id: str, amount: Decimal) -> DepositQuote:
        """Check that the team may deposit this amount now; say whether to confirm first."""
        return self._quote(self._account(team_id), amount)

    def deposit(self, team_id: str, amount: Decimal, *, key: str, actor: str,
                memo: str | None = None) -> DepositResult:
        """Pay and book a deposit once per key; raise PaymentFailed (nothing changed) on a
        refusal, GatewayTimeout when the payment's outcome is not known yet."""
        first = self._replay(team_id, amount, key)
        if first is not None:
            return first
        account = self._account(team_id)
        # A payment under this key without its entry: an earlier try died between the two.
        # It is booked as it was paid, even if the rules would refuse a new deposit now.
        receipt = self.gateway.lookup(idempotency_key=key)
        if receipt is None:
            quote = self._quote(account, amount)
            assert account.payment is not None  # _quote refuses an account without one
            receipt = self._pay(account.payment, quote, key)
        elif receipt.amount != amount:
            raise IdempotencyConflict(f"The request {key!r} was already paid with another amount.")
        posting = self.ledger.deposit(
            account_id=account.id, amount=amount, key=key, actor=actor, memo=memo,
            reference=receipt.reference)
        return DepositResult(
            account_id=account.id, team_id=account.team_id, amount=posting.amount,
            currency=account.currency, balance_after=posting.balance_after,
            reference=receipt.reference, method=receipt.method, entry_id=posting.entry_id,
            created_at=posting.created_at, applied=posting.applied,
            resumed=posting.resumed_now)

    def _quote(self, account: AccountView, amount: Decimal) -> DepositQuote:
        self._check_amount(amount, account.currency)
        check_purchase_allowed(account)
        method = account.payment
        if method is None:
            raise PurchaseNotAllowed("There is no payment method on file. " + HOW_TO_SET_PAYMENT)
        if method.expired(self.clock.now()):
            raise PurchaseNotAllowed(expired_card_reason(method).capitalize() + ". "
                                     + HOW_TO_SET_PAYMENT)
        return DepositQuote(
            account_id=account.id, team_id=account.team_id, amount=amount,
            currency=account.currency, method=method.describe(), balance=account.balance,
            balance_after=account.balance + amount,
            needs_confirmation=amount > self.confirm_above)

    def _pay(self, method: PaymentMethod, quote: DepositQuote, key: str) -> PaymentReceipt:
        description = (f"Communications Credits deposit of "
                       f"{format_money(quote.amount, quote.currency)} for {quote.team_id}")
        try:
            return self.gateway.charge(method=method, amount=quote.amount,
                                       currency=quote.currency, idempotency_key=key,
                                       description=description)
        except GatewayTimeout:
            # The answer was lost, not necessarily the payment: ask, never charge blindly.
            found = self.gateway.lookup(idempotency_key=key)
            if found is None:
                raise
            return found

    def _replay(self, team_id: str, amount: Decimal, key: str) -> DepositResult | None:
        with read_session(self.engine) as session:
            entry = find_entry(session=session, idempotency_key=key)
            account = accounts_db.get_account(session=session, team_id=team_id)
        if entry is None:
            return None
        if (account is None or entry.account_id != account.id or entry.kind != "deposit"
                or from_micros(entry.amount_micros) != amount):
            raise IdempotencyConflict(f"The request {key!r} was already used for another change.")
        receipt = self.gateway.lookup(idempotency_key=key)
        return DepositResult(
            account_id=entry.account_id, team_id=team_id, amount=from_micros(entry.amount_micros),
            currency=account.currency, balance_after=from_micros(entry.balance_after_micros),
            reference=entry.reference, method=receipt.method if receipt else None,
            entry_id=entry.id or 0, created_at=entry.created_at, applied=False, resumed=False)

    def _account(self, team_id: str) -> AccountView:
        with read_session(self.engine) as session:
            found = accounts_db.get_account(session=session, team_id=team_id)
            if found is None:
                raise AccountNotFound(f"There is no credits account for team {team_id}.")
            return view(found)

    def _check_amount(self, amount: Decimal, currency: str) -> None:
        if not isinstance(amount, Decimal) or not amount.is_finite() or amount <= 0:
            raise InvalidAmount("A deposit must be a positive amount.")
        if amount != round_cents(amount):
            raise InvalidAmount("Use at most 2 decimals for money.")
        if amount < self.min_deposit:
            raise PurchaseNotAllowed(
                f"The smallest deposit is {format_money(self.min_deposit, currency)}.")
        if amount > self.max_deposit:
            raise PurchaseNotAllowed(
                f"One deposit can be at most {format_money(self.max_deposit, currency)}. "
                "Split a larger amount into several deposits.")
