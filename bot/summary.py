"""The account at a glance: what `/credits balance`, DMs and App Home all show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from bot.accounts import AccountView
from bot.services import Services
from bot.usage.periods import parse_period
from storage.accounts import list_thresholds
from storage.db import read_session
from storage.ledger import last_entry, list_entries
from storage.licenses import count_active_licenses
from storage.units import from_micros
from storage.usage_queries import sum_usage


@dataclass(frozen=True)
class Purchase:
    kind: str
    amount: Decimal
    at: datetime


@dataclass(frozen=True)
class AccountSummary:
    account: AccountView
    last_recharge: Purchase | None
    recent_purchases: tuple[Purchase, ...]
    thresholds: tuple[Decimal, ...]
    license_count: int
    average_daily_spend: Decimal | None  # None: no spend yet
    run_out: date | None  # None: no spend yet, or beyond the forecast's horizon
    days_left: Decimal | None = None  # None: no spend yet; 0: the balance is used up
    # Post-paid (MCA) accounts: the calls of this month so far, invoiced after the fact.
    postpaid_spend: Decimal | None = None
    postpaid_month: date | None = None  # the first day of that month, in the account's zone


def account_summary(services: Services, team_id: str) -> AccountSummary:
    """Gather the summary of a team's account (created on first contact)."""
    account = services.accounts.ensure(team_id)
    with read_session(services.engine) as session:
        recharge = last_entry(session=session, account_id=account.id, kinds=["recharge"])
        purchases = list_entries(session=session, account_id=account.id, limit=5,
                                 kinds=["deposit", "recharge"])
        thresholds = list_thresholds(session=session, account_id=account.id)
        licenses = count_active_licenses(session=session, account_id=account.id)
        month = None
        spent = None
        if account.postpaid:
            month = parse_period("this-month", timezone=account.timezone,
                                 now=services.clock.now())
            spent = from_micros(sum_usage(session=session, account_id=account.id,
                                          start=month.start, end=month.end)[2])
    forecast = services.forecaster.forecast(account.id)
    spends = forecast.source != "none"  # without any spend there is nothing to forecast
    return AccountSummary(
        account=account,
        last_recharge=Purchase(recharge.kind, from_micros(recharge.amount_micros),
                               recharge.created_at) if recharge else None,
        recent_purchases=tuple(Purchase(p.kind, from_micros(p.amount_micros), p.created_at)
                               for p in purchases),
        thresholds=tuple(from_micros(t.amount_micros) for t in thresholds),
        license_count=licenses,
        average_daily_spend=forecast.average_daily_spend if spends else None,
        run_out=forecast.run_out if spends else None,
        days_left=forecast.days_left if spends else None,
        postpaid_spend=spent, postpaid_month=month.first_day if month else None)
