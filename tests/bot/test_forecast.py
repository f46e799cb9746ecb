"""Daily spend, the average over 30 days and the run-out date."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from bot.forecast import DailySpend, Forecaster, SpendSeries, build_series, run_out
from bot.ledger import Ledger
from storage.db import write_transaction
from storage.models import CallRecord
from storage.units import to_micros
from tests.conftest import START
from tests.factories import add_to_rollup, make_account
from tests.money import usd

TODAY = START.date()  # 2026-11-02, the clock says 09:00 UTC


def add_calls(engine, account_id: int, calls: list[tuple[datetime, str]]) -> None:
    """Store call records as an importer would (the charge is what matters here)."""
    with write_transaction(engine) as session:
        for number, (start, charge) in enumerate(calls):
            session.add(CallRecord(
                account_id=account_id, record_key=f"call-{start.isoformat()}-{number}",
                source="cdr", start_at=start, duration_seconds=60,
                charge_micros=to_micros(Decimal(charge)), imported_at=START))
        add_to_rollup(session, account_id,
                      [(start, to_micros(Decimal(charge)), 60) for start, charge in calls])


def at(days_ago: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime.combine(TODAY - timedelta(days=days_ago), datetime.min.time(),
                            tzinfo=UTC) + timedelta(hours=hour, minutes=minute)


def test_spend_is_summed_by_utc_day_of_the_calls_start(engine, clock):
    account = make_account(engine, clock)
    berlin = timezone(timedelta(hours=2))
    add_calls(engine, account.id, [
        (at(2, 0, 0), "10.00"), (at(2, 23, 59), "5.50"),
        # 01:30 yesterday in UTC+2 is 23:30 UTC the day before yesterday.
        (datetime.combine(TODAY - timedelta(days=1), datetime.min.time(), tzinfo=berlin)
         + timedelta(hours=1, minutes=30), "1.25"),
        (at(0, 0, 0), "3.00"),
    ])
    series = Forecaster(engine, clock).series(account.id)
    assert series.source == "calls"
    assert series.days == (
        DailySpend(TODAY - timedelta(days=2), usd("16.75")),
        DailySpend(TODAY - timedelta(days=1), usd(0)),
        DailySpend(TODAY, usd("3.00")),
    )


def test_days_without_calls_count_as_zero_from_the_first_day_with_data(engine, clock):
    account = make_account(engine, clock)
    add_calls(engine, account.id, [(at(3), "30.00")])
    forecast = Forecaster(engine, clock).forecast(account.id)
    # Day 3 ago to today: 4 days, only one with spend.
    assert forecast.days_counted == 4
    assert forecast.average_daily_spend == usd("7.500000")


def test_the_window_is_30_days_when_data_is_older(engine, clock):
    account = make_account(engine, clock)
    add_calls(engine, account.id, [(at(45), "999.00"), (at(29), "60.00"), (at(30), "500.00")])
    series = Forecaster(engine, clock).series(account.id)
    assert len(series.days) == 30 and series.days[0].day == TODAY - timedelta(days=29)
    assert series.total == usd("60.00") and series.average() == usd("2.000000")
    assert Forecaster(engine, clock).series(account.id, days=31).total == usd("560.00")


def test_ledger_charges_stand_in_when_there_are_no_call_records(engine, clock):
    account = make_account(engine, clock, balance=Decimal(1000))
    ledger = Ledger(engine, clock)
    clock.set(at(5, 10))
    ledger.charge(account_id=account.id, amount=usd("12.00"), key="c1", actor="t")
    clock.set(at(5, 23))
    ledger.charge(account_id=account.id, amount=usd("8.00"), key="c2", actor="t")
    clock.set(at(1, 8))
    ledger.charge(account_id=account.id, amount=usd("4.00"), key="c3", actor="t")
    clock.set(START)
    forecaster = Forecaster(engine, clock)
    series = forecaster.series(account.id)
    assert series.source == "ledger"
    assert series.amounts == (Decimal(20), 0, 0, 0, Decimal(4), 0)
    forecast = forecaster.forecast(account.id)
    assert forecast.average_daily_spend == usd(4) and forecast.balance == usd(976)
    assert forecast.days_left == Decimal("244.0")
    assert forecast.run_out == TODAY + timedelta(days=244)


def test_call_records_win_over_ledger_charges(engine, clock):
    account = make_account(engine, clock, balance=Decimal(1000))
    Ledger(engine, clock).charge(account_id=account.id, amount=usd(50), key="c1", actor="t")
    add_calls(engine, account.id, [(at(0), "2.00")])
    series = Forecaster(engine, clock).series(account.id)
    assert (series.source, series.total) == ("calls", usd("2.00"))


def test_the_run_out_date_is_balance_over_average_spend(engine, clock):
    account = make_account(engine, clock, balance=Decimal(100))
    add_calls(engine, account.id, [(at(2), "30"), (at(1), "30"), (at(0), "30")])
    forecast = Forecaster(engine, clock).forecast(account.id)
    assert forecast.average_daily_spend == usd(30)
    # 100 / 30 = 3.33 days from 09:00 on the 2nd: the 5th at 17:00.
    assert forecast.days_left == Decimal("3.3") and forecast.run_out == date(2026, 11, 5)
    assert forecast.out_now is False and forecast.as_of == START


def test_no_spend_means_no_run_out(engine, clock):
    account = make_account(engine, clock, balance=Decimal(100))
    forecast = Forecaster(engine, clock).forecast(account.id)
    assert (forecast.source, forecast.days_counted, forecast.average_daily_spend) == (
        "none", 0, usd(0))
    assert forecast.run_out is None and forecast.days_left is None


def test_a_balance_at_or_below_zero_runs_out_now(engine, clock):
    account = make_account(engine, clock)
    add_calls(engine, account.id, [(at(0), "5")])
    forecast = Forecaster(engine, clock).forecast(account.id)
    assert forecast.out_now and forecast.run_out == TODAY and forecast.days_left == 0


@pytest.mark.parametrize(("balance", "average", "days", "when"), [
    ("100", "10", "10.0", date(2026, 11, 12)),
    ("0.01", "1000", "0.0", TODAY),
    ("-5", "10", "0", TODAY),
    ("0", "0", "0", TODAY),
    ("100", "0", None, None),
    ("1000000", "0.01", "100000000.0", None),  # beyond the 10-year horizon: no date
])
def test_run_out(balance, average, days, when):
    left, day = run_out(usd(balance), usd(average), TODAY)
    assert left == (None if days is None else Decimal(days)) and day == when


def test_build_series_fills_gaps_and_starts_at_the_first_day():
    first = date(2026, 10, 30)
    series = build_series({date(2026, 11, 1): 2_500_000}, first, date(2026, 10, 4),
                          date(2026, 11, 2), "calls", "USD")
    assert [d.day for d in series.days] == [date(2026, 10, 30) + timedelta(days=i)
                                             for i in range(4)]
    assert series.amounts == (0, 0, Decimal("2.5"), 0)
    assert build_series({}, None, first, first, "calls", "USD") == SpendSeries((), "none", "USD")


def deposit(engine, clock, account_id: int, amount: str, when: datetime, key: str) -> None:
    clock.set(when)
    Ledger(engine, clock).deposit(account_id=account_id, amount=usd(amount), key=key,
                                  actor="t")
    clock.set(START)


def test_small_spend_runs_out_when_the_credits_expire_not_years_later(engine, clock):
    account = make_account(engine, clock)
    deposit(engine, clock, account.id, "1000", START, "d1")  # expires 2027-11-02
    add_calls(engine, account.id, [(at(0), "0.50")])
    forecast = Forecaster(engine, clock).forecast(account.id)
    # $0.50 a day would last 5.5 years; the credits are gone after 12 months.
    assert forecast.average_daily_spend == usd("0.500000")
    assert forecast.run_out == date(2027, 11, 2) == forecast.expires_on
    assert forecast.days_left == Decimal(365) and forecast.expiry_first


def test_the_spend_draws_on_the_oldest_lot_first_and_loses_what_expires(engine, clock):
    account = make_account(engine, clock)
    # 300 bought 11 months ago (1 month left), 100 bought today (12 months left).
    deposit(engine, clock, account.id, "300", datetime(2025, 12, 2, 9, tzinfo=UTC), "old")
    deposit(engine, clock, account.id, "100", START, "new")
    add_calls(engine, account.id, [(at(days), "2.00") for days in range(30)])
    forecast = Forecaster(engine, clock).forecast(account.id)
    # At $2 a day the old lot would last 150 days but expires in 30: $240 of it is lost; then
    # the new lot's $100 lasts 50 days. The balance alone ($400 / $2) would say 200 days.
    assert forecast.balance == usd(400) and forecast.average_daily_spend == usd(2)
    assert forecast.days_left == Decimal(80)
    assert forecast.run_out == date(2026, 12, 2) + timedelta(days=50)
    assert forecast.expires_on == date(2027, 11, 2) and not forecast.expiry_first


def test_a_month_imported_on_the_first_is_spread_over_the_days_its_calls_were_made(
        engine, clock):
    from tests.bot.usage.test_spend_rollup import DECK, cdr
    from tests.imports import app_importer

    account = make_account(engine, clock, balance=Decimal(1000))
    clock.set(datetime(2026, 11, 1, 8, tzinfo=UTC))  # October's export, imported on the 1st
    summary = app_importer(engine, clock).run(cdr(100), team_id="T1", deck=DECK,
                                              licensed_emails=(), name="october.csv")
    assert summary.new_calls == 100 and summary.charged.is_positive
    forecast = Forecaster(engine, clock).forecast(account.id)
    series = Forecaster(engine, clock).series(account.id)
    # 100 calls every 7h13m from 1 October 00:00 run to the 30th: the window (3 October to
    # today, 1 November) has them on the days they were made, and nothing today.
    assert forecast.days_counted == 30 and series.days[-1] == DailySpend(date(2026, 11, 1), usd(0))
    assert sum(1 for d in series.days if d.amount.is_positive) == 28  # 3 to 30 October
    assert forecast.average_daily_spend == usd(
        (series.total.amount / 30).quantize(Decimal("0.000001")))
    whole = Forecaster(engine, clock).series(account.id, days=32)
    assert whole.days[0].day == date(2026, 10, 1) and whole.total == summary.charged
    assert max(d.amount for d in whole.days) < usd(summary.charged.amount / 10)  # no one-day lump


def test_the_forecast_counts_days_in_the_accounts_time_zone(engine, clock):
    from bot.accounts import Accounts

    account = make_account(engine, clock)
    Accounts(engine, clock).update("T1", timezone="Pacific/Auckland")  # UTC+13 in November
    add_calls(engine, account.id, [(at(1, 20), "6.00")])  # 20:00 UTC yesterday: today there
    series = Forecaster(engine, clock).series(account.id)
    assert series.days == (DailySpend(TODAY, usd("6.00")),)
