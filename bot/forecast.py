"""Burn rate and run-out date: how fast an account spends, and when its credits run out.

Spend per day is what the calls that STARTED that day cost, by the calendar days of the
account's time zone (the `spend_days` rollup): importing last month's export on the 1st spreads
its calls over the days they were made. An account without calls in the window falls back to
its `charge` entries (by the day they were booked). Days without calls count as zero, from the
first day the account has any spend data on.

The run-out is the earlier of two days (DESIGN §4): when the average daily spend uses up the
balance, and when the credits left expire. Lots expire 12 months after purchase and charges
draw on them oldest first, so the spend is laid on the lots in that order; what a lot still
holds on its expiry day is lost. A forecast never names a day after the last credits expire.
Everything is counted in whole local days from today, so a forecast only changes when the
account does or the day does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Protocol

from sqlalchemy import Connection, Engine, select
from sqlmodel import Session

from bot.clock import Clock
from bot.money import Money
from storage import spend as spend_db
from storage.models import Account, Lot

WINDOW_DAYS = 30
# Beyond this the date is not a forecast any more; the number of days still says how long.
HORIZON_DAYS = 3_650
_MICRO = Decimal("0.000001")
_TENTH = Decimal("0.1")
_LOTS = Lot.__table__  # type: ignore[attr-defined]
_ACCOUNTS = Account.__table__  # type: ignore[attr-defined]


class AccountRow(Protocol):
    """What a forecast needs of an account (an `accounts` row, ORM or Core)."""

    @property
    def id(self) -> int | None: ...

    @property
    def balance_micros(self) -> int: ...

    @property
    def currency(self) -> str: ...

    @property
    def timezone(self) -> str: ...


@dataclass(frozen=True)
class DailySpend:
    day: date
    amount: Money


@dataclass(frozen=True)
class SpendSeries:
    """Spend per local day, consecutive days, zeros included, oldest first."""

    days: tuple[DailySpend, ...]
    source: str  # calls | ledger | none
    currency: str

    @property
    def total(self) -> Money:
        return Money.total((d.amount for d in self.days), self.currency)

    @property
    def amounts(self) -> tuple[Decimal, ...]:
        """The bare daily amounts in the series' currency, for statistics (percentiles)."""
        return tuple(d.amount.amount for d in self.days)

    def average(self) -> Money:
        """The average daily spend, to the micro-unit; zero without data."""
        if not self.days:
            return Money.zero(self.currency)
        return Money((self.total.amount / len(self.days)).quantize(_MICRO, rounding=ROUND_HALF_UP),
                     self.currency)


@dataclass(frozen=True)
class CreditLot:
    """Credits left in one lot, and the local day they are gone (their expiry)."""

    remaining: Money
    expires_on: date


@dataclass(frozen=True)
class Forecast:
    """When the credits run out at the recent average daily spend, or expire first."""

    account_id: int
    balance: Money
    average_daily_spend: Money
    days_counted: int  # days behind the average (at most the window)
    source: str  # calls | ledger | none
    days_left: Decimal | None  # None: nothing is spent; 0: out already
    run_out: date | None  # None: nothing is spent (or beyond the 10-year horizon)
    as_of: datetime
    expires_on: date | None = None  # the day the last credits left expire (None: no lots)

    @property
    def currency(self) -> str:
        return self.balance.currency

    @property
    def out_now(self) -> bool:
        """The balance is gone already (zero or below): the run-out is now."""
        return not self.balance.is_positive

    @property
    def expiry_first(self) -> bool:
        """The credits expire before the spend uses them up."""
        return self.run_out is not None and self.run_out == self.expires_on and not self.out_now


def build_series(by_day: dict[date, int], first: date | None, start: date,
                 end: date, source: str, currency: str) -> SpendSeries:
    """Lay micro-unit sums per day on consecutive days from max(start, first) to end."""
    if first is None or first > end:
        return SpendSeries((), "none", currency)
    day = max(start, first)
    days = []
    while day <= end:
        days.append(DailySpend(day, Money.from_micros(by_day.get(day, 0), currency)))
        day += timedelta(days=1)
    return SpendSeries(tuple(days), source, currency)


def local_today(now: datetime, timezone: str) -> date:
    return now.astimezone(spend_db.zone(timezone)).date()


def daily_spend(executor: Connection | Session, *, account_id: int, timezone: str,
                currency: str, now: datetime, days: int = WINDOW_DAYS) -> SpendSeries:
    """The account's spend per local day over the `days` days that end today."""
    end = local_today(now, timezone)
    start = end - timedelta(days=days - 1)
    calls, first = spend_db.spend_days(executor, account_id=account_id, first=start, last=end)
    if calls:
        return build_series(calls, first, start, end, "calls", currency)
    where = spend_db.zone(timezone)
    since = datetime.combine(start, time(), tzinfo=where).astimezone(UTC)
    until = datetime.combine(end + timedelta(days=1), time(), tzinfo=where).astimezone(UTC)
    charges, first = spend_db.daily_ledger_charges(executor, account_id=account_id,
                                                   since=since, until=until, timezone=timezone)
    if charges:
        return build_series(charges, first, start, end, "ledger", currency)
    return SpendSeries((), "none", currency)


def open_lots(executor: Connection | Session, *, account_id: int, timezone: str,
              currency: str) -> list[CreditLot]:
    """The account's lots with credit left, in the order charges draw on them."""
    where = spend_db.zone(timezone)
    rows = executor.execute(
        select(_LOTS.c.remaining_micros, _LOTS.c.expires_at)
        .where(_LOTS.c.account_id == account_id, _LOTS.c.remaining_micros > 0)
        .order_by(_LOTS.c.purchased_at, _LOTS.c.id)).all()
    return [CreditLot(Money.from_micros(remaining, currency), expires.astimezone(where).date())
            for remaining, expires in rows]


def run_out(balance: Money, average: Money, today: date,
            lots: list[CreditLot] | None = None) -> tuple[Decimal | None, date | None]:
    """(days left, run-out day) at an average daily spend, from `today`: today when nothing
    is left, None when nothing is spent. With lots, the days end where the credits expire."""
    if not balance.is_positive:
        return Decimal(0), today
    if not average.is_positive:
        return None, None
    days_left = (balance / average if not lots
                 else _days_on_lots(lots, average, today))
    if days_left > HORIZON_DAYS:
        return days_left.quantize(_TENTH, rounding=ROUND_FLOOR), None
    whole = int(days_left.to_integral_value(rounding=ROUND_FLOOR))
    return days_left.quantize(_TENTH, rounding=ROUND_FLOOR), today + timedelta(days=whole)


def _days_on_lots(lots: list[CreditLot], average: Money, today: date) -> Decimal:
    """Days from today until the lots are spent (oldest first) or gone at their expiry."""
    elapsed = Decimal(0)
    for lot in lots:
        expires_in = Decimal((lot.expires_on - today).days)
        if elapsed >= expires_in:
            continue  # expired before the spend reached it: it buys no day
        elapsed = min(elapsed + lot.remaining / average, expires_in)
    return elapsed


def forecast_of(executor: Connection | Session, account: AccountRow, *, now: datetime,
                window_days: int = WINDOW_DAYS) -> Forecast:
    """The forecast of an account row, read on the caller's connection (two indexed reads)."""
    account_id = account.id or 0
    series = daily_spend(executor, account_id=account_id, timezone=account.timezone,
                         currency=account.currency, now=now, days=window_days)
    lots = open_lots(executor, account_id=account_id, timezone=account.timezone,
                     currency=account.currency)
    balance = Money.from_micros(account.balance_micros, account.currency)
    average = series.average()
    today = local_today(now, account.timezone)
    days_left, when = run_out(balance, average, today, lots)
    return Forecast(account_id=account_id, balance=balance,
                    average_daily_spend=average, days_counted=len(series.days),
                    source=series.source, days_left=days_left, run_out=when, as_of=now,
                    expires_on=max((lot.expires_on for lot in lots), default=None))


class Forecaster:
    """Spend series and run-out forecasts of accounts, read on their own connection."""

    def __init__(self, engine: Engine, clock: Clock, *, window_days: int = WINDOW_DAYS) -> None:
        self.engine = engine
        self.clock = clock
        self.window_days = window_days

    def series(self, account_id: int, *, days: int | None = None) -> SpendSeries:
        """Spend per local day over the last `days` days (the window by default)."""
        with self.engine.connect() as connection:
            account = _account(connection, account_id)
            return daily_spend(connection, account_id=account_id, timezone=account.timezone,
                               currency=account.currency, now=self.clock.now(),
                               days=days or self.window_days)

    def forecast(self, account_id: int) -> Forecast:
        """The average daily spend of the window and the day the credits run out."""
        with self.engine.connect() as connection:
            return forecast_of(connection, _account(connection, account_id),
                               now=self.clock.now(), window_days=self.window_days)


def _account(connection: Connection, account_id: int) -> AccountRow:
    row = connection.execute(
        select(_ACCOUNTS.c.id, _ACCOUNTS.c.balance_micros, _ACCOUNTS.c.currency,
               _ACCOUNTS.c.timezone).where(_ACCOUNTS.c.id == account_id)).one_or_none()
    if row is None:
        raise LookupError(f"no account {account_id}")
    return row
