"""The ledger: every change of a balance is one immutable entry, applied once per key.

Rules (DESIGN §4):
- `balance == sum(entries)`; the account row keeps the balance and a version bumped per entry.
- Deposits, recharges and positive adjustments are lots that expire 12 months after purchase;
  charges, negative adjustments and expiries draw on lots first-in, first-out. What the lots
  still hold always equals the balance when it is positive, and nothing when it is not.
- A charge is never refused (the calls already happened): the balance may go below zero.
- At zero or below the account is suspended; a change that brings it above zero lifts that.
  A post-paid (Microsoft Customer Agreement) account is never suspended: its calls are invoiced.
- The same idempotency key again applies nothing and returns the first result.

Every function here runs inside the caller's `write_transaction` and locks the account first.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Session

from bot.accounts import POSTPAID, currency_of
from bot.clock import Clock, add_months
from bot.errors import IdempotencyConflict
from bot.money import Money
from bot.redaction import redact_card_numbers
from storage import ledger as entries_db
from storage.accounts import list_accounts, lock_account
from storage.db import read_session, write_transaction
from storage.models import Account, LedgerEntry, Lot
from storage.units import from_micros

KINDS = ("deposit", "recharge", "charge", "expiry", "adjustment")
PURCHASE_KINDS = ("deposit", "recharge")
LOT_LIFETIME_MONTHS = 12


@dataclass(frozen=True)
class LotView:
    """Purchased credits: how much, how much is left, and when what is left expires."""

    purchased: Money
    remaining: Money
    purchased_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class Posting:
    """The outcome of one money change (or, on a repeated key, of its first application)."""

    entry_id: int
    account_id: int
    kind: str
    amount: Money
    balance_before: Money
    balance_after: Money
    account_version: int
    idempotency_key: str
    created_at: datetime
    applied: bool  # False: the key was seen before and this is the first result again

    @property
    def suspended(self) -> bool:
        return not self.balance_after.is_positive

    @property
    def suspended_now(self) -> bool:
        return (self.applied and self.balance_before.is_positive
                and not self.balance_after.is_positive)

    @property
    def resumed_now(self) -> bool:
        return (self.applied and not self.balance_before.is_positive
                and self.balance_after.is_positive)


def deposit(session: Session, *, account_id: int, amount: Money, key: str, actor: str,
            now: datetime, memo: str | None = None, reference: str | None = None,
            kind: str = "deposit") -> Posting:
    """Add purchased credits (a deposit or a recharge) as a new lot."""
    if kind not in PURCHASE_KINDS:
        raise ValueError(f"not a purchase: {kind}")
    _require_positive(amount)
    return _post(session, account_id=account_id, kind=kind, amount=amount, key=key, actor=actor,
                 now=now, memo=memo, reference=reference)


def charge(session: Session, *, account_id: int, amount: Money, key: str, actor: str,
           now: datetime, memo: str | None = None, reference: str | None = None) -> Posting:
    """Take the cost of calls that already happened; never refused, may go below zero."""
    if amount.is_negative:
        raise ValueError("a charge is a cost, not a refund: use an adjustment")
    return _post(session, account_id=account_id, kind="charge", amount=-amount, key=key,
                 actor=actor, now=now, memo=memo, reference=reference)


def adjust(session: Session, *, account_id: int, amount: Money, key: str, actor: str,
           now: datetime, memo: str | None = None) -> Posting:
    """Correct a balance by a signed amount (a positive one is a lot like a purchase)."""
    if amount.is_zero:
        raise ValueError("an adjustment of zero changes nothing")
    return _post(session, account_id=account_id, kind="adjustment", amount=amount, key=key,
                 actor=actor, now=now, memo=memo, reference=None)


def expire_lots(session: Session, *, account_id: int, now: datetime) -> list[Posting]:
    """Write an `expiry` entry for what each lot past its 12 months still holds."""
    account = lock_account(session=session, account_id=account_id)
    postings = []
    for lot in entries_db.lots_expired_by(session=session, account_id=account_id, now=now):
        left = Money.from_micros(lot.remaining_micros, account.currency)
        postings.append(_post(
            session, account_id=account_id, kind="expiry", amount=-left,
            key=f"expiry:lot:{lot.id}", actor="system", now=now,
            memo=f"credits bought {lot.purchased_at:%Y-%m-%d} expired", reference=f"lot:{lot.id}",
            expiring_lot=lot))
    return postings


def _require_positive(amount: Money) -> None:
    if not amount.is_positive:
        raise ValueError("amount must be positive")


def _post(session: Session, *, account_id: int, kind: str, amount: Money, key: str, actor: str,
          now: datetime, memo: str | None, reference: str | None,
          expiring_lot: Lot | None = None) -> Posting:
    micros = amount.micros
    if Money.from_micros(micros, amount.currency) != amount:
        raise ValueError("money is kept to the micro-unit; that amount is finer")
    account = lock_account(session=session, account_id=account_id)
    amount.in_currency(account.currency, use="posted to")
    first = entries_db.find_entry(session=session, idempotency_key=key)
    if first is not None:
        if (first.account_id, first.kind, first.amount_micros) != (account_id, kind, micros):
            raise IdempotencyConflict(
                f"idempotency key {key!r} was used for a different change")
        return _posting(first, applied=False, currency=account.currency)

    before = account.balance_micros
    after = before + micros
    account.balance_micros = after
    account.version += 1
    _set_suspension(account, after, now)
    entry = entries_db.insert_entry(session=session, entry=LedgerEntry(
        account_id=account_id, kind=kind, amount_micros=micros, balance_after_micros=after,
        account_version=account.version, idempotency_key=key, actor=actor,
        # The ledger is immutable: a card number typed into a memo would stay forever.
        memo=redact_card_numbers(memo) if memo else memo,
        reference=reference, created_at=now))
    _move_lots(session, account=account, entry=entry, before=before, after=after, now=now,
               expiring_lot=expiring_lot)
    session.add(account)
    session.flush()
    return _posting(entry, applied=True, currency=account.currency)


def _move_lots(session: Session, *, account: Account, entry: LedgerEntry, before: int, after: int,
               now: datetime, expiring_lot: Lot | None) -> None:
    """Keep `sum(lot.remaining) == max(balance, 0)`."""
    held_before, held_after = max(before, 0), max(after, 0)
    if expiring_lot is not None:
        expiring_lot.remaining_micros = 0
        session.add(expiring_lot)
        return
    if held_after > held_before:
        # Credit that first pays back any debt below zero; only the rest is a lot.
        entries_db.insert_lot(session=session, lot=Lot(
            account_id=account.id or 0, entry_id=entry.id or 0,
            purchased_micros=entry.amount_micros,
            remaining_micros=held_after - held_before, purchased_at=now,
            expires_at=add_months(now, LOT_LIFETIME_MONTHS)))
        return
    to_draw = held_before - held_after
    for lot in entries_db.open_lots(session=session, account_id=account.id or 0):
        if to_draw <= 0:
            break
        taken = min(lot.remaining_micros, to_draw)
        lot.remaining_micros -= taken
        to_draw -= taken
        session.add(lot)


def suspends(account: Account, balance: int) -> bool:
    """Whether this balance suspends the account's services (never for post-paid billing)."""
    return balance <= 0 and account.billing_type != POSTPAID


def _set_suspension(account: Account, balance: int, now: datetime) -> None:
    suspended = suspends(account, balance)
    if suspended and not account.suspended:
        account.suspended, account.suspended_at = True, now
    elif not suspended and account.suspended:
        account.suspended, account.suspended_at = False, None


def _posting(entry: LedgerEntry, *, applied: bool, currency: str) -> Posting:
    return Posting(
        entry_id=entry.id or 0, account_id=entry.account_id, kind=entry.kind,
        amount=Money.from_micros(entry.amount_micros, currency),
        balance_before=Money.from_micros(entry.balance_after_micros - entry.amount_micros,
                                         currency),
        balance_after=Money.from_micros(entry.balance_after_micros, currency),
        account_version=entry.account_version, idempotency_key=entry.idempotency_key,
        created_at=entry.created_at, applied=applied)


@dataclass(frozen=True)
class Mismatch:
    """One account whose stored state disagrees with its entries."""

    team_id: str
    problem: str


def check_balances(session: Session) -> tuple[int, list[Mismatch]]:
    """Verify every account against its entries; return (accounts checked, mismatches)."""
    totals = entries_db.ledger_totals(session=session)
    lots = entries_db.lot_totals(session=session)
    accounts = list_accounts(session=session)
    problems: list[Mismatch] = []
    for account in accounts:
        total, count = totals.get(account.id or 0, (0, 0))
        if total != account.balance_micros:
            problems.append(Mismatch(account.team_id, (
                f"balance {from_micros(account.balance_micros)} != sum of entries "
                f"{from_micros(total)}")))
        if count != account.version:
            problems.append(Mismatch(account.team_id, (
                f"version {account.version} != {count} entries")))
        last = entries_db.last_entry(session=session, account_id=account.id or 0)
        if last is not None and last.balance_after_micros != account.balance_micros:
            problems.append(Mismatch(account.team_id, (
                f"last entry says {from_micros(last.balance_after_micros)}, account says "
                f"{from_micros(account.balance_micros)}")))
        held = lots.get(account.id or 0, 0)
        if held != max(account.balance_micros, 0):
            problems.append(Mismatch(account.team_id, (
                f"lots hold {from_micros(held)} but the positive balance is "
                f"{from_micros(max(account.balance_micros, 0))}")))
        if account.suspended != suspends(account, account.balance_micros):
            problems.append(Mismatch(account.team_id, "suspension flag disagrees with balance"))
    return len(accounts), problems


PostingHook = Callable[[Session, Posting], None]


class Ledger:
    """The ledger as a service, and the way into it for every caller: each change runs the hooks
    inside its transaction (alerts and recharges are written atomically with the change), in
    a transaction of its own or, with the `*_in` methods, in the caller's.

    The functions above apply the rules only and run no hook: use them through this class (the
    composition root, bot/app.py, hands every service the hooked one)."""

    def __init__(self, engine: Engine, clock: Clock, *,
                 hooks: Sequence[PostingHook] = ()) -> None:
        self.engine = engine
        self.clock = clock
        self.hooks: list[PostingHook] = list(hooks)

    def _run(self, session: Session, posting: Posting) -> Posting:
        if posting.applied:
            for hook in self.hooks:
                hook(session, posting)
        return posting

    # -- inside the caller's transaction (a change made with others) ----------------------------

    def deposit_in(self, session: Session, *, account_id: int, amount: Money, key: str,
                   actor: str, memo: str | None = None, reference: str | None = None,
                   kind: str = "deposit", now: datetime | None = None) -> Posting:
        """Post a deposit (or a recharge) inside the caller's transaction, with the change that
        caused it, running the hooks there as every posting does."""
        return self._run(session, deposit(
            session, account_id=account_id, amount=amount, key=key, actor=actor,
            now=self.clock.now() if now is None else now, memo=memo, reference=reference,
            kind=kind))

    def charge_in(self, session: Session, *, account_id: int, amount: Money, key: str,
                  actor: str, memo: str | None = None, reference: str | None = None,
                  now: datetime | None = None) -> Posting:
        """Post a charge inside the caller's transaction (an import batch's), running the
        hooks there as every posting does."""
        return self._run(session, charge(
            session, account_id=account_id, amount=amount, key=key, actor=actor,
            now=self.clock.now() if now is None else now, memo=memo, reference=reference))

    # -- in a transaction of their own ----------------------------------------------------------

    def deposit(self, *, account_id: int, amount: Money, key: str, actor: str,
                memo: str | None = None, reference: str | None = None,
                kind: str = "deposit") -> Posting:
        with write_transaction(self.engine) as session:
            return self.deposit_in(session, account_id=account_id, amount=amount, key=key,
                                   actor=actor, memo=memo, reference=reference, kind=kind)

    def charge(self, *, account_id: int, amount: Money, key: str, actor: str,
               memo: str | None = None, reference: str | None = None) -> Posting:
        with write_transaction(self.engine) as session:
            return self.charge_in(session, account_id=account_id, amount=amount, key=key,
                                  actor=actor, memo=memo, reference=reference)

    def adjust(self, *, account_id: int, amount: Money, key: str, actor: str,
               memo: str | None = None) -> Posting:
        with write_transaction(self.engine) as session:
            return self._run(session, adjust(
                session, account_id=account_id, amount=amount, key=key, actor=actor,
                now=self.clock.now(), memo=memo))

    def lots(self, *, account_id: int) -> list[LotView]:
        """The purchased credits with some left, oldest first (the order calls use them)."""
        with read_session(self.engine) as session:
            currency = currency_of(session, account_id)
            return [LotView(purchased=Money.from_micros(lot.purchased_micros, currency),
                            remaining=Money.from_micros(lot.remaining_micros, currency),
                            purchased_at=lot.purchased_at, expires_at=lot.expires_at)
                    for lot in entries_db.open_lots(session=session, account_id=account_id)]

    def expire(self, *, account_id: int) -> list[Posting]:
        with write_transaction(self.engine) as session:
            postings = expire_lots(session, account_id=account_id, now=self.clock.now())
            return [self._run(session, p) for p in postings]
