"""Auto-recharge: when the balance falls below the trigger, buy the recharge amount once per
crossing, even with concurrent charges and several replicas (DESIGN §7).

An attempt is a row in `recharge_attempts`: created -> processing -> succeeded | failed, or
cancelled before any payment. The steps never hold the account lock during a gateway call:

1. decide (inside a locked transaction, e.g. the charge's own, as a Ledger hook): when the balance
   is below the trigger and no attempt covers this crossing, create one (`created`). The account
   lock and the partial unique index `uq_recharge_attempts_open` allow one open attempt.
2. claim (short locked transaction): `created` -> `processing`.
3. pay (no transaction): the gateway, with the attempt id as the idempotency key.
4. record (short locked transaction): the outcome, the `recharge` ledger entry (key
   `recharge:<attempt id>`, so it posts once) and the caller's alert, atomically.

While an attempt is open nothing else starts; once it has succeeded, the balance is normally
above the trigger again and the next crossing starts the next recharge. (Should one recharge not
lift the balance above the trigger, the next evaluation buys again; the cap on recharges per 24
hours bounds that.) A refusal fails the attempt with its reason; a new attempt (a new key: the
gateway keeps a key's refusal) retries it with back-off, or at once when the payment method was
replaced since, for as long as the crossing lasts: attempts remember the account version they were
created at, and a later ledger entry at or above the trigger ends the crossing (a question to the
database, not to a clock). A timeout leaves the attempt `processing`; the next evaluation asks the
gateway what happened under its key (`lookup`) and pays under the same key only if nothing did.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import ClassVar

from sqlalchemy import Engine, event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import SessionTransaction
from sqlmodel import Session

from bot.accounts import POSTPAID, PaymentMethod, purchase_refusal, view
from bot.clock import Clock
from bot.errors import PaymentFailed
from bot.i18n import N_
from bot.ledger import Ledger, Posting
from bot.money import Money
from bot.payments import GatewayTimeout, PaymentGateway, PaymentReceipt
from storage import recharges as attempts_db
from storage.accounts import get_account_by_id, lock_account
from storage.db import read_session, write_transaction
from storage.models import Account, RechargeAttempt

log = logging.getLogger(__name__)

DEFAULT_MAX_PER_DAY = 5
CAP_WINDOW = timedelta(hours=24)
# After the n-th failed try of a crossing, wait BACKOFF[n-1] (the last one repeats).
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30),
           timedelta(hours=2), timedelta(hours=6))
# A claimed attempt is left to its claimer this long; then the sweep reconciles it (the claimer
# may have died between the gateway call and recording its answer).
CLAIM_TIMEOUT = timedelta(minutes=2)
ACTOR = "auto-recharge"
HOW_TO_SET_PAYMENT = "an admin sets one with `/credits payment set`"
_PENDING = "recharge.pending_accounts"


def backoff(tries: int) -> timedelta:
    """How long to wait after the `tries`-th failed try of a crossing."""
    return BACKOFF[min(max(tries, 1), len(BACKOFF)) - 1]


@dataclass(frozen=True)
class _AttemptOutcome:
    """What happened to one attempt; alerts are deduplicated by attempt and outcome."""

    kind: ClassVar[str]
    account_id: int
    team_id: str
    attempt_id: str
    amount: Money

    @property
    def currency(self) -> str:
        return self.amount.currency

    @property
    def dedupe_key(self) -> str:
        return f"{self.kind.replace('_', '-')}:{self.attempt_id}"


@dataclass(frozen=True)
class RechargeStarted(_AttemptOutcome):
    """An attempt was created: the balance fell below the trigger."""

    kind: ClassVar[str] = "recharge_started"
    tries: int


@dataclass(frozen=True)
class RechargeSucceeded(_AttemptOutcome):
    """The recharge was paid and booked."""

    kind: ClassVar[str] = "recharge_succeeded"
    balance_after: Money
    reference: str
    method: str
    tries: int
    resumed: bool  # the recharge lifted a suspension


@dataclass(frozen=True)
class RechargeFailed(_AttemptOutcome):
    """The payment was refused (or could not be tried); retried at `next_try_at`."""

    kind: ClassVar[str] = "recharge_failed"
    reason: str
    code: str
    tries: int  # the how-many-th try of this crossing failed
    next_try_at: datetime
    # The crossing's first try and when it started: its failures are one alert episode.
    episode_id: str = ""
    episode_started_at: datetime | None = None
    failed_at: datetime | None = None


@dataclass(frozen=True)
class RechargePending(_AttemptOutcome):
    """The gateway did not answer: the outcome is unknown and is reconciled next time."""

    kind: ClassVar[str] = "recharge_pending"
    reason: str


@dataclass(frozen=True)
class RechargeCancelled(_AttemptOutcome):
    """An attempt was dropped before any payment (turned off, or the balance recovered)."""

    kind: ClassVar[str] = "recharge_cancelled"
    reason: str


@dataclass(frozen=True)
class RechargeCapped:
    """The runaway guard: `limit` recharges in 24 hours; none more before `until`."""

    kind: ClassVar[str] = "recharge_capped"
    account_id: int
    team_id: str
    limit: int
    until: datetime
    first_attempt_id: str  # the oldest recharge counted: stable while the cap lasts

    @property
    def dedupe_key(self) -> str:
        return f"recharge-capped:{self.account_id}:{self.first_attempt_id}"


RechargeOutcome = (RechargeStarted | RechargeSucceeded | RechargeFailed | RechargePending
                   | RechargeCancelled | RechargeCapped)
OutcomeHook = Callable[[Session, RechargeOutcome], None]


@dataclass(frozen=True)
class _Claim:
    """What the pay step needs, read under the lock and used after it is released."""

    attempt_id: str
    account_id: int
    team_id: str
    name: str
    amount: Money
    method: PaymentMethod | None
    reconcile: bool  # the attempt was `processing` already: ask before paying
    blocker: tuple[str, str] | None  # why it may not be paid now: (reason, code)


class Recharger:
    """Auto-recharge of accounts: a Ledger hook, `process_pending`, `evaluate` and `sweep`.

    `on_outcome(session, outcome)` is called inside the transaction that records each outcome,
    so that an alert written there commits (or not) with it. Each recharge entry is posted
    through `ledger`, so its hooks run inside that transaction as for any posting (this
    recharger's own `on_posting`, should it be one of them, passes over recharges).
    """

    def __init__(self, engine: Engine, clock: Clock, gateway: PaymentGateway, *,
                 ledger: Ledger, max_per_day: int = DEFAULT_MAX_PER_DAY,
                 on_outcome: OutcomeHook | None = None) -> None:
        if max_per_day < 1:
            raise ValueError("max_per_day must be at least 1")
        self.engine = engine
        self.clock = clock
        self.gateway = gateway
        self.max_per_day = max_per_day
        self.ledger = ledger
        self.on_outcome = on_outcome

    # -- entry points -------------------------------------------------------------------------

    def on_posting(self, session: Session, posting: Posting) -> None:
        """Ledger hook: decide inside the change's transaction; pay right after it commits."""
        if posting.kind == "recharge":
            return  # our own entry: its attempt has just been settled
        now = self.clock.now()
        self.evaluate_in(session, account_id=posting.account_id, now=now)
        open_attempt = attempts_db.find_open_attempt(session=session,
                                                     account_id=posting.account_id)
        if open_attempt is not None and _claimable(open_attempt, now):
            self._after_commit(session, posting.account_id)

    def evaluate_in(self, session: Session, *, account_id: int,
                    now: datetime) -> RechargeOutcome | None:
        """Inside the caller's transaction: create an attempt when one is due (the account is
        locked here). Return RechargeStarted, RechargeCapped, or None (nothing to do)."""
        account = lock_account(session=session, account_id=account_id)
        if not _wants_recharge(account):
            return None
        if attempts_db.find_open_attempt(session=session, account_id=account_id) is not None:
            return None
        below = account.autorecharge_below_micros or 0
        tries = 1
        latest = attempts_db.find_latest_attempt(session=session, account_id=account_id,
                                                 statuses=("succeeded", "failed"))
        if (latest is not None and latest.status == "failed"
                and not attempts_db.balance_reached_since(
                    session=session, account_id=account_id,
                    after_version=latest.account_version, at_least_micros=below)):
            # The failed try's crossing goes on: retry when due, as the next try of it.
            if not _retry_due(latest, account, now):
                return None
            tries = latest.tries + 1
        capped = self._cap(session, account, now)
        if capped is not None:
            self._emit(session, capped)
            return capped
        attempt = RechargeAttempt(
            id=str(uuid.uuid4()), account_id=account_id, status="created",
            amount_micros=account.autorecharge_amount_micros or 0, tries=tries,
            account_version=account.version, created_at=now, updated_at=now, next_try_at=now)
        try:
            with session.begin_nested():
                attempts_db.insert_attempt(session=session, attempt=attempt)
        except IntegrityError:
            # Only if a writer skipped the account lock: the index keeps it to one open attempt.
            log.warning("recharge: account %s has an open attempt already", account_id)
            return None
        started = RechargeStarted(
            account_id=account_id, team_id=account.team_id, attempt_id=attempt.id,
            amount=_amount(attempt, account), tries=tries)
        self._emit(session, started)
        return started

    def process_pending(self, account_id: int) -> RechargeOutcome | None:
        """Pay the account's open attempt, if one is due, and record what happened."""
        claim, early = self._claim(account_id)
        if claim is None:
            return early
        receipt: PaymentReceipt | None = None
        try:
            if claim.reconcile:
                receipt = self.gateway.lookup(idempotency_key=claim.attempt_id)
            if receipt is None:
                if claim.blocker is not None:  # nothing was paid, and now it may not be
                    reason, code = claim.blocker
                    if code == "cancelled":
                        return self._record_cancelled(claim, reason)
                    return self._record_failed(claim, reason, code)
                assert claim.method is not None  # _blocker refuses an account without one
                receipt = self.gateway.charge(
                    method=claim.method, amount=claim.amount, idempotency_key=claim.attempt_id,
                    description=(f"Communications Credits auto-recharge of "
                                 f"{claim.amount.format()} for "
                                 f"{claim.name or claim.team_id}"))
        except PaymentFailed as refusal:
            return self._record_failed(claim, refusal.reason, refusal.code)
        except GatewayTimeout:
            return self._record_pending(claim)
        return self._record_succeeded(claim, receipt)

    def evaluate(self, account_id: int) -> RechargeOutcome | None:
        """Create an attempt if one is due, then pay whatever attempt is open and due."""
        with write_transaction(self.engine) as session:
            decided = self.evaluate_in(session, account_id=account_id, now=self.clock.now())
        return self.process_pending(account_id) or decided

    def sweep(self) -> list[RechargeOutcome]:
        """The scheduler's pass over every account that may need a recharge now."""
        with read_session(self.engine) as session:
            candidates = attempts_db.list_recharge_candidates(session=session)
        outcomes = []
        for account_id in candidates:
            try:
                outcome = self.evaluate(account_id)
            except Exception:  # one broken account must not stop the others' recharges
                log.exception("recharge: evaluating account %s failed", account_id)
                continue
            if outcome is not None:
                outcomes.append(outcome)
        return outcomes

    # -- steps --------------------------------------------------------------------------------

    def _claim(self, account_id: int) -> tuple[_Claim | None, RechargeOutcome | None]:
        now = self.clock.now()
        with write_transaction(self.engine) as session:
            account = lock_account(session=session, account_id=account_id)
            attempt = attempts_db.find_open_attempt(session=session, account_id=account_id)
            if attempt is None or not _claimable(attempt, now):
                return None, None
            reconcile = attempt.status == "processing"
            blocker = _blocker(account)
            if not reconcile and blocker is not None:
                reason, code = blocker
                if code == "cancelled":
                    return None, self._settle_cancelled(session, account, attempt, reason, now)
                return None, self._settle_failed(session, account, attempt, reason, code, now)
            attempt.status = "processing"
            attempt.next_try_at = now + CLAIM_TIMEOUT
            attempt.updated_at = now
            attempts_db.save_attempt(session=session, attempt=attempt)
            return _Claim(
                attempt_id=attempt.id, account_id=account_id, team_id=account.team_id,
                name=account.name, amount=_amount(attempt, account),
                method=view(account).payment, reconcile=reconcile,
                blocker=blocker), None

    def _record_succeeded(self, claim: _Claim, receipt: PaymentReceipt) -> RechargeOutcome | None:
        now = self.clock.now()
        with write_transaction(self.engine) as session:
            account, attempt = self._reload(session, claim)
            if attempt is None:
                return None
            attempt.status, attempt.gateway_ref = "succeeded", receipt.reference
            attempt.reason, attempt.next_try_at, attempt.updated_at = None, None, now
            attempts_db.save_attempt(session=session, attempt=attempt)
            # Every hook runs for the recharge entry as for any posting (this one's own
            # `on_posting` passes over recharges).
            posting = self.ledger.deposit_in(
                session, account_id=claim.account_id, amount=claim.amount,
                key=f"recharge:{attempt.id}", actor=ACTOR, now=now, kind="recharge",
                memo=_memo(account), reference=receipt.reference)
            outcome = RechargeSucceeded(
                account_id=claim.account_id, team_id=claim.team_id, attempt_id=attempt.id,
                amount=claim.amount,
                balance_after=posting.balance_after, reference=receipt.reference,
                method=receipt.method, tries=attempt.tries, resumed=posting.resumed_now)
            self._emit(session, outcome)
            return outcome

    def _record_failed(self, claim: _Claim, reason: str, code: str) -> RechargeOutcome | None:
        now = self.clock.now()
        with write_transaction(self.engine) as session:
            account, attempt = self._reload(session, claim)
            if attempt is None:
                return None
            return self._settle_failed(session, account, attempt, reason, code, now)

    def _record_pending(self, claim: _Claim) -> RechargeOutcome | None:
        now = self.clock.now()
        with write_transaction(self.engine) as session:
            _, attempt = self._reload(session, claim)
            if attempt is None:
                return None
            # Due at once: the next evaluation asks the gateway what happened under the key.
            attempt.reason = N_("The payment service did not answer; checking the payment.")
            attempt.next_try_at = attempt.updated_at = now
            attempts_db.save_attempt(session=session, attempt=attempt)
            outcome = RechargePending(
                account_id=claim.account_id, team_id=claim.team_id, attempt_id=attempt.id,
                amount=claim.amount, reason=attempt.reason)
            self._emit(session, outcome)
            return outcome

    def _record_cancelled(self, claim: _Claim, reason: str) -> RechargeOutcome | None:
        now = self.clock.now()
        with write_transaction(self.engine) as session:
            account, attempt = self._reload(session, claim)
            if attempt is None:
                return None
            return self._settle_cancelled(session, account, attempt, reason, now)

    def _reload(self, session: Session,
                claim: _Claim) -> tuple[Account, RechargeAttempt | None]:
        """Lock the account and re-read the attempt; None when another worker settled it."""
        account = lock_account(session=session, account_id=claim.account_id)
        attempt = attempts_db.get_attempt(session=session, attempt_id=claim.attempt_id)
        if attempt is None or attempt.status != "processing":
            return account, None
        return account, attempt

    def _settle_failed(self, session: Session, account: Account, attempt: RechargeAttempt,
                       reason: str, code: str, now: datetime) -> RechargeFailed:
        attempt.status, attempt.reason = "failed", reason[:300]
        attempt.next_try_at = now + backoff(attempt.tries)
        attempt.updated_at = now
        attempts_db.save_attempt(session=session, attempt=attempt)
        log.info("recharge: account %s try %s failed: %s", account.id, attempt.tries, code)
        first = attempts_db.find_episode_start(session=session, account_id=account.id or 0,
                                               attempt=attempt)
        outcome = RechargeFailed(
            account_id=account.id or 0, team_id=account.team_id, attempt_id=attempt.id,
            amount=_amount(attempt, account),
            reason=reason, code=code, tries=attempt.tries, next_try_at=attempt.next_try_at,
            episode_id=first.id, episode_started_at=first.created_at, failed_at=now)
        self._emit(session, outcome)
        return outcome

    def _settle_cancelled(self, session: Session, account: Account, attempt: RechargeAttempt,
                          reason: str, now: datetime) -> RechargeCancelled:
        attempt.status, attempt.reason = "cancelled", reason
        attempt.next_try_at, attempt.updated_at = None, now
        attempts_db.save_attempt(session=session, attempt=attempt)
        outcome = RechargeCancelled(
            account_id=account.id or 0, team_id=account.team_id, attempt_id=attempt.id,
            amount=_amount(attempt, account), reason=reason)
        self._emit(session, outcome)
        return outcome

    def paused_until(self, account_id: int) -> datetime | None:
        """When the runaway guard lets auto-recharge buy again, while it holds it now."""
        with read_session(self.engine) as session:
            account = get_account_by_id(session=session, account_id=account_id)
            if account is None or not account.autorecharge_enabled:
                return None
            capped = self._cap(session, account, self.clock.now())
        return capped.until if capped is not None else None

    def _cap(self, session: Session, account: Account, now: datetime) -> RechargeCapped | None:
        recent = attempts_db.list_succeeded_since(session=session, account_id=account.id or 0,
                                                  since=now - CAP_WINDOW)
        if len(recent) < self.max_per_day:
            return None
        # The window frees up when enough of the counted recharges are older than 24 hours.
        freeing = recent[len(recent) - self.max_per_day]
        return RechargeCapped(account_id=account.id or 0, team_id=account.team_id,
                              limit=self.max_per_day, until=freeing.updated_at + CAP_WINDOW,
                              first_attempt_id=freeing.id)

    def _emit(self, session: Session, outcome: RechargeOutcome) -> None:
        if self.on_outcome is not None:
            self.on_outcome(session, outcome)

    # -- after the charge's commit ------------------------------------------------------------

    def _after_commit(self, session: Session, account_id: int) -> None:
        """Run `process_pending(account_id)` once the session's transaction has committed."""
        pending: set[int] | None = session.info.get(_PENDING)
        if pending is None:
            pending = session.info[_PENDING] = set()
            event.listen(session, "after_commit", self._run_after_commit)
            event.listen(session, "after_transaction_end", _forget_pending)
        pending.add(account_id)

    def _run_after_commit(self, session: Session) -> None:
        for account_id in sorted(session.info.pop(_PENDING, set())):
            try:
                self.process_pending(account_id)
            except Exception:  # the charge has committed; the sweep retries the recharge
                log.exception("recharge: processing account %s after a charge failed",
                              account_id)


def _forget_pending(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # a rolled-back change created no attempt to pay
        session.info.pop(_PENDING, None)


def _wants_recharge(account: Account) -> bool:
    # A post-paid (MCA) account is invoiced for its calls: it never buys credits.
    return (account.autorecharge_enabled and account.billing_type != POSTPAID
            and account.autorecharge_below_micros is not None
            and bool(account.autorecharge_amount_micros)
            and account.balance_micros < account.autorecharge_below_micros)


def _claimable(attempt: RechargeAttempt, now: datetime) -> bool:
    """A created attempt is due at once; a processing one when its claim has lapsed."""
    if attempt.status == "created":
        return True
    return attempt.next_try_at is None or attempt.next_try_at <= now


def _retry_due(failed: RechargeAttempt, account: Account, now: datetime) -> bool:
    if account.payment_updated_at is not None and account.payment_updated_at > failed.updated_at:
        return True  # a new payment method: no reason to wait
    return failed.next_try_at is not None and failed.next_try_at <= now


def _blocker(account: Account) -> tuple[str, str] | None:
    """Why this account's open attempt must not be paid now: (reason, code), or None."""
    if account.billing_type == POSTPAID:  # (the switch also turned auto-recharge off)
        return N_("The account is billed post-paid now (Microsoft Customer Agreement): it needs "
                  "no credits."), "cancelled"
    if not account.autorecharge_enabled:
        return N_("Auto-recharge was turned off."), "cancelled"
    if not _wants_recharge(account):
        return N_("The balance is back above the trigger."), "cancelled"
    snapshot = view(account)
    refusal = purchase_refusal(snapshot)
    if refusal:
        return refusal, "purchase_not_allowed"
    if snapshot.payment is None:
        return f"There is no payment method on file: {HOW_TO_SET_PAYMENT}.", "no_payment_method"
    return None


def _memo(account: Account) -> str:
    below = Money.from_micros(account.autorecharge_below_micros or 0, account.currency)
    return f"auto-recharge: balance below {below.format()}"


def _amount(attempt: RechargeAttempt, account: Account) -> Money:
    return Money.from_micros(attempt.amount_micros, account.currency)
