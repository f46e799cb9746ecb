"""One-time deposits (`/credits deposit <amount> [memo]`) as durable payment attempts (DESIGN §7).

An attempt is a row in `deposit_attempts`, written before the gateway is ever called, with its
idempotency key, amount, currency and who asked:

    awaiting_confirmation -> created -> processing -> succeeded | failed
    awaiting_confirmation -> cancelled | expired      (never sent to the gateway)

1. request (one short transaction): the rules are checked and the attempt is written, waiting
   for its confirmation button when the amount is large, else `created`.
2. claim (one conditional UPDATE): `created` -> `processing`, with `check_at` = now + the check
   delay: until then the attempt is its claimer's; after it, anyone may reconcile it.
3. pay (no transaction): the gateway, under the attempt's key. A reconciling claim asks
   `lookup` first and charges (under the same key) only when the processor has no charge.
4. settle (one locked transaction): the attempt's state and, for a payment that went through,
   the ledger's deposit entry (same key, so it posts once) together.

A lost answer leaves the attempt `processing`, due at once: the sweep (and "Check again") asks
the gateway. A process that dies between the charge and the ledger entry leaves it `processing`
with a claim that lapses; the sweep then finds the charge through `lookup` and books it once.
An attempt in flight is never expired or cancelled: only the gateway can say how it ended.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.accounts import (
    AccountView,
    PaymentMethod,
    check_purchase_allowed,
    purchase_refusal,
    view,
)
from bot.clock import Clock
from bot.errors import (
    AccountNotFound,
    IdempotencyConflict,
    InvalidAmount,
    PaymentFailed,
    PurchaseNotAllowed,
    Sentence,
)
from bot.i18n import N_, t
from bot.ledger import Ledger
from bot.money import Money
from bot.payments import GatewayTimeout, PaymentGateway, PaymentReceipt, expired_card_reason
from storage import accounts as accounts_db
from storage import deposits as attempts_db
from storage.accounts import lock_account
from storage.db import read_session, write_transaction
from storage.ledger import find_entry
from storage.models import Account, DepositAttempt, OutboxMessage
from storage.outbox import DM_PREFIX, insert_message

log = logging.getLogger(__name__)

DEFAULT_MIN_DEPOSIT = Decimal(50)
DEFAULT_MAX_DEPOSIT = Decimal(1_000_000)
DEFAULT_CONFIRM_ABOVE = Decimal(10_000)
DEFAULT_CHECK_AFTER = timedelta(minutes=2)
CONFIRM_TTL = timedelta(minutes=15)
AWAITING, CREATED, PROCESSING = "awaiting_confirmation", "created", "processing"
SUCCEEDED, FAILED, CANCELLED, EXPIRED = "succeeded", "failed", "cancelled", "expired"
IN_FLIGHT = (CREATED, PROCESSING)
# Admins change it in Slack (handlers/actions/payment_method.py); operators can use the CLI too.
HOW_TO_SET_PAYMENT = N_("An admin sets one with `/credits payment set`.")
SETTLED_KIND = "deposit_settled"  # the outbox row telling a requester how the sweep settled it
CHECKING = N_("The payment service did not answer; the payment is being checked.")
# Names the attempt ids derived from a Slack request (so a replayed request finds its own).
_NAMESPACE = uuid.UUID("6f1c9a56-3a0e-4c43-9a55-2f0f6f6b7a10")


def attempt_id_for(*parts: str) -> str:
    """A stable attempt id for a request (the same Slack trigger gives the same id)."""
    return str(uuid.uuid5(_NAMESPACE, ":".join(parts)))


@dataclass(frozen=True)
class DepositQuote:
    """A deposit that may go ahead: what it costs, how it is paid, whether to confirm first."""

    account_id: int
    team_id: str
    amount: Money
    method: str  # "Visa ending 4242, expires 08/2027" or "invoice (PO PO-123)"
    balance: Money
    balance_after: Money
    needs_confirmation: bool

    @property
    def currency(self) -> str:
        return self.amount.currency


@dataclass(frozen=True)
class Attempt:
    """A deposit attempt as the handlers see it."""

    id: str
    key: str
    account_id: int
    status: str
    amount: Money
    memo: str | None
    requested_by: str
    method: str | None
    reason: str | None
    reference: str | None
    entry_id: int | None
    created_at: datetime
    expires_at: datetime | None

    @property
    def currency(self) -> str:
        return self.amount.currency

    @property
    def in_flight(self) -> bool:
        """Sent (or about to be sent) to the gateway, not settled yet: only `lookup` knows."""
        return self.status in IN_FLIGHT


@dataclass(frozen=True)
class DepositResult:
    """A deposit that was paid and booked."""

    account_id: int
    team_id: str
    amount: Money
    balance_after: Money
    reference: str | None  # the gateway's receipt reference
    method: str | None
    entry_id: int
    created_at: datetime
    applied: bool  # False: booked before; nothing was charged or booked now
    resumed: bool  # the deposit lifted a suspension

    @property
    def currency(self) -> str:
        return self.amount.currency


@dataclass(frozen=True)
class DepositOutcome:
    """Where an attempt stands after a call: `result` when it succeeded; `now` when this call
    moved it (a click that was second, or a replay, finds it moved already)."""

    attempt: Attempt
    result: DepositResult | None = None
    now: bool = True

    @property
    def status(self) -> str:
        return self.attempt.status


class Deposits:
    """Quote, request, pay, confirm, cancel and reconcile one-time deposits."""

    def __init__(self, engine: Engine, clock: Clock, gateway: PaymentGateway, ledger: Ledger, *,
                 min_deposit: Decimal = DEFAULT_MIN_DEPOSIT,
                 max_deposit: Decimal = DEFAULT_MAX_DEPOSIT,
                 confirm_above: Decimal = DEFAULT_CONFIRM_ABOVE,
                 check_after: timedelta = DEFAULT_CHECK_AFTER,
                 confirm_ttl: timedelta = CONFIRM_TTL) -> None:
        if not (0 < min_deposit <= max_deposit) or confirm_above <= 0:
            raise ValueError("deposit bounds must be positive and in order")
        self.engine = engine
        self.clock = clock
        self.gateway = gateway
        self.ledger = ledger
        self.min_deposit = min_deposit
        self.max_deposit = max_deposit
        self.confirm_above = confirm_above
        self.check_after = check_after
        self.confirm_ttl = confirm_ttl

    # -- asking ---------------------------------------------------------------------------------

    def quote(self, team_id: str, amount: Money) -> DepositQuote:
        """Check that the team may deposit this amount now; say whether to confirm first."""
        return self._quote(self._account(team_id), amount)

    def quote_for(self, account: AccountView, amount: Money) -> DepositQuote:
        """`quote` for an account the caller has just read (no second read of it)."""
        return self._quote(account, amount)

    def request(self, team_id: str, amount: Money, *, attempt_id: str, key: str, actor: str,
                memo: str | None = None) -> DepositOutcome:
        """Write the attempt (before any gateway call): awaiting its confirmation when large,
        else `created` for `pay`. The same id or key again returns the first attempt."""
        first = self._existing(attempt_id, key)
        if first is not None:
            return self._replayed(first, amount)
        quote = self.quote(team_id, amount)
        now = self.clock.now()
        attempt = DepositAttempt(
            id=attempt_id, idempotency_key=key, account_id=quote.account_id,
            status=AWAITING if quote.needs_confirmation else CREATED,
            amount_micros=amount.micros, currency=amount.currency, memo=memo,
            requested_by=actor, method=quote.method, created_at=now, updated_at=now,
            expires_at=now + self.confirm_ttl if quote.needs_confirmation else None,
            check_at=now + self.check_after)
        try:
            with write_transaction(self.engine) as session:
                attempts_db.insert_deposit_attempt(session=session, attempt=attempt)
                written = _attempt(attempt)
        except IntegrityError:  # a concurrent replay of the same request wrote it first
            found = self._existing(attempt_id, key)
            if found is None:
                raise
            return self._replayed(found, amount)
        return DepositOutcome(written)

    def deposit(self, team_id: str, amount: Money, *, key: str, actor: str,
                memo: str | None = None) -> DepositOutcome:
        """Request and pay a deposit in one go (no confirmation asked, for callers without
        buttons: the CLI, the console's scripts, tests)."""
        attempt_id = attempt_id_for("key", key)
        requested = self.request(team_id, amount, attempt_id=attempt_id, key=key, actor=actor,
                                 memo=memo)
        if requested.status == AWAITING:
            self.confirm(attempt_id, account_id=requested.attempt.account_id, actor=actor)
        return self.pay(attempt_id)

    def get(self, attempt_id: str) -> Attempt | None:
        with read_session(self.engine) as session:
            row = attempts_db.get_deposit_attempt(session=session, attempt_id=attempt_id)
            return _attempt(row) if row is not None else None

    # -- the buttons ----------------------------------------------------------------------------

    def confirm(self, attempt_id: str, *, account_id: int, actor: str) -> DepositOutcome | None:
        """Confirm an attempt that awaits it (-> `created`, to pay); None for an unknown id.
        A second click, or a click after the expiry, moves nothing."""
        now = self.clock.now()
        with write_transaction(self.engine) as session:
            row = attempts_db.get_deposit_attempt(session=session, attempt_id=attempt_id)
            if row is None or row.account_id != account_id:
                return None
            if row.status == AWAITING and row.expires_at is not None and row.expires_at <= now:
                attempts_db.move_deposit_attempt(
                    session=session, attempt_id=attempt_id, account_id=account_id,
                    from_statuses=(AWAITING,), to_status=EXPIRED, now=now)
                return DepositOutcome(self._reread(session, attempt_id), now=False)
            moved = attempts_db.move_deposit_attempt(
                session=session, attempt_id=attempt_id, account_id=account_id,
                from_statuses=(AWAITING,), to_status=CREATED, now=now, confirmed_by=actor,
                check_at=now + self.check_after)
            return DepositOutcome(self._reread(session, attempt_id), now=moved)

    def cancel(self, attempt_id: str, *, account_id: int) -> DepositOutcome | None:
        """Cancel an attempt that awaits its confirmation; None for an unknown id. One in flight
        stays as it is (only the gateway knows whether the card was charged: it is checked)."""
        now = self.clock.now()
        with write_transaction(self.engine) as session:
            row = attempts_db.get_deposit_attempt(session=session, attempt_id=attempt_id)
            if row is None or row.account_id != account_id:
                return None
            moved = attempts_db.move_deposit_attempt(
                session=session, attempt_id=attempt_id, account_id=account_id,
                from_statuses=(AWAITING,), to_status=CANCELLED, now=now)
            return DepositOutcome(self._reread(session, attempt_id), now=moved)

    # -- paying and reconciling -----------------------------------------------------------------

    def pay(self, attempt_id: str, *, announce: bool = False) -> DepositOutcome:
        """Pay a created attempt, or reconcile one in flight whose claim lapsed (a lost answer,
        a dead worker), and settle it; an attempt another worker holds is left to it. With
        `announce` (the sweep: nobody is waiting on the answer), its requester is told by DM
        how it ended, in the same transaction as the settlement."""
        claim = self._claim(attempt_id)
        if claim is None:
            found = self.get(attempt_id)
            if found is None:
                raise KeyError(attempt_id)
            return DepositOutcome(found, self._result_of(found), now=False)
        attempt, method, reconcile, blocker = claim
        receipt: PaymentReceipt | None = None
        try:
            # Ask before charging when a charge may exist: a lapsed claim (its worker may have
            # charged and died), or an attempt that may not be charged now (its key may have
            # been charged all the same: it is booked as it was paid).
            if reconcile or blocker is not None:
                receipt = self.gateway.lookup(idempotency_key=attempt.key)
            if receipt is None:
                if blocker is not None:  # nothing was charged, and now it may not be
                    return self._settle_failed(attempt, blocker, announce=announce)
                assert method is not None  # _blocker refuses an account without one
                receipt = self.gateway.charge(
                    method=method, amount=attempt.amount, idempotency_key=attempt.key,
                    description=f"Communications Credits deposit of {attempt.amount.format()}")
        except PaymentFailed as refusal:
            return self._settle_failed(attempt, refusal.reason, announce=announce)
        except GatewayTimeout:
            receipt = self._look_up(attempt)  # the answer was lost, not necessarily the charge
            if receipt is None:
                return self._settle_pending(attempt)
        return self._settle_succeeded(attempt, receipt, announce=announce)

    def _look_up(self, attempt: Attempt) -> PaymentReceipt | None:
        try:
            return self.gateway.lookup(idempotency_key=attempt.key)
        except GatewayTimeout:
            return None

    def sweep(self) -> list[DepositOutcome]:
        """The scheduler's pass: reconcile attempts in flight whose claim lapsed, expire the
        confirmations nobody gave; return the attempts it settled."""
        now = self.clock.now()
        with read_session(self.engine) as session:
            due = attempts_db.list_due_deposit_attempts(session=session, now=now)
        outcomes = []
        for attempt_id in due:
            try:
                outcome = self._expire(attempt_id, now) or self.pay(attempt_id, announce=True)
            except Exception:  # one broken attempt must not stop the others
                log.exception("deposits: settling attempt %s failed", attempt_id)
                continue
            if outcome.now and not outcome.attempt.in_flight:  # settled by this pass
                outcomes.append(outcome)
        return outcomes

    # -- steps ----------------------------------------------------------------------------------

    def _claim(self, attempt_id: str) -> tuple[Attempt, PaymentMethod | None, bool,
                                                 str | None] | None:
        now = self.clock.now()
        with write_transaction(self.engine) as session:
            row = attempts_db.get_deposit_attempt(session=session, attempt_id=attempt_id)
            if row is None or row.status not in IN_FLIGHT:
                return None
            account = lock_account(session=session, account_id=row.account_id)
            reconcile = row.status == PROCESSING
            # A created attempt is its requester's to pay at once; a processing one is free
            # again once its claim lapsed (its worker may have died after the charge).
            due_by = now if reconcile else None
            if not attempts_db.move_deposit_attempt(
                    session=session, attempt_id=attempt_id, account_id=row.account_id,
                    from_statuses=(row.status,), to_status=PROCESSING, now=now,
                    check_at=now + self.check_after, due_by=due_by):
                return None
            row = self._reread_row(session, attempt_id)
            row.tries += 1
            attempts_db.save_deposit_attempt(session=session, attempt=row)
            snapshot = view(account)
            return _attempt(row), snapshot.payment, reconcile, self._blocker(snapshot)

    def _settle_succeeded(self, attempt: Attempt, receipt: PaymentReceipt, *,
                          announce: bool = False) -> DepositOutcome:
        if receipt.amount != attempt.amount:
            raise IdempotencyConflict(N_("The payment {key} was made with another amount."),
                                      key=repr(attempt.key))
        now = self.clock.now()
        with write_transaction(self.engine) as session:
            account = lock_account(session=session, account_id=attempt.account_id)
            row = self._reread_row(session, attempt.id)
            if row.status != PROCESSING:  # another worker settled it first
                return DepositOutcome(_attempt(row), self._result_in(session, row), now=False)
            posting = self.ledger.deposit_in(
                session, account_id=attempt.account_id, amount=attempt.amount, key=attempt.key,
                actor=attempt.requested_by, memo=attempt.memo, reference=receipt.reference)
            row.status, row.gateway_ref, row.method = SUCCEEDED, receipt.reference, receipt.method
            row.ledger_entry_id, row.reason = posting.entry_id, None
            row.check_at, row.updated_at = None, now
            attempts_db.save_deposit_attempt(session=session, attempt=row)
            log.info("deposits: attempt %s succeeded (%s)", row.id, receipt.reference)
            if announce:
                _tell_requester(session, account, row, now, t(
                    ":white_check_mark: Your deposit of {amount} is booked: the payment "
                    "service's answer had been lost, and it confirmed the charge "
                    "({reference}). The balance is now {balance}.", account.language,
                    amount=attempt.amount.format(account.language), reference=receipt.reference,
                    balance=posting.balance_after.format(account.language)))
            return DepositOutcome(_attempt(row), DepositResult(
                account_id=attempt.account_id, team_id=account.team_id, amount=posting.amount,
                balance_after=posting.balance_after,
                reference=receipt.reference, method=receipt.method, entry_id=posting.entry_id,
                created_at=posting.created_at, applied=posting.applied,
                resumed=posting.resumed_now))

    def _settle_failed(self, attempt: Attempt, reason: str, *,
                       announce: bool = False) -> DepositOutcome:
        now = self.clock.now()
        with write_transaction(self.engine) as session:
            row = self._reread_row(session, attempt.id)
            if row.status != PROCESSING:
                return DepositOutcome(_attempt(row), self._result_in(session, row), now=False)
            row.status, row.reason = FAILED, reason[:300]
            row.check_at, row.updated_at = None, now
            attempts_db.save_deposit_attempt(session=session, attempt=row)
            if announce:
                account = accounts_db.get_account_by_id(session=session,
                                                        account_id=attempt.account_id)
                assert account is not None  # an attempt's account is never deleted
                # A refusal is stored in English; the catalog knows most (payments.py's N_).
                why = t(reason, account.language).rstrip(".")
                _tell_requester(session, account, row, now, t(
                    ":x: Your deposit of {amount} did not go through: {reason}. Nothing was "
                    "charged; `/credits deposit` tries again.", account.language,
                    amount=attempt.amount.format(account.language),
                    reason=why))
            return DepositOutcome(_attempt(row))

    def _settle_pending(self, attempt: Attempt) -> DepositOutcome:
        now = self.clock.now()
        with write_transaction(self.engine) as session:
            row = self._reread_row(session, attempt.id)
            if row.status != PROCESSING:
                return DepositOutcome(_attempt(row), self._result_in(session, row), now=False)
            # Due at once: the next sweep or "Check again" asks the gateway under the key.
            row.reason, row.check_at, row.updated_at = CHECKING, now, now
            attempts_db.save_deposit_attempt(session=session, attempt=row)
            return DepositOutcome(_attempt(row))

    def _expire(self, attempt_id: str, now: datetime) -> DepositOutcome | None:
        with write_transaction(self.engine) as session:
            row = attempts_db.get_deposit_attempt(session=session, attempt_id=attempt_id)
            if row is None or row.status != AWAITING:
                return None
            if row.expires_at is None or row.expires_at > now:
                return None
            attempts_db.move_deposit_attempt(
                session=session, attempt_id=attempt_id, account_id=row.account_id,
                from_statuses=(AWAITING,), to_status=EXPIRED, now=now)
            return DepositOutcome(self._reread(session, attempt_id))

    def _blocker(self, account: AccountView) -> str | None:
        """Why a created attempt may not be paid now (nothing was charged yet), or None."""
        refusal = purchase_refusal(account)
        if refusal:
            return refusal
        method = account.payment
        if method is None:
            return str(PurchaseNotAllowed(N_("There is no payment method on file. {how}"),
                                          how=Sentence.of(HOW_TO_SET_PAYMENT)))
        if method.expired(self.clock.now()):
            return expired_card_reason(method)
        return None

    def _existing(self, attempt_id: str, key: str) -> Attempt | None:
        with read_session(self.engine) as session:
            row = (attempts_db.get_deposit_attempt(session=session, attempt_id=attempt_id)
                   or attempts_db.find_deposit_attempt_by_key(session=session, key=key))
            return _attempt(row) if row is not None else None

    def _replayed(self, attempt: Attempt, amount: Money) -> DepositOutcome:
        if attempt.amount != amount:
            raise IdempotencyConflict(N_("The request {key} was already used for another "
                                         "amount."), key=repr(attempt.key))
        return DepositOutcome(attempt, self._result_of(attempt), now=False)

    def _result_of(self, attempt: Attempt) -> DepositResult | None:
        if attempt.status != SUCCEEDED:
            return None
        with read_session(self.engine) as session:
            row = attempts_db.get_deposit_attempt(session=session, attempt_id=attempt.id)
            return self._result_in(session, row) if row is not None else None

    def _result_in(self, session: Session, row: DepositAttempt) -> DepositResult | None:
        if row.status != SUCCEEDED:
            return None
        entry = find_entry(session=session, idempotency_key=row.idempotency_key)
        account = accounts_db.get_account_by_id(session=session, account_id=row.account_id)
        if entry is None or account is None:
            return None
        return DepositResult(
            account_id=row.account_id, team_id=account.team_id,
            amount=Money.from_micros(entry.amount_micros, row.currency),
            balance_after=Money.from_micros(entry.balance_after_micros, row.currency),
            reference=entry.reference,
            method=row.method, entry_id=entry.id or 0, created_at=entry.created_at,
            applied=False, resumed=False)

    def _reread(self, session: Session, attempt_id: str) -> Attempt:
        return _attempt(self._reread_row(session, attempt_id))

    @staticmethod
    def _reread_row(session: Session, attempt_id: str) -> DepositAttempt:
        row = attempts_db.get_deposit_attempt(session=session, attempt_id=attempt_id)
        assert row is not None  # attempts are never deleted
        return row

    def _quote(self, account: AccountView, amount: Money) -> DepositQuote:
        self._check_amount(amount, account.currency)
        check_purchase_allowed(account)
        method = account.payment
        if method is None:
            raise PurchaseNotAllowed(N_("There is no payment method on file. {how}"),
                                     how=Sentence.of(HOW_TO_SET_PAYMENT))
        if method.expired(self.clock.now()):
            raise PurchaseNotAllowed(N_("Card expired {expiry}: update the payment method. {how}"),
                                     expiry=method.expiry_text, how=Sentence.of(HOW_TO_SET_PAYMENT))
        return DepositQuote(
            account_id=account.id, team_id=account.team_id, amount=amount,
            method=method.describe(), balance=account.balance,
            balance_after=account.balance + amount,
            needs_confirmation=amount.amount > self.confirm_above)

    def _account(self, team_id: str) -> AccountView:
        with read_session(self.engine) as session:
            found = accounts_db.get_account(session=session, team_id=team_id)
            if found is None:
                raise AccountNotFound(N_("There is no credits account for team {team}."),
                                      team=team_id)
            return view(found)

    def _check_amount(self, amount: Money, currency: str) -> None:
        # The bounds are plain numbers of the account's currency (CREDITS_MIN_DEPOSIT, …).
        if not isinstance(amount, Money) or not amount.is_positive:
            raise InvalidAmount(N_("A deposit must be a positive amount."))
        amount.in_currency(currency)
        if amount != amount.rounded():
            raise InvalidAmount(N_("Use at most {decimals} decimals for money."), decimals=2)
        if amount.amount < self.min_deposit:
            raise PurchaseNotAllowed(N_("The smallest deposit is {amount}."),
                                     amount=Money(self.min_deposit, currency).format)
        if amount.amount > self.max_deposit:
            raise PurchaseNotAllowed(
                N_("One deposit can be at most {amount}. Split a larger amount into several "
                   "deposits."), amount=Money(self.max_deposit, currency).format)


def _tell_requester(session: Session, account: Account, row: DepositAttempt, now: datetime,
                    text: str) -> None:
    """Queue a DM to the person who asked for the deposit (a Slack user; an operator or the
    auto-recharge has nobody to tell), once per attempt: the outbox delivers it."""
    if not row.requested_by.startswith(("U", "W")):
        return
    assert account.id is not None
    insert_message(session=session, message=OutboxMessage(
        account_id=account.id, dedupe_key=f"deposit-settled:{row.id}", kind=SETTLED_KIND,
        channel=f"{DM_PREFIX}{row.requested_by}", text=text, next_attempt_at=now,
        created_at=now))


def _attempt(row: DepositAttempt) -> Attempt:
    return Attempt(
        id=row.id, key=row.idempotency_key, account_id=row.account_id, status=row.status,
        amount=Money.from_micros(row.amount_micros, row.currency), memo=row.memo,
        requested_by=row.requested_by, method=row.method, reason=row.reason,
        reference=row.gateway_ref, entry_id=row.ledger_entry_id, created_at=row.created_at,
        expires_at=row.expires_at)
