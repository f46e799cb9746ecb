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
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from bot.accounts import AccountView, PaymentMethod
from bot.money import Money

if TYPE_CHECKING:  # the outbox imports Alert from here
    pass

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
CHANGE_PAYMENT = "change_payment"  # opens the payment method form (admins)

CARD_WARN_DAYS = 30
FUNDS_WARN_DAYS = 14
RUNOUT_WARN_DAYS = 7
RUNOUT_MIN_DAYS = 3  # a forecast from one or two days of spend is too noisy to alert on
SPIKE_FACTOR = Decimal(3)
SPIKE_FLOOR = Decimal(50)  # smaller days are never "fraud", whatever the ratio
SPIKE_BASELINE_DAYS = 14
SPIKE_MIN_HISTORY = 7  # days of spend data before the day, or there is no baseline yet

@dataclass(frozen=True)
class Alert:
    """One alert for one account: the facts, and the key that makes it go out once."""

    kind: str
    key: str
    account_id: int
    team_id: str
    balance: Money
    headline: str  # what happened
    next_step: str  # what to do next
    detail: str | None = None
    buttons: tuple[str, ...] = ()
    severity: str = "warning"  # info | warning | critical
    recharge_amount: Money | None = None  # what its Recharge now buys (named in the button)
    locale: str = "en-US"  # the account's language: the texts above are written in it

    @property
    def currency(self) -> str:
        return self.balance.currency

    def money(self, amount: Money) -> str:
        return amount.format(self.locale)


# -- rules: pure functions of state and time -------------------------------------------------

@dataclass(frozen=True)
class ThresholdState:
    amount: Money
    armed: bool


def threshold_changes(balance: Money, thresholds: Sequence[ThresholdState]
                      ) -> tuple[list[Money], list[Money]]:
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
    remaining: Money
    purchased_at: datetime
    expires_at: datetime
    warned: bool


def lots_to_warn(lots: Sequence[LotState], now: datetime,
                 warn_days: int = FUNDS_WARN_DAYS) -> list[LotState]:
    """Lots with credit left that expire within `warn_days` and were not warned about yet."""
    horizon = now + timedelta(days=warn_days)
    return [lot for lot in lots
            if not lot.warned and lot.remaining.is_positive and now < lot.expires_at <= horizon]


def runout_due(*, balance: Money, days_left: Decimal | None, autorecharge: bool,
               days_counted: int = RUNOUT_MIN_DAYS, within: int = RUNOUT_WARN_DAYS) -> bool:
    """True when the forecast says the balance runs out within `within` days.

    Not at zero (the zero-balance alert says more), not with auto-recharge on (it tops the
    balance up before; a failed recharge alerts by itself), and not from less than
    RUNOUT_MIN_DAYS days of spend data.
    """
    return (balance.is_positive and not autorecharge and days_counted >= RUNOUT_MIN_DAYS
            and days_left is not None and days_left <= within)


@dataclass(frozen=True)
class Spike:
    day: date
    spend: Money
    median: Money
    ratio: Decimal | None  # None when the median is zero


def spend_spike(daily: Sequence[tuple[date, Money]], day: date, *,
                factor: Decimal = SPIKE_FACTOR, floor: Decimal = SPIKE_FLOOR,
                baseline_days: int = SPIKE_BASELINE_DAYS,
                min_history: int = SPIKE_MIN_HISTORY) -> Spike | None:
    """A spike on `day`: spend at least `factor` times the median of the `baseline_days` days
    before it, and at least `floor`. Days missing from the series before the first spend data
    do not count; with fewer than `min_history` days of baseline there is no baseline."""
    by_day = dict(daily)
    money = by_day.get(day)
    if money is None or money.amount < floor:
        return None
    spend = money.amount
    baseline = [by_day[d].amount
                for d in (day - timedelta(days=n) for n in range(1, baseline_days + 1))
                if d in by_day]
    if len(baseline) < min_history:
        return None
    median = Decimal(statistics.median(baseline))
    if spend < factor * median:
        return None
    ratio = (spend / median).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP) if median else None
    return Spike(day=day, spend=money, median=Money(median, money.currency), ratio=ratio)
