"""Recommendations: Microsoft's table by licensed users and the account's own spend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.recommend import (
    GUIDANCE,
    Recommender,
    guidance_for,
    percentile,
    round_up_to_step,
    spend_recommendation,
    table_recommendation,
)
from storage.db import write_transaction
from storage.models import CallRecord, License
from storage.units import to_micros
from tests.conftest import START
from tests.factories import add_to_rollup, make_account
from tests.money import eur, usd


@pytest.mark.parametrize(("users", "label", "deposit", "trigger"), [
    (0, "< 250", 1_000, 200),
    (249, "< 250", 1_000, 200),
    (250, "250-500", 1_000, 400),  # a boundary belongs to the higher row
    (499, "250-500", 1_000, 400),
    (500, "500-1,000", 2_000, 500),
    (1_000, "1,000-5,000", 3_000, 1_000),
    (5_000, "5,000-10,000", 5_000, 1_000),
    (10_000, "10,000-50,000", 10_000, 1_000),
    (50_000, "50,000-100,000", 15_000, 2_500),
    (99_999, "50,000-100,000", 15_000, 2_500),
    (100_000, "100,000-200,000", 20_000, 2_500),
    (200_000, "100,000-200,000", 20_000, 2_500),  # the last boundary has no higher row
])
def test_the_table_row_by_licensed_users(users, label, deposit, trigger):
    row = guidance_for(users)
    assert row is not None
    assert (row.label, row.initial_deposit, row.trigger) == (label, Decimal(deposit),
                                                             Decimal(trigger))


def test_above_200000_users_the_table_has_no_row_and_says_so():
    assert guidance_for(200_001) is None
    answer = table_recommendation(250_000)
    assert answer.row is None
    assert "table ends at 200,000 licensed users" in answer.text and "250,000" in answer.text


def test_the_first_row_is_for_invoice_billed_customers():
    assert "(for invoice-billed customers)" in table_recommendation(10).text
    assert table_recommendation(300).text == (
        "For 300 licensed users (250-500) Microsoft recommends an initial deposit of $1,000.00 "
        "and a trigger (lowest balance) of $400.00.")
    assert [row.note for row in GUIDANCE].count(None) == len(GUIDANCE) - 1


def test_negative_user_counts_are_a_bug():
    with pytest.raises(ValueError):
        guidance_for(-1)


def test_percentile_is_nearest_rank():
    values = [Decimal(v) for v in range(1, 21)]
    assert percentile(values, 90) == 18
    assert percentile(values, 100) == 20 and percentile(values, 1) == 1
    assert percentile([Decimal(7)], 90) == 7
    with pytest.raises(ValueError):
        percentile([], 90)


@given(st.lists(st.decimals(min_value=0, max_value=10_000, places=2), min_size=1, max_size=60),
       st.integers(min_value=1, max_value=100))
def test_percentile_property(values, pct):
    p = percentile(values, pct)
    assert p in values
    # At least pct% of the values are at or below it, and fewer than pct% are strictly below.
    assert 100 * sum(v <= p for v in values) >= pct * len(values)
    assert 100 * sum(v < p for v in values) < pct * len(values)


@pytest.mark.parametrize(("amount", "rounded"), [
    ("0", "0"), ("0.01", "50"), ("50", "50"), ("50.01", "100"), ("999.99", "1000"),
    ("1000", "1000"), ("1000.01", "1100"), ("1234", "1300"), ("25000", "25000"),
])
def test_round_up_to_step(amount, rounded):
    assert round_up_to_step(Decimal(amount)) == Decimal(rounded)


def test_spend_recommendation_from_30_days():
    daily = [Decimal(10)] * 27 + [Decimal(100)] * 3
    advice = spend_recommendation(daily)
    assert advice is not None
    # p90 of 30 days is the 27th smallest: $10; 7 days of it is $70 -> $100.
    assert advice.high_daily_spend == usd(10) and advice.trigger == usd(100)
    # Average (270 + 300) / 30 = $19; 30 days of it is $570 -> $600.
    assert advice.average_daily_spend == usd(19) and advice.recharge_amount == usd(600)
    assert advice.basis == (
        "A trigger of $100.00 covers 7 days at the 90th-percentile daily spend of $10.00 over "
        "the last 30 days; a recharge of $600.00 buys about 30 days at the average daily spend "
        "of $19.00.")


def test_spend_recommendation_is_never_below_the_minimum_deposit():
    daily = [Decimal("0.10")] * 10
    advice = spend_recommendation(daily, min_deposit=Decimal(75))
    assert advice is not None
    assert advice.recharge_amount == usd(100)  # 30 x $0.10 = $3, but never below $75
    assert advice.trigger == usd(50)  # $0.70 of cover rounds up to the first step
    assert "over the last 10 days (all the spend data there is)" in advice.basis


def test_spend_recommendation_knobs_and_large_amounts():
    daily = [Decimal("1234.56")] * 30
    advice = spend_recommendation(daily, cover_days=3, supply_days=14, pct=95, currency="EUR")
    assert advice is not None
    assert advice.trigger == eur(3800)  # 3703.68 -> $100 steps
    assert advice.recharge_amount == eur(17300)  # 17283.84
    assert "covers 3 days at the 95th-percentile daily spend of €1,234.56" in advice.basis


def test_no_spend_no_recommendation():
    assert spend_recommendation([]) is None
    assert spend_recommendation([Decimal(0)] * 30) is None


def test_the_recommender_uses_licenses_and_calls(engine, clock):
    account = make_account(engine, clock)
    today = datetime.combine(START.date(), datetime.min.time(), tzinfo=UTC)
    with write_transaction(engine) as session:
        for number in range(300):
            session.add(License(account_id=account.id, slack_user_id=f"U{number}",
                                assigned_at=START))
        session.add(License(account_id=account.id, slack_user_id="Ugone", assigned_at=START,
                            removed_at=START))
        for day in range(20):
            session.add(CallRecord(
                account_id=account.id, record_key=f"c{day}", source="cdr",
                start_at=today - timedelta(days=day, hours=-3), duration_seconds=60,
                charge_micros=to_micros(Decimal(20 if day else 200)), imported_at=START))
        add_to_rollup(session, account.id, [
            (today - timedelta(days=day, hours=-3), to_micros(Decimal(20 if day else 200)),
             60) for day in range(20)])
    answer = Recommender(engine, clock).recommend(account.id)
    assert answer.table.users == 300 and answer.table.row == guidance_for(300)
    assert answer.spend is not None and answer.spend.days == 20
    # 19 days at $20 and today at $200: p90 is the 18th smallest, $20; 7 x $20 = $140 -> $150.
    assert answer.spend.trigger == usd(150)
    # Average $580 / 20 = $29; 30 x $29 = $870 -> $900.
    assert answer.spend.recharge_amount == usd(900)
    assert answer.spend_text == answer.spend.basis


def test_the_recommender_without_spend_says_why(engine, clock):
    account = make_account(engine, clock)
    answer = Recommender(engine, clock).recommend(account.id)
    assert answer.spend is None and "no spend in the last 30 days" in answer.spend_text
    assert answer.table.row == GUIDANCE[0]
