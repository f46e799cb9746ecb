"""Alert rules and texts: what deserves an alert, once, and what the alert says.

Every alert says what happened, the balance, and what to do next; `buttons` names the actions
that help (rendered as Slack buttons by the composition root's renderer). Each alert carries a
dedupe key: the outbox takes each key once, so a rule that fires twice (the hook after a charge
and the sweep, two replicas, a retried job) still sends one alert. The state that makes an alert
fire once per episode lives in the database and changes in the same transaction as the alert:
`AlertThreshold.armed` (each low-balance level), `Account.zero_alerted` (zero balance / lifted),
`Account.runout_alerted` (forecast run-out), `Lot.expiry_warned` (funds expiring); card expiry,
spend spikes and recharge outcomes are once per key (card and expiry month, day, attempt and try).

The rules are pure functions of the account's state and `now`.
"""

from __future__ import annotations

import logging
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlmodel import Session

from bot.accounts import AccountView, PaymentMethod, view
from bot.clock import Clock
from bot.forecast import Forecaster
from bot.ledger import Posting
from bot.money import format_money
from bot.recharge import RechargeCapped, RechargeFailed, RechargeOutcome, RechargeSucceeded
from storage.accounts import list_thresholds, lock_account
from storage.db import write_transaction
from storage.ledger import lots_expiring_between
from storage.models import Account
from storage.units import from_micros

if TYPE_CHECKING:  # the outbox imports Alert from here
    from bot.alerts.outbox import OutboxWriter

log = logging.getLogger(__name__)

# Kinds (OutboxMessage.kind).
LOW = "low_balance"
ZERO = "zero_balance"
LIFTED = "service_resumed"
RECHARGE_OK = "recharge_succeeded"
RECHARGE_FAILED = "recharge_failed"
RECHARGE_CAPPED = "recharge_capped"
CARD_EXPIRING = "card_expiring"
CARD_EXPIRED = "card_expired"
FUNDS_EXPIRING = "funds_expiring"
FUNDS_EXPIRED = "funds_expired"
RUNOUT = "runout_forecast"
SPIKE = "spend_spike"
KINDS = (LOW, ZERO, LIFTED, RECHARGE_OK, RECHARGE_FAILED, RECHARGE_CAPPED, CARD_EXPIRING,
         CARD_EXPIRED, FUNDS_EXPIRING, FUNDS_EXPIRED, RUNOUT, SPIKE)

# Buttons an alert may carry (handlers/actions/alert_buttons.py answers them).
RECHARGE_NOW = "recharge_now"
AUTORECHARGE_ON = "autorecharge_on"
SHOW_USAGE = "show_usage"

CARD_WARN_DAYS = 30
FUNDS_WARN_DAYS = 14
RUNOUT_WARN_DAYS = 7
RUNOUT_MIN_DAYS = 3  # a forecast from one or two days of spend is too noisy to alert on
SPIKE_FACTOR = Decimal(3)
SPIKE_FLOOR = Decimal(50)  # smaller days are never "fraud", whatever the ratio
SPIKE_BASELINE_DAYS = 14
SPIKE_MIN_HISTORY = 7  # days of spend data before the day, or there is no baseline yet

DEPOSIT_HINT = "add credits with `/credits deposit <amount>`"
AUTORECHARGE_HINT = ("turn on auto-recharge (`/credits autorecharge on <amount> below "
                     "<trigger>`) so this does not happen again")
CARD_HINT = ("update the payment method with `credits-bot account set-payment-method card "
             "--brand <brand> --last4 <last 4 digits> --expires YYYY-MM`")


@dataclass(frozen=True)
class Alert:
    """One alert for one account: the facts, and the key that makes it go out once."""

    kind: str
    key: str
    account_id: int
    team_id: str
    currency: str
    balance: Decimal
    headline: str  # what happened
    next_step: str  # what to do next
    detail: str | None = None
    buttons: tuple[str, ...] = ()
    severity: str = "warning"  # info | warning | critical
    recharge_amount: Decimal | None = None  # what its Recharge now buys (named in the button)

    def money(self, amount: Decimal) -> str:
        return format_money(amount, self.currency)


_EMOJI = {"info": ":information_source:", "warning": ":warning:", "critical": ":rotating_light:"}


def alert_text(alert: Alert) -> str:
    """The plain text of an alert (the notification, and the message without blocks)."""
    lines = [f"{_EMOJI.get(alert.severity, '')} {alert.headline}".strip(),
             f"Balance: {alert.money(alert.balance)}."]
    if alert.detail:
        lines.append(alert.detail)
    lines.append(f"Next: {alert.next_step}")
    return "\n".join(lines)


# -- rules: pure functions of state and time -------------------------------------------------

@dataclass(frozen=True)
class ThresholdState:
    amount: Decimal
    armed: bool


def threshold_changes(balance: Decimal, thresholds: Sequence[ThresholdState]
                      ) -> tuple[list[Decimal], list[Decimal]]:
    """(levels crossed now, levels to re-arm): an armed level the balance is below fires and
    disarms; a disarmed level the balance is above again re-arms."""
    crossed = sorted((t.amount for t in thresholds if t.armed and balance < t.amount),
                     reverse=True)
    rearm = sorted((t.amount for t in thresholds if not t.armed and balance > t.amount),
                   reverse=True)
    return crossed, rearm


def zero_transition(account: AccountView, *, zero_alerted: bool) -> str | None:
    """ZERO when a suspension has not been alerted yet, LIFTED when an alerted one ended.

    A new account starts suspended at zero before anything happened (version 0): nothing to say.
    """
    if account.suspended and not zero_alerted and account.version > 0:
        return ZERO
    if not account.suspended and zero_alerted:
        return LIFTED
    return None


def card_expiry_end(method: PaymentMethod) -> datetime | None:
    """The first moment a card no longer works (cards work through their expiry month)."""
    if method.kind != "card" or not method.exp_month or not method.exp_year:
        return None
    year, month = (method.exp_year + 1, 1) if method.exp_month == 12 else (
        method.exp_year, method.exp_month + 1)
    return datetime(year, month, 1, tzinfo=UTC)


def card_state(method: PaymentMethod | None, now: datetime,
               warn_days: int = CARD_WARN_DAYS) -> tuple[str, int] | None:
    """(CARD_EXPIRED, 0), (CARD_EXPIRING, days until its last day), or None while the card is
    in good time."""
    if method is None:
        return None
    end = card_expiry_end(method)
    if end is None:
        return None
    if method.expired(now):
        return CARD_EXPIRED, 0
    # Counted to the card's last valid day: a card of this month expires within 30 days on
    # the 1st of a 31-day month (its end, the 1st of next month, is 31 days away).
    days_left = ((end - timedelta(days=1)).date() - now.astimezone(UTC).date()).days
    if days_left <= warn_days:
        return CARD_EXPIRING, days_left
    return None


@dataclass(frozen=True)
class LotState:
    id: int
    remaining: Decimal
    purchased_at: datetime
    expires_at: datetime
    warned: bool


def lots_to_warn(lots: Sequence[LotState], now: datetime,
                 warn_days: int = FUNDS_WARN_DAYS) -> list[LotState]:
    """Lots with credit left that expire within `warn_days` and were not warned about yet."""
    horizon = now + timedelta(days=warn_days)
    return [lot for lot in lots
            if not lot.warned and lot.remaining > 0 and now < lot.expires_at <= horizon]


def runout_due(*, balance: Decimal, days_left: Decimal | None, autorecharge: bool,
               days_counted: int = RUNOUT_MIN_DAYS, within: int = RUNOUT_WARN_DAYS) -> bool:
    """True when the forecast says the balance runs out within `within` days.

    Not at zero (the zero-balance alert says more), not with auto-recharge on (it tops the
    balance up before; a failed recharge alerts by itself), and not from less than
    RUNOUT_MIN_DAYS days of spend data.
    """
    return (balance > 0 and not autorecharge and days_counted >= RUNOUT_MIN_DAYS
            and days_left is not None and days_left <= within)


@dataclass(frozen=True)
class Spike:
    day: date
    spend: Decimal
    median: Decimal
    ratio: Decimal | None  # None when the median is zero


def spend_spike(daily: Sequence[tuple[date, Decimal]], day: date, *,
                factor: Decimal = SPIKE_FACTOR, floor: Decimal = SPIKE_FLOOR,
                baseline_days: int = SPIKE_BASELINE_DAYS,
                min_history: int = SPIKE_MIN_HISTORY) -> Spike | None:
    """A spike on `day`: spend at least `factor` times the median of the `baseline_days` days
    before it, and at least `floor`. Days missing from the series before the first spend data
    do not count; with fewer than `min_history` days of baseline there is no baseline."""
    by_day = dict(daily)
    spend = by_day.get(day)
    if spend is None or spend < floor:
        return None
    baseline = [by_day[d] for d in (day - timedelta(days=n) for n in range(1, baseline_days + 1))
                if d in by_day]
    if len(baseline) < min_history:
        return None
    median = Decimal(statistics.median(baseline))
    if spend < factor * median:
        return None
    ratio = (spend / median).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP) if median else None
    return Spike(day=day, spend=spend, median=median, ratio=ratio)


# -- the alerts ------------------------------------------------------------------------------

def _alert(account: AccountView, *, kind: str, key: str, headline: str, next_step: str,
           detail: str | None = None, buttons: tuple[str, ...] = (),
           severity: str = "warning") -> Alert:
    return Alert(kind=kind, key=key, account_id=account.id, team_id=account.team_id,
                 currency=account.currency, balance=account.balance, headline=headline,
                 next_step=next_step, detail=detail, buttons=buttons, severity=severity)


def _money(account: AccountView, amount: Decimal) -> str:
    return format_money(amount, account.currency)


def _topup_step(account: AccountView) -> tuple[str, tuple[str, ...]]:
    """What to do about a low balance, and the buttons that do it."""
    if account.autorecharge_enabled and account.autorecharge_amount and \
            account.autorecharge_below:
        step = (f"auto-recharge adds {_money(account, account.autorecharge_amount)} while the "
                f"balance is below {_money(account, account.autorecharge_below)}; to add more "
                f"now, {DEPOSIT_HINT} or press Recharge now.")
        return step, (RECHARGE_NOW, SHOW_USAGE)
    step = f"{DEPOSIT_HINT} or press Recharge now, and {AUTORECHARGE_HINT}."
    return step, (RECHARGE_NOW, AUTORECHARGE_ON, SHOW_USAGE)


def low_balance_alert(account: AccountView, crossed: Sequence[Decimal], *,
                      episode: int) -> Alert:
    """The balance fell below one or more low-balance thresholds (named by the lowest)."""
    lowest = min(crossed)
    also = sorted(a for a in crossed if a != lowest)
    headline = (f"Communications Credits are low: the balance fell below "
                f"{_money(account, lowest)}")
    if also:
        headline += " (and " + ", ".join(_money(account, a) for a in also) + ")"
    step, buttons = _topup_step(account)
    return _alert(account, kind=LOW, key=f"low:{account.id}:{_micros_key(lowest)}:{episode}",
                  headline=headline + ".", next_step=step, buttons=buttons)


def zero_balance_alert(account: AccountView, *, episode: int) -> Alert:
    """The balance reached zero or below: toll-free numbers and dial-out stop."""
    headline = ("Communications Credits ran out: the balance is "
                f"{_money(account, account.balance)}, so toll-free numbers, auto attendants and "
                "call queues behind them, and meeting dial-out are suspended.")
    detail = ("Calls are still charged after they happen, so the balance can go below zero."
              if account.balance < 0 else None)
    step, buttons = _topup_step(account)
    return _alert(account, kind=ZERO, key=f"zero:{account.id}:{episode}", headline=headline,
                  next_step="service resumes as soon as the balance is above zero: " + step,
                  detail=detail, buttons=buttons, severity="critical")


def lifted_alert(account: AccountView, *, episode: int) -> Alert:
    """A deposit or recharge brought the balance above zero again."""
    return _alert(account, kind=LIFTED, key=f"lifted:{account.id}:{episode}",
                  headline="Communications Credits are back above zero: toll-free numbers and "
                           "dial-out work again.",
                  next_step="nothing; to keep it from running out again, "
                            + ("watch the low-balance alerts." if account.autorecharge_enabled
                               else AUTORECHARGE_HINT + "."),
                  buttons=() if account.autorecharge_enabled else (AUTORECHARGE_ON,),
                  severity="info")


def recharge_succeeded_alert(account: AccountView, *, attempt_id: str, amount: Decimal,
                             method: str | None) -> Alert:
    """An auto-recharge bought credits."""
    paid = f" ({method})" if method else ""
    return _alert(account, kind=RECHARGE_OK, key=f"recharge-ok:{attempt_id}",
                  headline=f"Auto-recharge added {_money(account, amount)}{paid}.",
                  next_step="nothing; the receipt is in `/credits history`.",
                  buttons=(SHOW_USAGE,), severity="info")


def recharge_failed_alert(account: AccountView, *, attempt_id: str, tries: int,
                          amount: Decimal, reason: str, next_try: datetime | None,
                          card_problem: bool, episode_id: str | None = None,
                          started: datetime | None = None, now: datetime | None = None) -> Alert:
    """An auto-recharge failed, with the gateway's reason: one alert per episode (the tries of
    one crossing of the trigger), then one reminder a day while it keeps failing."""
    day = (now - started).days if started is not None and now is not None else 0
    if day == 0:
        headline = f"Auto-recharge of {_money(account, amount)} failed: {mid_sentence(reason)}."
    else:
        headline = (f"Reminder: auto-recharge of {_money(account, amount)} still fails since "
                    f"{started:%Y-%m-%d %H:%M} UTC ({tries} tries): {mid_sentence(reason)}.")
    detail = (f"It is tried again after {next_try:%Y-%m-%d %H:%M} UTC; a reminder follows "
              "daily while it fails." if next_try else "It is not retried automatically.")
    step = (CARD_HINT + "; the recharge is retried at once when the payment method changes."
            if card_problem else f"check the payment method, or {DEPOSIT_HINT}.")
    return _alert(account, kind=RECHARGE_FAILED,
                  key=f"recharge-failed:{episode_id or attempt_id}:day{day}",
                  headline=headline, detail=detail, next_step=step,
                  buttons=(RECHARGE_NOW, SHOW_USAGE), severity="critical")


def mid_sentence(reason: str) -> str:
    """A reason as the middle of a sentence: "Your card was declined." -> "your card was
    declined" (an acronym such as "CSP" keeps its capitals)."""
    text = reason.strip().rstrip(".")
    if len(text) > 1 and text[0].isupper() and not text[1].isupper():
        text = text[0].lower() + text[1:]
    return text


def recharge_capped_alert(account: AccountView, *, key: str, limit: int,
                          until: datetime) -> Alert:
    """The runaway guard stopped auto-recharge: too many recharges in 24 hours."""
    return _alert(account, kind=RECHARGE_CAPPED, key=key,
                  headline=(f"Auto-recharge paused: it bought credits {limit} times in 24 hours, "
                            f"the most it may. None more before {until:%Y-%m-%d %H:%M} UTC."),
                  detail="Spend this fast can be toll fraud, or a trigger set too high.",
                  next_step=(f"check the calls with `/credits usage last-7-days by destination`;"
                             f" if the spend is real, {DEPOSIT_HINT} or raise the recharge "
                             "amount."),
                  buttons=(SHOW_USAGE, RECHARGE_NOW), severity="critical")


def card_alert(account: AccountView, state: tuple[str, int]) -> Alert | None:
    """The card on file expires soon (or has expired), once per card and expiry month."""
    method = account.payment
    if method is None:
        return None
    kind, days = state
    card = f"{(method.brand or 'card').title()} ending {method.last4}"
    key = (f"{'card-expired' if kind == CARD_EXPIRED else 'card-expiring'}:{account.id}:"
           f"{method.brand}:{method.last4}:{method.exp_year}-{method.exp_month}")
    if kind == CARD_EXPIRED:
        headline = (f"Card expired {method.expiry_text}: the {card} cannot pay for credits, "
                    "so deposits and auto-recharge will fail.")
        severity = "critical"
    else:
        when = "today" if days == 0 else f"in {days} day{'s' if days != 1 else ''}"
        headline = (f"The {card} expires {method.expiry_text} (its last day is {when}): "
                    "deposits and auto-recharge will fail after that.")
        severity = "warning"
    return _alert(account, kind=kind, key=key, headline=headline, next_step=CARD_HINT + ".",
                  severity=severity)


def funds_expiring_alert(account: AccountView, lots: Sequence[LotState]) -> Alert:
    """Credits bought about a year ago expire soon (charges use the oldest credits first)."""
    total = sum((lot.remaining for lot in lots), Decimal(0))
    first = min(lots, key=lambda lot: lot.expires_at)
    parts = [f"{_money(account, lot.remaining)} bought {lot.purchased_at:%Y-%m-%d} expire "
             f"{lot.expires_at:%Y-%m-%d}"
             for lot in sorted(lots, key=lambda lot: lot.expires_at)]
    ids = sorted(lot.id for lot in lots)
    key = f"funds-expiring:{account.id}:{ids[0]}:{len(ids)}"
    return _alert(account, kind=FUNDS_EXPIRING, key=key,
                  headline=(f"{_money(account, total)} of credits expire by "
                            f"{first.expires_at:%Y-%m-%d}: credits expire 12 months after "
                            "purchase, and what is left then is lost."),
                  detail="; ".join(parts) + ".",
                  next_step=("nothing to buy: calls use the oldest credits first. Lower the next "
                             "deposit or recharge if credits keep expiring unused."),
                  buttons=(SHOW_USAGE,))


def funds_expired_alert(account: AccountView, *, amount: Decimal, entry_id: int) -> Alert:
    """Credits bought 12 months ago expired unused: the balance fell by what they held."""
    return _alert(account, kind=FUNDS_EXPIRED, key=f"funds-expired:{entry_id}",
                  headline=(f"{_money(account, amount)} of credits expired unused today: "
                            "credits expire 12 months after purchase."),
                  next_step=("nothing to undo; if credits keep expiring, lower the next deposit "
                             "or recharge amount. `/credits credits` lists what is left and "
                             "when it expires."),
                  buttons=(SHOW_USAGE,))


def runout_alert(account: AccountView, *, days_left: Decimal, run_out: date | None,
                 average: Decimal, today: date) -> Alert:
    """At the recent daily spend, the balance runs out within days."""
    when = f"around {run_out:%Y-%m-%d}" if run_out else "soon"
    step, buttons = _topup_step(account)
    return _alert(account, kind=RUNOUT, key=f"runout:{account.id}:{today.isoformat()}",
                  headline=(f"At the recent average spend of {_money(account, average)} a day, "
                            f"credits run out {when} (in about {days_left} days)."),
                  next_step=step, buttons=buttons)


def spike_alert(account: AccountView, spike: Spike) -> Alert:
    """A day's spend far above the usual: possibly toll fraud."""
    ratio = f"{spike.ratio}x" if spike.ratio is not None else "far above"
    return _alert(account, kind=SPIKE, key=f"spike:{account.id}:{spike.day.isoformat()}",
                  headline=(f"Unusual spend on {spike.day:%Y-%m-%d}: "
                            f"{_money(account, spike.spend)}, {ratio} the 14-day median of "
                            f"{_money(account, spike.median)} a day. This can be toll fraud."),
                  next_step=("check the calls with `/credits usage last-7-days by destination` "
                             "and `by user`; block unexpected destinations and reset the "
                             "credentials of users with calls they did not make."),
                  buttons=(SHOW_USAGE,), severity="critical")


def _micros_key(amount: Decimal) -> str:
    # Keys stay stable whatever the Decimal's exponent: 200, 200.00 and 200.000000 are one.
    return str(int((amount * 1_000_000).to_integral_value(rounding=ROUND_HALF_UP)))


# -- the monitor: rules applied to the database, alerts written with the change ----------------

CARD_PROBLEMS = frozenset({"expired_card", "card_declined", "insufficient_funds",
                           "no_payment_method"})


@dataclass(frozen=True)
class SpendFacts:
    """What the forecast knows, read before the sweep locks the account."""

    days_left: Decimal | None
    run_out: date | None
    average: Decimal
    days_counted: int
    daily: tuple[tuple[date, Decimal], ...]


class AlertMonitor:
    """Applies the rules: right after each ledger change (a Ledger hook), on each recharge outcome
    (the Recharger's `on_outcome`), and for the sweep (`check_account`). Every alert is written
    to the outbox in the same transaction as the state that makes it fire once."""

    def __init__(self, engine: Engine, clock: Clock, writer: OutboxWriter, *,
                 forecaster: Forecaster | None = None,
                 recharge_amount: Callable[[AccountView], Decimal] | None = None) -> None:
        self.engine = engine
        self.clock = clock
        self.writer = writer
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
            ThresholdState(from_micros(row.amount_micros), row.armed) for row in rows])
        if snapshot.postpaid:
            crossed = []  # nothing runs low when calls are invoiced after the fact
        for row in rows:
            amount = from_micros(row.amount_micros)
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
        due = lots_to_warn([LotState(lot.id or 0, from_micros(lot.remaining_micros),
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
                   if self.writer.write(session, alert, account_channel=account.alert_channel,
                                        now=now)]
        session.flush()
        return written


def _expiry_alerts(account: AccountView, posting: Posting) -> list[Alert]:
    if posting.kind != "expiry" or not posting.applied or posting.amount >= 0:
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
            started=outcome.episode_started_at, now=outcome.failed_at)]
    if isinstance(outcome, RechargeCapped):
        return [recharge_capped_alert(account, key=outcome.dedupe_key, limit=outcome.limit,
                                      until=outcome.until)]
    return []  # started, pending (reconciled next), cancelled: nothing an admin must do
