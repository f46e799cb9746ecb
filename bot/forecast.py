"""Burn rate and run-out date: how fast an account spends, and when the balance runs out.

Spend per UTC day comes from the call records (the day a call started); an account without call
records in the window falls back to its `charge` entries (the day they were booked). Days without
calls count as zero, from the first day the account has any spend data on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from sqlalchemy import Engine
from sqlmodel import Session

from bot.clock import Clock
from storage import spend as spend_db
from storage.accounts import get_account_by_id
from storage.db import read_session
from storage.units import from_micros

WINDOW_DAYS = 30
SECONDS_PER_DAY = 86_400
# Beyond this the date is not a forecast any more; the number of days still says how long.
HORIZON_DAYS = 3_650
_MICRO = Decimal("0.000001")
_TENTH = Decimal("0.1")


@dataclass(frozen=True)
class DailySpend:
    day: date
    amount: Decimal


@dataclass(frozen=True)
class SpendSeries:
    """Spend per UTC day, consecutive days, zeros included, oldest first."""

    days: tuple[DailySpend, ...]
    source: str  # calls | ledger | none

    @property
    def total(self) -> Decimal:
        return sum((d.amount for d in self.days), Decimal(0))

    @property
    def amounts(self) -> tuple[Decimal, ...]:
        return tuple(d.amount for d in self.days)

    def average(self) -> Decimal:
        """The average daily spend, to the micro-unit; zero without data."""
        if not self.days:
            return Decimal(0)
        return (self.total / len(self.days)).quantize(_MICRO, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Forecast:
    """When the balance runs out at the recent average daily spend."""

    account_id: int
    currency: str
    balance: Decimal
    average_daily_spend: Decimal
    days_counted: int  # days behind the average (at most the window)
    source: str  # calls | ledger | none
    days_left: Decimal | None  # None: nothing is spent; 0: out already
    run_out: date | None  # None: nothing is spent (or beyond the 10-year horizon)
    as_of: datetime

    @property
    def out_now(self) -> bool:
        """The balance is gone already (zero or below): the run-out is now."""
        return self.balance <= 0


def build_series(by_day: dict[date, int], first: date | None, start: date,
                 end: date, source: str) -> SpendSeries:
    """Lay micro-unit sums per day on consecutive days from max(start, first) to end."""
    if first is None or first > end:
        return SpendSeries((), "none")
    day = max(start, first)
    days = []
    while day <= end:
        days.append(DailySpend(day, from_micros(by_day.get(day, 0))))
        day += timedelta(days=1)
    return SpendSeries(tuple(days), source)


def daily_spend(session: Session, *, account_id: int, now: datetime,
                days: int = WINDOW_DAYS) -> SpendSeries:
    """The account's spend per UTC day over the `days` days that end today."""
    end = now.astimezone(UTC).date()
    start = end - timedelta(days=days - 1)
    since = datetime.combine(start, time(), tzinfo=UTC)
    until = datetime.combine(end + timedelta(days=1), time(), tzinfo=UTC)
    calls = spend_db.daily_call_spend(session=session, account_id=account_id, since=since,
                                      until=until)
    if calls:
        first = spend_db.first_call_at(session=session, account_id=account_id)
        return build_series(calls, _date(first), start, end, "calls")
    charges = spend_db.daily_ledger_charges(session=session, account_id=account_id, since=since,
                                            until=until)
    if charges:
        first = spend_db.first_charge_at(session=session, account_id=account_id)
        return build_series(charges, _date(first), start, end, "ledger")
    return SpendSeries((), "none")


def _date(when: datetime | None) -> date | None:
    return None if when is None else when.astimezone(UTC).date()


def run_out(balance: Decimal, average: Decimal,
            now: datetime) -> tuple[Decimal | None, date | None]:
    """(days left, run-out date) at an average daily spend: now when nothing is left, None when
    nothing is spent."""
    if balance <= 0:
        return Decimal(0), now.astimezone(UTC).date()
    if average <= 0:
        return None, None
    days_left = balance / average
    if days_left > HORIZON_DAYS:
        return days_left.quantize(_TENTH, rounding=ROUND_FLOOR), None
    seconds = int((days_left * SECONDS_PER_DAY).to_integral_value(rounding=ROUND_FLOOR))
    when = now.astimezone(UTC) + timedelta(seconds=seconds)
    return days_left.quantize(_TENTH, rounding=ROUND_FLOOR), when.date()


class Forecaster:
    """Spend series and run-out forecasts of accounts, read in their own short session."""

    def __init__(self, engine: Engine, clock: Clock, *, window_days: int = WINDOW_DAYS) -> None:
        self.engine = engine
        self.clock = clock
        self.window_days = window_days

    def series(self, account_id: int, *, days: int | None = None) -> SpendSeries:
        """Spend per UTC day over the last `days` days (the window by default)."""
        with read_session(self.engine) as session:
            return daily_spend(session, account_id=account_id, now=self.clock.now(),
                               days=days or self.window_days)

    def forecast(self, account_id: int) -> Forecast:
        """The average daily spend of the window and the date the balance runs out."""
        now = self.clock.now()
        with read_session(self.engine) as session:
            account = get_account_by_id(session=session, account_id=account_id)
            if account is None:
                raise LookupError(f"no account {account_id}")
            series = daily_spend(session, account_id=account_id, now=now,
                                 days=self.window_days)
        balance = from_micros(account.balance_micros)
        average = series.average()
        days_left, when = run_out(balance, average, now)
        return Forecast(account_id=account_id, currency=account.currency, balance=balance,
                        average_daily_spend=average, days_counted=len(series.days),
                        source=series.source, days_left=days_left, run_out=when, as_of=now)
