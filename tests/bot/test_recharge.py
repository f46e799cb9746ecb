"""Auto-recharge: once per crossing, the 24-hour cap, failures with back-off, timeouts."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import update
from sqlmodel import col, select

from bot.accounts import Accounts
from bot.ledger import Ledger, Posting, check_balances
from bot.money import Money
from bot.payments import SimulatedGateway
from bot.recharge import (
    BACKOFF,
    CLAIM_TIMEOUT,
    RechargeCancelled,
    RechargeCapped,
    RechargeFailed,
    RechargePending,
    Recharger,
    RechargeStarted,
    RechargeSucceeded,
    backoff,
)
from storage.db import read_session, write_transaction
from storage.models import Account, AuditEvent, LedgerEntry, RechargeAttempt
from tests.factories import make_account
from tests.money import usd


class World:
    """One account with auto-recharge (add 500 below 200), its ledger and its recharger."""

    def __init__(self, engine, clock, *, balance="1000", last4="4242", exp=(12, 2030),
                 max_per_day=5, hooked=True, amount="500", below="200", **settings):
        self.engine, self.clock = engine, clock
        self.account = make_account(engine, clock, balance=Decimal(balance), card_last4=last4,
                                    exp=exp, **settings)
        self.accounts = Accounts(engine, clock)
        self.accounts.set_autorecharge("T1", enabled=True, amount=usd(amount),
                                       below=usd(below))
        self.gateway = SimulatedGateway(clock)
        self.ledger = Ledger(engine, clock)
        self.outcomes: list = []
        self.recharger = Recharger(engine, clock, self.gateway, max_per_day=max_per_day,
                                   ledger=self.ledger,
                                   on_outcome=lambda _session, o: self.outcomes.append(o))
        if hooked:
            self.ledger.hooks.append(self.recharger.on_posting)
        self.charges = 0

    def charge(self, amount: str) -> Posting:
        self.charges += 1
        return self.ledger.charge(account_id=self.account.id, amount=usd(amount),
                                  key=f"calls:{self.charges}", actor="import")

    def balance(self) -> Money:
        return self.accounts.get("T1").balance

    def attempts(self) -> list[RechargeAttempt]:
        with read_session(self.engine) as session:
            return list(session.exec(select(RechargeAttempt).order_by(
                col(RechargeAttempt.account_version), col(RechargeAttempt.tries))).all())

    def recharges(self) -> list[LedgerEntry]:
        with read_session(self.engine) as session:
            return list(session.exec(select(LedgerEntry).where(LedgerEntry.kind == "recharge")
                                     .order_by(col(LedgerEntry.id))).all())

    def of(self, kind: type) -> list:
        return [o for o in self.outcomes if isinstance(o, kind)]

    def books_balance(self) -> None:
        with read_session(self.engine) as session:
            assert check_balances(session) == (1, [])


def test_backoff_schedule():
    assert [backoff(n) for n in range(1, 8)] == [
        timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2),
        timedelta(hours=6), timedelta(hours=6), timedelta(hours=6)]
    assert BACKOFF[-1] == timedelta(hours=6)


def test_falling_below_the_trigger_recharges_once_right_after_the_charge(engine, clock):
    world = World(engine, clock)
    posting = world.charge("850")  # 1000 -> 150, below 200
    assert posting.balance_after == usd(150)
    assert world.balance() == usd(650)
    [attempt] = world.attempts()
    assert (attempt.status, attempt.tries, attempt.amount_micros) == ("succeeded", 1, 500_000_000)
    [entry] = world.recharges()
    assert entry.idempotency_key == f"recharge:{attempt.id}" and entry.actor == "auto-recharge"
    assert entry.reference == attempt.gateway_ref == world.gateway.charges[0].reference
    assert entry.memo == "auto-recharge: balance below $200.00"  # formatted, not "200 USD"
    [receipt] = world.gateway.charges
    assert receipt.idempotency_key == attempt.id and receipt.amount == usd(500)
    [started] = world.of(RechargeStarted)
    [done] = world.of(RechargeSucceeded)
    assert started.attempt_id == done.attempt_id == attempt.id
    assert (done.amount, done.balance_after, done.tries, done.resumed) == (
        usd(500), usd(650), 1, False)
    assert done.dedupe_key == f"recharge-succeeded:{attempt.id}"
    world.books_balance()


def test_charges_that_stay_above_the_trigger_start_nothing_and_the_next_crossing_does(
        engine, clock):
    world = World(engine, clock)
    world.charge("850")  # crossing 1 -> recharge to 650
    world.charge("400")  # 250: still above 200
    assert len(world.attempts()) == 1 and world.balance() == usd(250)
    world.charge("100")  # 150: crossing 2
    assert len(world.recharges()) == 2 and world.balance() == usd(650)
    assert len(world.gateway.charges) == 2
    world.books_balance()


def test_a_charge_while_the_attempt_is_open_starts_no_other(engine, clock):
    world = World(engine, clock, hooked=False)
    world.charge("850")
    with write_transaction(engine) as session:
        first = world.recharger.evaluate_in(session, account_id=world.account.id,
                                            now=clock.now())
    assert isinstance(first, RechargeStarted)
    world.charge("100")
    with write_transaction(engine) as session:
        again = world.recharger.evaluate_in(session, account_id=world.account.id,
                                            now=clock.now())
    assert again is None and len(world.attempts()) == 1
    done = world.recharger.process_pending(world.account.id)
    assert isinstance(done, RechargeSucceeded) and done.balance_after == usd(550)
    assert world.recharger.process_pending(world.account.id) is None
    assert world.recharger.evaluate(world.account.id) is None
    assert len(world.gateway.charges) == 1 and len(world.recharges()) == 1


def test_a_recharge_that_leaves_the_balance_below_is_followed_by_another(engine, clock):
    world = World(engine, clock, amount="100", below="500")
    world.charge("900")  # 100 -> +100 = 200, still below 500
    assert world.balance() == usd(200) and len(world.recharges()) == 1
    outcome = world.recharger.evaluate(world.account.id)
    assert isinstance(outcome, RechargeSucceeded) and outcome.balance_after == usd(300)
    assert len(world.gateway.charges) == 2


def test_the_runaway_guard_caps_recharges_per_24_hours(engine, clock):
    world = World(engine, clock, max_per_day=2)
    world.charge("850")
    first_done = clock.now()
    clock.advance(timedelta(hours=1))
    world.charge("500")  # 650 -> 150: second recharge
    clock.advance(timedelta(hours=1))
    world.charge("500")  # third crossing within 24 h: capped
    assert len(world.recharges()) == 2 and world.balance() == usd(150)
    [capped] = world.of(RechargeCapped)
    first = world.attempts()[0]
    assert (capped.limit, capped.until, capped.first_attempt_id) == (
        2, first_done + timedelta(hours=24), first.id)
    # Still capped on the sweep (the same dedupe key: one alert), until the window frees up.
    assert world.recharger.sweep() == [capped]
    clock.set(first_done + timedelta(hours=24, seconds=1))
    [outcome] = world.recharger.sweep()
    assert isinstance(outcome, RechargeSucceeded) and world.balance() == usd(650)
    assert len(world.gateway.charges) == 3


@pytest.mark.parametrize(("last4", "exp", "reason", "code"), [
    ("0002", (12, 2030), "Your card was declined.", "card_declined"),
    ("9995", (12, 2030), "Your card has insufficient funds.", "insufficient_funds"),
    ("0069", (12, 2030), "Your card has expired: update the payment method.", "expired_card"),
    ("4242", (8, 2026), "card expired 08/2026: update the payment method", "expired_card"),
])
def test_a_refused_payment_fails_with_its_reason_and_books_nothing(engine, clock, last4, exp,
                                                                   reason, code):
    world = World(engine, clock, last4=last4, exp=exp)
    world.charge("850")
    [failed] = world.of(RechargeFailed)
    assert (failed.reason, failed.code, failed.tries) == (reason, code, 1)
    assert failed.next_try_at == clock.now() + timedelta(minutes=1)
    [attempt] = world.attempts()
    assert (attempt.status, attempt.reason) == ("failed", reason)
    assert world.recharges() == [] and world.gateway.charges == []
    assert world.balance() == usd(150)


def test_failures_are_retried_with_back_off_and_at_once_after_a_new_card(engine, clock):
    world = World(engine, clock, last4="0002")
    world.charge("850")
    waits = []
    for _ in range(6):
        failed = world.of(RechargeFailed)[-1]
        wait = failed.next_try_at - clock.now()
        waits.append(wait)
        # Not a moment before it is due: no new attempt, nothing charged.
        clock.advance(wait - timedelta(seconds=1))
        assert world.recharger.evaluate(world.account.id) is None
        world.charge("0.01")  # a charge's evaluation does not retry early either
        clock.advance(timedelta(seconds=1))
        outcome = world.recharger.evaluate(world.account.id)
        assert isinstance(outcome, RechargeFailed)
    assert waits == [timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30),
                     timedelta(hours=2), timedelta(hours=6), timedelta(hours=6)]
    fails = world.of(RechargeFailed)
    assert [f.tries for f in fails] == [1, 2, 3, 4, 5, 6, 7]
    # Each try is its own attempt with its own key (the gateway keeps a key's refusal) ...
    assert len({f.attempt_id for f in fails}) == 7
    assert len({f.dedupe_key for f in fails}) == 7
    # ... and a new card is tried at once, without waiting out the 6 hours.
    clock.advance(timedelta(minutes=1))
    world.accounts.set_card("T1", brand="visa", last4="4242", exp_month=1, exp_year=2031)
    outcome = world.recharger.evaluate(world.account.id)
    assert isinstance(outcome, RechargeSucceeded) and outcome.tries == 8
    assert len(world.gateway.charges) == 1 and len(world.recharges()) == 1
    # The crossing is over: no more tries.
    clock.advance(timedelta(days=1))
    assert world.recharger.evaluate(world.account.id) is None
    world.books_balance()


def test_an_expired_card_is_retried_at_once_after_it_is_replaced(engine, clock):
    world = World(engine, clock, exp=(8, 2026))
    world.charge("850")
    assert world.of(RechargeFailed)[0].reason == "card expired 08/2026: update the payment method"
    clock.advance(timedelta(seconds=5))
    assert world.recharger.sweep() == []  # not due for another 55 seconds
    world.accounts.set_card("T1", brand="visa", last4="4242", exp_month=8, exp_year=2029)
    [outcome] = world.recharger.sweep()
    assert isinstance(outcome, RechargeSucceeded) and world.balance() == usd(650)


def test_a_deposit_that_lifts_the_balance_ends_the_failed_crossing(engine, clock):
    world = World(engine, clock, last4="0002")
    world.charge("850")
    world.ledger.deposit(account_id=world.account.id, amount=usd(100), key="manual",
                         actor="U1")  # 250: above the trigger
    clock.advance(timedelta(days=1))
    assert world.recharger.evaluate(world.account.id) is None
    world.charge("100")  # a new crossing starts with try 1 again
    assert world.of(RechargeFailed)[-1].tries == 1
    assert len(world.attempts()) == 2


def test_a_timeout_after_the_charge_is_reconciled_without_a_double_charge(engine, clock):
    world = World(engine, clock)
    world.gateway.time_out_next(after_charge=True)
    world.charge("850")
    [pending] = world.of(RechargePending)
    [attempt] = world.attempts()
    assert attempt.status == "processing" and pending.attempt_id == attempt.id
    assert len(world.gateway.charges) == 1 and world.recharges() == []
    outcome = world.recharger.evaluate(world.account.id)
    assert isinstance(outcome, RechargeSucceeded) and outcome.attempt_id == attempt.id
    assert len(world.gateway.charges) == 1 and world.gateway.calls == 1  # lookup, no charge
    assert len(world.recharges()) == 1 and world.balance() == usd(650)
    world.books_balance()


def test_a_timeout_before_the_charge_is_retried_with_the_same_key(engine, clock):
    world = World(engine, clock)
    world.gateway.time_out_next(after_charge=False)
    world.charge("850")
    [attempt] = world.attempts()
    assert attempt.status == "processing" and world.gateway.charges == []
    [outcome] = world.recharger.sweep()
    assert isinstance(outcome, RechargeSucceeded)
    assert world.gateway.calls == 2 and world.gateway.charges[0].idempotency_key == attempt.id
    assert [a.id for a in world.attempts()] == [attempt.id]


def test_an_attempt_whose_worker_died_is_reconciled_after_its_claim_lapses(engine, clock):
    world = World(engine, clock, hooked=False)
    world.charge("850")
    with write_transaction(engine) as session:
        started = world.recharger.evaluate_in(session, account_id=world.account.id,
                                              now=clock.now())
    assert isinstance(started, RechargeStarted)
    # A worker claimed it, was paid, and died before recording the answer.
    with write_transaction(engine) as session:
        session.exec(update(RechargeAttempt).where(col(RechargeAttempt.id) == started.attempt_id)
                     .values(status="processing", next_try_at=clock.now() + CLAIM_TIMEOUT))
    account = world.accounts.get("T1")
    assert account.payment is not None
    world.gateway.charge(method=account.payment, amount=usd(500),
                         idempotency_key=started.attempt_id, description="the dead worker")
    assert world.recharger.sweep() == []  # the claim has not lapsed yet
    clock.advance(CLAIM_TIMEOUT)
    [outcome] = world.recharger.sweep()
    assert isinstance(outcome, RechargeSucceeded)
    assert len(world.gateway.charges) == 1 and len(world.recharges()) == 1


def test_an_open_attempt_is_cancelled_when_turned_off_or_no_longer_needed(engine, clock):
    world = World(engine, clock, hooked=False)
    world.charge("850")
    with write_transaction(engine) as session:
        world.recharger.evaluate_in(session, account_id=world.account.id, now=clock.now())
    world.accounts.set_autorecharge("T1", enabled=False)
    outcome = world.recharger.process_pending(world.account.id)
    assert isinstance(outcome, RechargeCancelled)
    assert outcome.reason == "Auto-recharge was turned off."
    world.accounts.set_autorecharge("T1", enabled=True, amount=usd(500), below=usd(200))
    with write_transaction(engine) as session:
        world.recharger.evaluate_in(session, account_id=world.account.id, now=clock.now())
    world.ledger.deposit(account_id=world.account.id, amount=usd(100), key="d", actor="U")
    outcome = world.recharger.process_pending(world.account.id)
    assert isinstance(outcome, RechargeCancelled)
    assert outcome.reason == "The balance is back above the trigger."
    assert world.gateway.calls == 0 and [a.status for a in world.attempts()] == [
        "cancelled", "cancelled"]


@pytest.mark.parametrize(("change", "code", "words"), [
    ({"billing_type": "csp"}, "purchase_not_allowed", "reseller"),
    ({}, "no_payment_method", "sets one with `/credits payment set`"),
])
def test_accounts_that_cannot_pay_fail_without_calling_the_gateway(engine, clock, change, code,
                                                                   words):
    world = World(engine, clock, last4=None if not change else "4242", **change)
    world.charge("850")
    [failed] = world.of(RechargeFailed)
    assert failed.code == code and words in failed.reason
    assert world.gateway.calls == 0


def test_the_outcome_hook_is_atomic_with_the_outcome(engine, clock):
    world = World(engine, clock)
    failures_left = [1]

    def alert(session, outcome):
        session.add(AuditEvent(team_id="T1", actor="alerts", action=outcome.kind, result="ok",
                               created_at=clock.now()))
        if isinstance(outcome, RechargeSucceeded) and failures_left[0]:
            failures_left[0] -= 1
            raise RuntimeError("outbox down")

    world.recharger.on_outcome = alert
    world.charge("850")  # the charge commits; recording the recharge fails with its alert
    assert world.balance() == usd(150) and world.recharges() == []
    assert [a.status for a in world.attempts()] == ["processing"]
    assert len(world.gateway.charges) == 1
    clock.advance(CLAIM_TIMEOUT)
    [outcome] = world.recharger.sweep()
    assert isinstance(outcome, RechargeSucceeded)
    assert len(world.gateway.charges) == 1 and len(world.recharges()) == 1
    with read_session(engine) as session:
        actions = [e.action for e in session.exec(select(AuditEvent)).all()]
    assert actions == ["recharge_started", "recharge_succeeded"]


def test_other_ledger_hooks_see_the_recharge_entry(engine, clock):
    world = World(engine, clock)
    seen: list[tuple[str, Money]] = []
    world.ledger.hooks.append(lambda _session, posting: seen.append(
        (posting.kind, posting.balance_after)))
    world.charge("850")
    assert seen == [("charge", usd(150)), ("recharge", usd(650))]


def test_a_recharge_lifts_a_suspension(engine, clock):
    world = World(engine, clock, balance="100")
    world.charge("150")  # -50: suspended, below the trigger
    [done] = world.of(RechargeSucceeded)
    assert done.resumed and done.balance_after == usd(450)
    assert world.accounts.get("T1").suspended is False


def test_the_sweep_recharges_accounts_charged_without_the_hook(engine, clock):
    world = World(engine, clock, hooked=False)
    other = make_account(engine, clock, team_id="T2", balance=Decimal(10))  # auto-recharge off
    world.charge("850")
    assert world.attempts() == []
    outcomes = world.recharger.sweep()
    assert [type(o) for o in outcomes] == [RechargeSucceeded]
    assert outcomes[0].account_id == world.account.id != other.id
    assert world.recharger.sweep() == []


def test_turning_auto_recharge_on_below_the_trigger_recharges_at_the_sweep(engine, clock):
    world = World(engine, clock, hooked=False, balance="100")
    world.accounts.set_autorecharge("T1", enabled=False)
    assert world.recharger.sweep() == []
    world.accounts.set_autorecharge("T1", enabled=True, amount=usd(500), below=usd(200))
    [outcome] = world.recharger.sweep()
    assert isinstance(outcome, RechargeSucceeded) and outcome.balance_after == usd(600)


def test_a_post_paid_account_never_recharges(engine, clock):
    # MCA calls are invoiced after the fact: even with auto-recharge left on in its row (set
    # before this rule, say), no attempt is made and nothing is paid.
    world = World(engine, clock, balance="300")
    with write_transaction(engine) as session:
        session.execute(update(Account).where(col(Account.id) == world.account.id)
                        .values(billing_type="mca"))
    world.charge("250")
    world.charge("400")
    assert world.recharger.sweep() == []
    assert world.attempts() == [] and world.gateway.calls == 0
    assert world.balance() == usd(-350)


def test_switching_to_post_paid_cancels_the_open_attempt(engine, clock):
    world = World(engine, clock, hooked=False)
    world.charge("850")
    with write_transaction(engine) as session:
        world.recharger.evaluate_in(session, account_id=world.account.id, now=clock.now())
    assert [a.status for a in world.attempts()] == ["created"]
    world.accounts.update("T1", billing_type="mca")
    outcome = world.recharger.process_pending(world.account.id)
    assert isinstance(outcome, RechargeCancelled) and "post-paid" in outcome.reason
    assert world.gateway.calls == 0 and [a.status for a in world.attempts()] == ["cancelled"]
    world.books_balance()
