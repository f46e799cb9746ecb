"""The alert monitor: the rules applied to the database, each alert written with the change
that makes it fire once (a Ledger hook, the Recharger's outcomes, the sweep)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import Engine
from sqlmodel import Session

from bot.accounts import AccountView, view
from bot.alerts.rules import (
    FUNDS_WARN_DAYS,
    RECHARGE_NOW,
    SPIKE_BASELINE_DAYS,
    ZERO,
    Alert,
    LotState,
    ThresholdState,
    card_state,
    lots_to_warn,
    runout_due,
    spend_spike,
    threshold_changes,
    zero_transition,
)
from bot.alerts.sink import AlertSink
from bot.alerts.texts import (
    card_alert,
    funds_expired_alert,
    funds_expiring_alert,
    lifted_alert,
    low_balance_alert,
    recharge_capped_alert,
    recharge_failed_alert,
    recharge_succeeded_alert,
    runout_alert,
    spike_alert,
    zero_balance_alert,
)
from bot.clock import Clock
from bot.forecast import Forecaster
from bot.ledger import Posting
from bot.money import Money
from bot.recharge import RechargeCapped, RechargeFailed, RechargeOutcome, RechargeSucceeded
from storage.accounts import list_thresholds, lock_account
from storage.db import write_transaction
from storage.ledger import lots_expiring_between
from storage.models import Account

log = logging.getLogger(__name__)

# -- the monitor: rules applied to the database, alerts written with the change ----------------

CARD_PROBLEMS = frozenset({"expired_card", "card_declined", "insufficient_funds",
                           "no_payment_method"})


@dataclass(frozen=True)
class SpendFacts:
    """What the forecast knows, read before the sweep locks the account."""

    days_left: Decimal | None
    run_out: date | None
    average: Money
    days_counted: int
    daily: tuple[tuple[date, Money], ...]


class AlertMonitor:
    """Applies the rules: right after each ledger change (a Ledger hook), on each recharge outcome
    (the Recharger's `on_outcome`), and for the sweep (`check_account`). Every alert is written
    to the outbox in the same transaction as the state that makes it fire once."""

    def __init__(self, engine: Engine, clock: Clock, sink: AlertSink, *,
                 forecaster: Forecaster | None = None,
                 recharge_amount: Callable[[AccountView], Money] | None = None) -> None:
        self.engine = engine
        self.clock = clock
        self.sink = sink  # the outbox writer (bot/alerts/outbox.py)
        self.forecaster = forecaster
        # What "Recharge now" would buy, named in the alert's button when it is written.
        self.recharge_amount = recharge_amount

    # -- hooks, inside someone else's transaction -----------------------------------------------

    def on_posting(self, session: Session, posting: Posting) -> None:
        """Ledger hook: threshold and zero-balance alerts for the change just posted."""
        self._guarded(session, posting.account_id, lambda account: self._balance_alerts(
            session, account) + _expiry_alerts(view(account), posting),
            what=f"ledger entry {posting.entry_id}")

    def on_recharge(self, session: Session, outcome: RechargeOutcome) -> None:
        """Recharger hook: the recharge succeeded, failed, or hit the runaway guard."""
        self._guarded(session, outcome.account_id,
                      lambda account: _recharge_alerts(view(account), outcome),
                      what=f"recharge outcome {outcome.kind}")

    def _guarded(self, session: Session, account_id: int,
                 rule: Callable[[Account], list[Alert]], *, what: str) -> None:
        # A savepoint: a failure here must not undo the money change it is alerting about.
        # The state flags are left as they were, so the next sweep raises the alert instead.
        try:
            with session.begin_nested():
                account = lock_account(session=session, account_id=account_id)
                self._write(session, account, rule(account))
        except Exception:
            log.exception("alerts: evaluating %s failed; the sweep will catch up", what)

    # -- the sweep's pass over one account --------------------------------------------------------

    def check_account(self, account_id: int, *,
                      fence: Callable[[Session], None] | None = None) -> list[Alert]:
        """Every rule for one account, in one locked transaction; return the alerts written."""
        facts = self._spend_facts(account_id)
        now = self.clock.now()
        with write_transaction(self.engine) as session:
            if fence is not None:
                fence(session)
            account = lock_account(session=session, account_id=account_id)
            alerts = self._balance_alerts(session, account)
            snapshot = view(account)
            state = card_state(snapshot.payment, now)
            card = card_alert(snapshot, state) if state else None
            if card is not None:
                alerts.append(card)
            alerts += self._funds_alerts(session, snapshot, now)
            if facts is not None:
                alerts += self._forecast_alerts(account, snapshot, facts, now)
            return self._write(session, account, alerts)

    def _spend_facts(self, account_id: int) -> SpendFacts | None:
        if self.forecaster is None:
            return None
        forecast = self.forecaster.forecast(account_id)
        series = self.forecaster.series(account_id, days=SPIKE_BASELINE_DAYS + 2)
        return SpendFacts(days_left=forecast.days_left, run_out=forecast.run_out,
                          average=forecast.average_daily_spend,
                          days_counted=forecast.days_counted,
                          daily=tuple((d.day, d.amount) for d in series.days))

    # -- the rules against the rows -------------------------------------------------------------

    def _balance_alerts(self, session: Session, account: Account) -> list[Alert]:
        snapshot = view(account)
        rows = list_thresholds(session=session, account_id=snapshot.id)
        crossed, rearm = threshold_changes(snapshot.balance, [
            ThresholdState(Money.from_micros(row.amount_micros, snapshot.currency), row.armed)
            for row in rows])
        if snapshot.postpaid:
            crossed = []  # nothing runs low when calls are invoiced after the fact
        for row in rows:
            amount = Money.from_micros(row.amount_micros, snapshot.currency)
            if amount in crossed or amount in rearm:
                row.armed = amount in rearm
                session.add(row)
        alerts = []
        transition = zero_transition(snapshot, zero_alerted=account.zero_alerted)
        if transition is not None:
            account.zero_alerted = transition == ZERO
            session.add(account)
            episode = account.version
            alerts.append(zero_balance_alert(snapshot, episode=episode) if transition == ZERO
                          else lifted_alert(snapshot, episode=episode))
        if crossed and transition != ZERO:
            alerts.append(low_balance_alert(snapshot, crossed, episode=account.version))
        return alerts

    def _funds_alerts(self, session: Session, account: AccountView, now: datetime) -> list[Alert]:
        lots = lots_expiring_between(session=session, account_id=account.id, start=now,
                                     end=now + timedelta(days=FUNDS_WARN_DAYS))
        states = {lot.id or 0: lot for lot in lots}
        due = lots_to_warn([LotState(lot.id or 0,
                                     Money.from_micros(lot.remaining_micros, account.currency),
                                     lot.purchased_at, lot.expires_at, lot.expiry_warned)
                            for lot in lots], now)
        for lot in due:
            states[lot.id].expiry_warned = True
            session.add(states[lot.id])
        return [funds_expiring_alert(account, due)] if due else []

    def _forecast_alerts(self, account: Account, snapshot: AccountView, facts: SpendFacts,
                         now: datetime) -> list[Alert]:
        alerts = []
        today = now.astimezone(UTC).date()
        # A post-paid account does not run out: its calls are invoiced.
        due = not snapshot.postpaid and runout_due(
            balance=snapshot.balance, days_left=facts.days_left,
            autorecharge=snapshot.autorecharge_enabled, days_counted=facts.days_counted)
        if due and not account.runout_alerted and facts.days_left is not None:
            alerts.append(runout_alert(snapshot, days_left=facts.days_left,
                                       run_out=facts.run_out, average=facts.average,
                                       today=today))
        account.runout_alerted = due  # re-armed once the forecast is out of range again
        for day in (today - timedelta(days=1), today):
            spike = spend_spike(facts.daily, day)
            if spike is not None:
                alerts.append(spike_alert(snapshot, spike))
        return alerts

    def _with_amount(self, alert: Alert, account: Account) -> Alert:
        if RECHARGE_NOW not in alert.buttons or self.recharge_amount is None:
            return alert
        try:
            return replace(alert, recharge_amount=self.recharge_amount(view(account)))
        except Exception:  # the button then asks without naming the amount
            log.exception("alerts: the amount of Recharge now could not be worked out")
            return alert

    def _write(self, session: Session, account: Account, alerts: list[Alert]) -> list[Alert]:
        session.add(account)
        now = self.clock.now()
        alerts = [self._with_amount(alert, account) for alert in alerts]
        written = [alert for alert in alerts
                   if self.sink.write(session, alert, account_channel=account.alert_channel,
                                        now=now)]
        session.flush()
        return written


def _expiry_alerts(account: AccountView, posting: Posting) -> list[Alert]:
    if posting.kind != "expiry" or not posting.applied or not posting.amount.is_negative:
        return []
    return [funds_expired_alert(account, amount=-posting.amount, entry_id=posting.entry_id)]


def _recharge_alerts(account: AccountView, outcome: RechargeOutcome) -> list[Alert]:
    if isinstance(outcome, RechargeSucceeded):
        return [recharge_succeeded_alert(account, attempt_id=outcome.attempt_id,
                                         amount=outcome.amount, method=outcome.method)]
    if isinstance(outcome, RechargeFailed):
        return [recharge_failed_alert(
            account, attempt_id=outcome.attempt_id, tries=outcome.tries, amount=outcome.amount,
            reason=outcome.reason, next_try=outcome.next_try_at,
            card_problem=outcome.code in CARD_PROBLEMS, episode_id=outcome.episode_id,
            started=outcome.episode_started_at, now=outcome.failed_at, code=outcome.code)]
    if isinstance(outcome, RechargeCapped):
        return [recharge_capped_alert(account, key=outcome.dedupe_key, limit=outcome.limit,
                                      until=outcome.until)]
    return []  # started, pending (reconciled next), cancelled: nothing an admin must do
