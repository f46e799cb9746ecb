"""Thresholds: armed when the balance is above them, no duplicates; the alert channel."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.accounts import Accounts
from bot.alerts.settings import (
    MAX_THRESHOLDS,
    AlertSettings,
    DuplicateThreshold,
    Threshold,
    UnknownThreshold,
)
from bot.errors import CreditsError
from bot.money import CurrencyMismatch
from tests.factories import make_account
from tests.money import eur, usd


def service(engine, clock, default_channel=None):
    return AlertSettings(engine, clock, Accounts(engine, clock), default_channel=default_channel)


def test_threshold_armed_only_below_the_balance(engine, clock):
    account = make_account(engine, clock, balance=Decimal(500))
    alerts = service(engine, clock)
    assert alerts.add_threshold(account_id=account.id, amount=usd(100)) == Threshold(
        usd(100), True)
    assert not alerts.add_threshold(account_id=account.id, amount=usd(500)).armed
    assert not alerts.add_threshold(account_id=account.id, amount=usd("750.50")).armed
    assert alerts.thresholds(account_id=account.id) == [
        Threshold(usd("750.50"), False), Threshold(usd(500), False),
        Threshold(usd(100), True)]


def test_duplicate_and_unknown_thresholds_are_explained(engine, clock):
    account = make_account(engine, clock)
    alerts = service(engine, clock)
    alerts.add_threshold(account_id=account.id, amount=usd(100))
    with pytest.raises(DuplicateThreshold):
        alerts.add_threshold(account_id=account.id, amount=usd("100.00"))
    with pytest.raises(UnknownThreshold):
        alerts.remove_threshold(account_id=account.id, amount=usd(200))
    alerts.remove_threshold(account_id=account.id, amount=usd(100))
    assert alerts.thresholds(account_id=account.id) == []


def test_bad_amounts_and_too_many_thresholds_are_refused(engine, clock):
    account = make_account(engine, clock)
    alerts = service(engine, clock)
    for bad in (usd(0), usd(-5), usd("1.001")):
        with pytest.raises(CreditsError):
            alerts.add_threshold(account_id=account.id, amount=bad)
    with pytest.raises(ValueError):  # NaN is not money: refused before it reaches a threshold
        usd("NaN")
    for level in range(1, MAX_THRESHOLDS + 1):
        alerts.add_threshold(account_id=account.id, amount=usd(level * 10))
    with pytest.raises(CreditsError, match="at most"):
        alerts.add_threshold(account_id=account.id, amount=usd(5))
    assert len(alerts.thresholds(account_id=account.id)) == MAX_THRESHOLDS


def test_thresholds_are_in_the_accounts_currency(engine, clock):
    account = make_account(engine, clock, balance=Decimal(500))
    alerts = service(engine, clock)
    with pytest.raises(CurrencyMismatch):
        alerts.add_threshold(account_id=account.id, amount=eur(100))
    assert alerts.thresholds(account_id=account.id) == []
    euros = make_account(engine, clock, team_id="T2", currency="EUR", balance=Decimal(500))
    assert alerts.add_threshold(account_id=euros.id, amount=eur(100)) == Threshold(eur(100), True)
    assert alerts.thresholds(account_id=euros.id) == [Threshold(eur(100), True)]
    # Dollars never remove the euro level of the same number.
    with pytest.raises(CurrencyMismatch):
        alerts.remove_threshold(account_id=euros.id, amount=usd(100))
    assert alerts.thresholds(account_id=euros.id) == [Threshold(eur(100), True)]


def test_channel_defaults_to_the_setting_until_one_is_set(engine, clock):
    account = make_account(engine, clock)
    alerts = service(engine, clock, default_channel="CDEFAULT")
    assert alerts.channel(account) == "CDEFAULT"
    changed = alerts.set_channel(account.team_id, "CBILLING")
    assert alerts.channel(changed) == "CBILLING"
    assert service(engine, clock).channel(Accounts(engine, clock).get(account.team_id)) == (
        "CBILLING")
