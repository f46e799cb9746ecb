"""`/credits balance`: balance, state, auto-recharge, last recharge, spend and the forecast."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from bot.accounts import AccountView
from bot.money import Money
from bot.summary import AccountSummary
from handlers.blocks.balance import run_out_text
from tests.conftest import START
from tests.factories import make_account
from tests.money import usd
from tests.payloads import TEAM
from tests.slack import GERMAN, MEMBER


def spend_daily(bolt, account, clock, *, days: int, amount: Money) -> None:
    """One charge a day, the first today, the clock ending on the last day."""
    for day in range(days):
        if day:
            clock.advance(timedelta(days=1))
        bolt.services.ledger.charge(account_id=account.id, amount=amount, key=f"c{day}",
                                    actor="import")


def test_new_account_has_no_forecast(bolt, clock):
    make_account(bolt.engine, clock, team_id=TEAM)
    text = bolt.command_text("balance", user=MEMBER)
    assert "Average daily spend: no usage yet" in text
    assert "Forecast run-out: no forecast (no spend yet)" in text


def test_forecast_from_the_average_daily_spend(bolt, clock):
    account = make_account(bolt.engine, clock, team_id=TEAM, balance=Decimal(1000))
    bolt.command_text("autorecharge on 500 below 100")
    spend_daily(bolt, account, clock, days=10, amount=usd(10))
    text = bolt.command_text("balance", user=MEMBER)
    assert (START + timedelta(days=9) + timedelta(days=90)).date() == date(2027, 2, 9)
    assert "Your Communications Credits balance is *$900.00*." in text
    assert "State: active" in text
    assert "Auto-recharge: add $500.00 when below $100.00" in text
    assert "Average daily spend: $10.00" in text
    assert "Forecast run-out: Feb 9, 2027 (in about 90 days)" in text
    german = bolt.command_text("balance", user=GERMAN)
    assert "*900,00\xa0$*" in german and "09.02.2027 (in etwa 90 Tagen)" in german
    assert "2027-02-09" not in german


def test_used_up_balance_runs_out_now(bolt, clock):
    account = make_account(bolt.engine, clock, team_id=TEAM, balance=Decimal(50))
    spend_daily(bolt, account, clock, days=2, amount=usd(30))
    text = bolt.command_text("balance", user=MEMBER)
    assert "*-$10.00*" in text and "suspended" in text
    assert "Forecast run-out: now: the balance is used up" in text


def test_run_out_within_a_day(bolt, clock):
    account = make_account(bolt.engine, clock, team_id=TEAM, balance=Decimal(100))
    spend_daily(bolt, account, clock, days=1, amount=usd(95))
    assert "Nov 2, 2026 (within a day)" in bolt.command_text("balance")


def test_last_recharge_is_shown(bolt, clock):
    account = make_account(bolt.engine, clock, team_id=TEAM)
    clock.advance(timedelta(days=3))
    bolt.services.ledger.deposit(account_id=account.id, amount=usd(250), key="r",
                                 actor="auto-recharge", kind="recharge")
    text = bolt.command_text("balance", user=MEMBER)
    assert "Last recharge: $250.00 (Nov 5, 2026)" in text
    german = bolt.command_text("balance", user=GERMAN)
    assert "Letzte Aufladung: 250,00\xa0$ (05.11.2026)" in german


def test_run_out_beyond_the_horizon_and_without_days():
    account = AccountView(
        id=1, team_id="T1", name="", currency="USD", timezone="UTC", region="US",
        billing_region="US", billing_type="mosa", balance=usd(10**6), version=1,
        suspended=False, suspended_at=None, autorecharge_enabled=False,
        autorecharge_amount=None, autorecharge_below=None, alert_channel=None, payment=None)
    far = AccountSummary(account=account, last_recharge=None, recent_purchases=(),
                         thresholds=(), license_count=0, average_daily_spend=usd("0.01"),
                         run_out=None, days_left=Decimal(10**8))
    assert run_out_text(far, locale=None) == "not within 10 years at this rate"
    dated = replace(far, run_out=START.date(), days_left=None)
    assert run_out_text(dated, locale="de-DE") == "02.11.2026"
    assert run_out_text(dated, locale="en-US") == "Nov 2, 2026"
