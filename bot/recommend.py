"""Recommended deposit and trigger: Microsoft's table by licensed users, and the own spend.

Microsoft's guidance (DESIGN §6) says to start from the table and adjust to actual usage; the
spend-based recommendation does the adjusting: a trigger that covers a week of high-percentile
daily spend, and a recharge that buys about a month at the average.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from sqlalchemy import Engine

from bot.clock import Clock
from bot.forecast import WINDOW_DAYS, daily_spend
from bot.money import Money
from storage.accounts import get_account_by_id
from storage.db import read_session
from storage.licenses import count_active_licenses

TABLE_CURRENCY = "USD"
COVER_DAYS = 7
SUPPLY_DAYS = 30
PERCENTILE = 90
SMALL_STEP = Decimal(50)
LARGE_STEP = Decimal(100)
LARGE_FROM = Decimal(1000)  # amounts above this round to the larger step
DEFAULT_MIN_DEPOSIT = Decimal(50)


@dataclass(frozen=True)
class GuidanceRow:
    """One row of Microsoft's table: from `min_users` up to (not including) `max_users`."""

    min_users: int
    max_users: int
    initial_deposit: Decimal
    trigger: Decimal
    note: str | None = None

    @property
    def label(self) -> str:
        if self.min_users == 0:
            return f"< {self.max_users:,}"
        return f"{self.min_users:,}-{self.max_users:,}"


GUIDANCE: tuple[GuidanceRow, ...] = (
    GuidanceRow(0, 250, Decimal(1_000), Decimal(200), "for invoice-billed customers"),
    GuidanceRow(250, 500, Decimal(1_000), Decimal(400)),
    GuidanceRow(500, 1_000, Decimal(2_000), Decimal(500)),
    GuidanceRow(1_000, 5_000, Decimal(3_000), Decimal(1_000)),
    GuidanceRow(5_000, 10_000, Decimal(5_000), Decimal(1_000)),
    GuidanceRow(10_000, 50_000, Decimal(10_000), Decimal(1_000)),
    GuidanceRow(50_000, 100_000, Decimal(15_000), Decimal(2_500)),
    GuidanceRow(100_000, 200_000, Decimal(20_000), Decimal(2_500)),
)
TABLE_LIMIT = GUIDANCE[-1].max_users


def guidance_for(users: int) -> GuidanceRow | None:
    """The table row for a licensed-user count; a boundary belongs to the higher row. The
    table's last boundary (200,000) has no higher row and stays in the last; above it, None."""
    if users < 0:
        raise ValueError("a user count is never negative")
    for row in GUIDANCE:
        if row.min_users <= users < row.max_users:
            return row
    return GUIDANCE[-1] if users == TABLE_LIMIT else None


@dataclass(frozen=True)
class TableRecommendation:
    users: int
    row: GuidanceRow | None  # None: more users than the table covers
    text: str


def table_recommendation(users: int) -> TableRecommendation:
    """Microsoft's recommendation for a licensed-user count, in words."""
    row = guidance_for(users)
    if row is None:
        return TableRecommendation(users, None, (
            f"Microsoft's table ends at {TABLE_LIMIT:,} licensed users; for {users:,} it has no "
            "row. Size the deposit and trigger from your own spend."))
    deposit = _usd(row.initial_deposit) + (f" ({row.note})" if row.note else "")
    return TableRecommendation(users, row, (
        f"For {users:,} licensed {'user' if users == 1 else 'users'} ({row.label}) Microsoft "
        f"recommends an initial deposit of {deposit} and a trigger (lowest balance) of "
        f"{_usd(row.trigger)}."))


def _usd(amount: Decimal) -> str:
    return Money(amount, TABLE_CURRENCY).format()


def percentile(values: Sequence[Decimal], pct: int) -> Decimal:
    """The nearest-rank percentile: the smallest value with at least pct% of values at or
    below it (always one of the values, so it is exact)."""
    if not values:
        raise ValueError("no values")
    if not 0 < pct <= 100:
        raise ValueError("a percentile is in (0, 100]")
    ordered = sorted(values)
    rank = -(-pct * len(ordered) // 100)  # ceil(pct / 100 * n) in integers
    return ordered[rank - 1]


def round_up_to_step(amount: Decimal) -> Decimal:
    """Round up to $50 steps up to $1,000, and to $100 steps above."""
    if amount <= 0:
        return Decimal(0)
    step = SMALL_STEP if amount <= LARGE_FROM else LARGE_STEP
    return (amount / step).to_integral_value(rounding=ROUND_CEILING) * step


@dataclass(frozen=True)
class SpendRecommendation:
    """A trigger and a recharge amount derived from the account's own daily spend."""

    trigger: Money
    recharge_amount: Money
    high_daily_spend: Money  # the `percentile` daily spend
    average_daily_spend: Money
    days: int  # days of spend behind it (at most the window)
    percentile: int
    cover_days: int
    supply_days: int
    basis: str


def spend_recommendation(daily: Sequence[Decimal], *, currency: str = TABLE_CURRENCY,
                         window_days: int = WINDOW_DAYS, cover_days: int = COVER_DAYS,
                         supply_days: int = SUPPLY_DAYS, pct: int = PERCENTILE,
                         min_deposit: Decimal = DEFAULT_MIN_DEPOSIT
                         ) -> SpendRecommendation | None:
    """Trigger: `cover_days` of the pct-percentile daily spend; recharge: `supply_days` of the
    average, rounded up to a step and never below the minimum deposit. None without spend.

    `daily` are bare amounts in `currency` (statistics work on numbers); what comes out is
    Money."""
    if not daily or sum(daily, Decimal(0)) <= 0:
        return None
    high = percentile(daily, pct)
    average = sum(daily, Decimal(0)) / len(daily)
    trigger = max(round_up_to_step(high * cover_days), SMALL_STEP)
    recharge = max(round_up_to_step(average * supply_days), round_up_to_step(min_deposit))
    period = (f"the last {window_days} days" if len(daily) >= window_days
              else f"the last {len(daily)} days (all the spend data there is)")
    money = {name: Money(value, currency) for name, value in (
        ("trigger", trigger), ("high", high), ("recharge", recharge), ("average", average))}
    basis = (f"A trigger of {money['trigger'].format()} covers {cover_days} days at the "
             f"{pct}th-percentile daily spend of {money['high'].format()} over {period}; "
             f"a recharge of {money['recharge'].format()} buys about {supply_days} days "
             f"at the average daily spend of {money['average'].format()}.")
    return SpendRecommendation(
        trigger=money["trigger"], recharge_amount=money["recharge"],
        high_daily_spend=money["high"],
        average_daily_spend=Money(average.quantize(Decimal("0.000001")), currency),
        days=len(daily),
        percentile=pct, cover_days=cover_days, supply_days=supply_days, basis=basis)


@dataclass(frozen=True)
class Recommendation:
    """What `/credits recommend` answers."""

    account_id: int
    currency: str
    table: TableRecommendation
    spend: SpendRecommendation | None
    spend_text: str  # the basis, or why there is no spend-based recommendation


class Recommender:
    """Recommendations for an account from its licensed users and its recent spend."""

    def __init__(self, engine: Engine, clock: Clock, *,
                 min_deposit: Decimal = DEFAULT_MIN_DEPOSIT, window_days: int = WINDOW_DAYS,
                 cover_days: int = COVER_DAYS, supply_days: int = SUPPLY_DAYS,
                 pct: int = PERCENTILE) -> None:
        self.engine = engine
        self.clock = clock
        self.min_deposit = min_deposit
        self.window_days = window_days
        self.cover_days = cover_days
        self.supply_days = supply_days
        self.pct = pct

    def recommend(self, account_id: int, *, users: int | None = None) -> Recommendation:
        """The table's row for the licensed users (`users`: the tenant's count, where the
        Microsoft 365 connection gives it; else the bot's list) and one from the spend."""
        with read_session(self.engine) as session:
            account = get_account_by_id(session=session, account_id=account_id)
            if account is None:
                raise LookupError(f"no account {account_id}")
            if users is None:
                users = count_active_licenses(session=session, account_id=account_id)
            series = daily_spend(session, account_id=account_id, timezone=account.timezone,
                                 currency=account.currency, now=self.clock.now(),
                                 days=self.window_days)
        spend = spend_recommendation(
            series.amounts, currency=account.currency, window_days=self.window_days,
            cover_days=self.cover_days, supply_days=self.supply_days, pct=self.pct,
            min_deposit=self.min_deposit)
        text = spend.basis if spend else (
            f"There was no spend in the last {self.window_days} days to base a recommendation "
            "on; start from the table and adjust once calls come in.")
        return Recommendation(account_id=account_id, currency=account.currency,
                              table=table_recommendation(users), spend=spend, spend_text=text)


def recommended_setting(recommendation: Recommendation) -> tuple[Money, Money, str]:
    """(recharge amount, trigger, why) for auto-recharge: from the spend, else the table."""
    if recommendation.spend is not None:
        spend = recommendation.spend
        return spend.recharge_amount, spend.trigger, recommendation.spend_text
    row = recommendation.table.row or guidance_for(recommendation.table.users) or GUIDANCE[-1]
    # Microsoft's table is in dollars; an account in another currency takes its numbers as
    # they are (a rule of thumb for sizing, not a price).
    currency = recommendation.currency
    return (Money(row.initial_deposit, currency), Money(row.trigger, currency),
            recommendation.table.text)


def recharge_now_amount(recommender: Recommender, account_id: int, *,
                        autorecharge_amount: Money | None, min_deposit: Decimal) -> Money:
    """What "Recharge now" buys: the auto-recharge amount, else the recommendation (never less
    than the smallest deposit, a number in the account's currency), to the cent."""
    if autorecharge_amount and autorecharge_amount.is_positive:
        amount = autorecharge_amount
    else:
        amount, _, _ = recommended_setting(recommender.recommend(account_id))
    return max(amount.rounded(), Money(min_deposit, amount.currency))
