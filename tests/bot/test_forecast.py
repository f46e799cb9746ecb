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
from tests.factories import make_account

TODAY = START.date()  # 2026-11-02, the clock says 09:00 UTC


def add_calls(engine, account_id: int, calls: list[tuple[datetime, str]]) -> None:
    """Store call records as an importer would (the charge is what matters here)."""
    with write_transaction(engine) as session:
        for number, (start, charge) in enumerate(calls):
            session.add(CallRecord(
                account_id=account_id, record_key=f"call-{start.isoformat()}-{number}",
                source="cdr", start_at=start, duration_seconds=60,
                charge_micros=to_micros(Decimal(charge)), imported_at=START))


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
        DailySpend(TODAY - timedelta(days=2), Decimal("16.75")),
        DailySpend(TODAY - timedelta(days=1), Decimal(0)),
        DailySpend(TODAY, Decimal("3.00")),
    )


def test_days_without_calls_count_as_zero_from_the_first_day_with_data(engine, clock):
    account = make_account(engine, clock)
    add_calls(engine, account.id, [(at(3), "30.00")])
    forecast = Forecaster(engine, clock).forecast(account.id)
    # Day 3 ago to today: 4 days, only one with spend.
    assert forecast.days_counted == 4
    assert forecast.average_daily_spend == Decimal("7.500000")


def test_the_window_is_30_days_when_data_is_older(engine, clock):
    account = make_account(engine, clock)
    add_calls(engine, account.id, [(at(45), "999.00"), (at(29), "60.00"), (at(30), "500.00")])
    series = Forecaster(engine, clock).series(account.id)
    assert len(series.days) == 30 and series.days[0].day == TODAY - timedelta(days=29)
    assert series.total == Decimal("60.00") and series.average() == Decimal("2.000000")
    assert Forecaster(engine, clock).series(account.id, days=31).total == Decimal("560.00")


def test_ledger_charges_stand_in_when_there_are_no_call_records(engine, clock):
    account = make_account(engine, clock, balance=Decimal(1000))
    ledger = Ledger(engine, clock)
    clock.set(at(5, 10))
    ledger.charge(account_id=account.id, amount=Decimal("12.00"), key="c1", actor="t")
    clock.set(at(5, 23))
    ledger.charge(account_id=account.id, amount=Decimal("8.00"), key="c2", actor="t")
    clock.set(at(1, 8))
    ledger.charge(account_id=account.id, amount=Decimal("4.00"), key="c3", actor="t")
    clock.set(START)
    forecaster = Forecaster(engine, clock)
    series = forecaster.series(account.id)
    assert series.source == "ledger"
    assert series.amounts == (Decimal(20), 0, 0, 0, Decimal(4), 0)
    forecast = forecaster.forecast(account.id)
    assert forecast.average_daily_spend == Decimal(4) and forecast.balance == Decimal(976)
    assert forecast.days_left == Decimal("244.0")
    assert forecast.run_out == TODAY + timedelta(days=244)


def test_call_records_win_over_ledger_charges(engine, clock):
    account = make_account(engine, clock, balance=Decimal(1000))
    Ledger(engine, clock).charge(account_id=account.id, amount=Decimal(50), key="c1", actor="t")
    add_calls(engine, account.id, [(at(0), "2.00")])
    series = Forecaster(engine, clock).series(account.id)
    assert (series.source, series.total) == ("calls", Decimal("2.00"))


def test_the_run_out_date_is_balance_over_average_spend(engine, clock):
    account = make_account(engine, clock, balance=Decimal(100))
    add_calls(engine, account.id, [(at(2), "30"), (at(1), "30"), (at(0), "30")])
    forecast = Forecaster(engine, clock).forecast(account.id)
    assert forecast.average_daily_spend == Decimal(30)
    # 100 / 30 = 3.33 days from 09:00 on the 2nd: the 5th at 17:00.
    assert forecast.days_left == Decimal("3.3") and forecast.run_out == date(2026, 11, 5)
    assert forecast.out_now is False and forecast.as_of == START


def test_no_spend_means_no_run_out(engine, clock):
    account = make_account(engine, clock, balance=Decimal(100))
    forecast = Forecaster(engine, clock).forecast(account.id)
    assert (forecast.source, forecast.days_counted, forecast.average_daily_spend) == (
        "none", 0, Decimal(0))
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
    left, day = run_out(Decimal(balance), Decimal(average), START)
    assert left == (None if days is None else Decimal(days)) and day == when


def test_build_series_fills_gaps_and_starts_at_the_first_day():
    first = date(2026, 10, 30)
    series = build_series({date(2026, 11, 1): 2_500_000}, first, date(2026, 10, 4),
                          date(2026, 11, 2), "calls")
    assert [d.day for d in series.days] == [date(2026, 10, 30) + timedelta(days=i)
                                             for i in range(4)]
    assert series.amounts == (0, 0, Decimal("2.5"), 0)
    assert build_series({}, None, first, first, "calls") == SpendSeries((), "none")
