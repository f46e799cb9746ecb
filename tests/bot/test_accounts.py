"""Account settings, who may buy credits, and what is kept of a payment method."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import text

from bot.accounts import Accounts, PaymentMethod, check_purchase_allowed, purchase_refusal
from bot.errors import AccountNotFound, CreditsError, PurchaseNotAllowed
from bot.ledger import Ledger, check_balances
from bot.money import CurrencyMismatch
from storage.db import read_session
from tests.conftest import START
from tests.factories import make_account
from tests.money import eur, usd


def test_ensure_creates_the_account_once(engine, clock):
    accounts = Accounts(engine, clock)
    first = accounts.ensure("T1", name="Example")
    again = accounts.ensure("T1", name="Renamed")
    assert again.id == first.id and again.name == "Example"
    assert [a.team_id for a in accounts.list()] == ["T1"]
    assert (first.balance, first.version, first.currency, first.region, first.billing_type) == (
        usd("0"), 0, "USD", "US", "mosa")
    assert first.suspended and first.suspended_at == START
    assert first.payment is None


def test_get_unknown_team_is_account_not_found(engine, clock):
    with pytest.raises(AccountNotFound, match="T404"):
        Accounts(engine, clock).get("T404")


def test_update_normalises_and_keeps_valid_settings(engine, clock):
    accounts = Accounts(engine, clock)
    accounts.ensure("T1")
    updated = accounts.update("T1", region=" de ", billing_region="de", billing_type="EA",
                              currency="eur", timezone="Europe/Berlin", name="ACME")
    assert (updated.region, updated.billing_region, updated.billing_type, updated.currency,
            updated.timezone, updated.name) == ("DE", "DE", "ea", "EUR", "Europe/Berlin", "ACME")
    assert accounts.get("T1") == updated


def test_update_creates_an_account_on_first_contact(engine, clock):
    created = Accounts(engine, clock).update("T9", region="GB", billing_region="GB")
    assert created.team_id == "T9" and created.region == "GB"


@pytest.mark.parametrize(("field", "value", "message"), [
    ("region", "Germany", "--region must be a two-letter country code"),
    ("region", "XY", "--region must be a two-letter country code"),
    ("billing_region", "U", "--billing-region must be a two-letter country code"),
    ("billing_type", "retail", "--billing-type is one of mosa, ea, mca, csp"),
    ("currency", "DOLLARS", "not an ISO 4217 currency code"),
    ("currency", "XYZ", "not an ISO 4217 currency code"),
    ("timezone", "Mars/Olympus", "not a time zone name"),
    ("timezone", "../etc/passwd", "not a time zone name"),
])
def test_update_refuses_bad_settings_and_writes_nothing(engine, clock, field, value, message):
    accounts = Accounts(engine, clock)
    before = accounts.ensure("T1")
    with pytest.raises(CreditsError, match=message):
        # A valid change alongside the bad one must not be written either.
        accounts.update("T1", name="changed", **{field: value})
    assert accounts.get("T1") == before


def test_currency_cannot_change_once_the_ledger_has_entries(engine, clock):
    accounts = Accounts(engine, clock)
    account = accounts.ensure("T1")
    assert accounts.update("T1", currency="EUR").currency == "EUR"
    Ledger(engine, clock).deposit(account_id=account.id, amount=eur("10"), key="d",
                                  actor="U1")
    with pytest.raises(CreditsError, match="currency cannot change"):
        accounts.update("T1", currency="USD", region="DE")
    after = accounts.get("T1")
    assert after.currency == "EUR" and after.region == "US"
    assert accounts.update("T1", currency="eur").currency == "EUR"  # the same one is fine


def test_set_card_keeps_brand_last4_and_expiry(engine, clock):
    accounts = Accounts(engine, clock)
    accounts.ensure("T1")
    card = accounts.set_card("T1", brand=" Visa ", last4="4242", exp_month=8, exp_year=2027)
    assert card.payment == PaymentMethod("card", "visa", "4242", 8, 2027)
    assert card.payment.describe() == "Visa ending 4242, expires 08/2027"
    with engine.connect() as connection:
        row = connection.execute(text(
            "SELECT payment_kind, card_brand, card_last4, card_exp_month, card_exp_year, "
            "invoice_po, payment_updated_at FROM accounts WHERE team_id = 'T1'")).one()
    assert tuple(row)[:6] == ("card", "visa", "4242", 8, 2027, None)
    assert row[6] is not None


@pytest.mark.parametrize("last4", ["424", "42424", "4242424242424242", "42a2", "", "4 42"])
def test_set_card_refuses_anything_but_four_digits(engine, clock, last4):
    accounts = Accounts(engine, clock)
    accounts.ensure("T1")
    with pytest.raises(CreditsError, match="exactly the last 4 digits"):
        accounts.set_card("T1", brand="visa", last4=last4, exp_month=8, exp_year=2027)
    assert accounts.get("T1").payment is None
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT card_last4 FROM accounts")).scalar_one()
    assert stored is None


@pytest.mark.parametrize(("brand", "month", "year", "message"), [
    ("diners", 8, 2027, "--brand is one of"),
    ("visa", 13, 2027, "--expires"),
    ("visa", 0, 2027, "--expires"),
    ("visa", 8, 27, "--expires"),
])
def test_set_card_refuses_bad_brand_or_expiry(engine, clock, brand, month, year, message):
    accounts = Accounts(engine, clock)
    accounts.ensure("T1")
    with pytest.raises(CreditsError, match=message):
        accounts.set_card("T1", brand=brand, last4="4242", exp_month=month, exp_year=year)


def test_set_invoice_replaces_the_card(engine, clock):
    account = make_account(engine, clock)  # has a card
    assert account.payment is not None and account.payment.kind == "card"
    accounts = Accounts(engine, clock)
    invoiced = accounts.set_invoice("T1", po="  PO-123 ")
    assert invoiced.payment == PaymentMethod("invoice", po="PO-123")
    assert invoiced.payment.describe() == "invoice PO-123"
    with engine.connect() as connection:
        row = connection.execute(text(
            "SELECT card_brand, card_last4, card_exp_month, card_exp_year FROM accounts")).one()
    assert tuple(row) == (None, None, None, None)
    for bad in ("", "   ", "P" * 65):
        with pytest.raises(CreditsError, match="--po"):
            accounts.set_invoice("T1", po=bad)
    assert accounts.get("T1").payment == PaymentMethod("invoice", po="PO-123")


def test_card_expires_after_its_month():
    card = PaymentMethod("card", "visa", "4242", 8, 2027)
    assert not card.expired(datetime(2027, 8, 31, 23, 59, tzinfo=UTC))
    assert card.expired(datetime(2027, 9, 1, tzinfo=UTC))
    assert not PaymentMethod("invoice", po="PO-1").expired(datetime(2099, 1, 1, tzinfo=UTC))


@pytest.mark.parametrize(("settings", "words", "german"), [
    ({"billing_type": "csp"}, "reseller", "Reseller"),
    ({"billing_type": "mca"}, "needs no Communications Credits", "braucht es keine"),
    ({"billing_type": "ea", "region": "DE"},
     "organization is in DE and its billing address in US: Microsoft says such an organization "
     "might not be able to buy Communications Credits. Open a support request",
     "Supportanfrage"),
])
def test_purchase_refusal_follows_microsofts_rules(engine, clock, settings, words, german):
    account = make_account(engine, clock, **settings)
    reason = purchase_refusal(account)
    assert reason is not None and words in reason
    with pytest.raises(PurchaseNotAllowed, match=words.split(" ")[0]) as refused:
        check_purchase_allowed(account)
    assert german in refused.value.text("de") and refused.value.text("en") == reason


@pytest.mark.parametrize("billing_type", ["mosa", "ea"])
def test_a_normal_account_may_buy(engine, clock, billing_type):
    account = make_account(engine, clock, billing_type=billing_type, region="DE",
                           billing_region="DE")
    assert purchase_refusal(account) is None
    check_purchase_allowed(account)


def test_the_region_caveat_is_microsofts_for_enterprise_agreements_only(engine, clock):
    # MOSA accounts buy whatever region they are billed in; only an EA organization billed
    # in another region "might not be able to buy".
    account = make_account(engine, clock, region="DE", billing_region="US")
    assert account.billing_type == "mosa" and purchase_refusal(account) is None
    assert purchase_refusal(replace(account, billing_type="ea")) is not None
    assert purchase_refusal(replace(account, billing_type="ea", region="US")) is None


def test_switching_to_mca_turns_auto_recharge_off_and_ends_the_suspension(engine, clock):
    accounts = Accounts(engine, clock)
    account = make_account(engine, clock, balance=Decimal(100))
    accounts.set_autorecharge("T1", enabled=True, amount=usd(100), below=usd(20))
    Ledger(engine, clock).charge(account_id=account.id, amount=usd(130), key="c1",
                                 actor="test")
    assert accounts.get("T1").suspended
    change = accounts.change_settings("T1", billing_type="mca")
    assert not change.account.autorecharge_enabled and not change.account.suspended
    assert change.account.postpaid
    assert any("Auto-recharge is now off" in notice for notice in change.notices)
    assert accounts.get("T1").autorecharge_enabled is False
    # More calls below zero never suspend a post-paid account, and the books still check.
    Ledger(engine, clock).charge(account_id=account.id, amount=usd(5), key="c2",
                                 actor="test")
    assert not accounts.get("T1").suspended
    with read_session(engine) as session:
        assert check_balances(session)[1] == []
    # Back to prepaid billing below zero: suspended again, and the check agrees.
    back = accounts.change_settings("T1", billing_type="mosa").account
    assert back.suspended and back.balance == usd(-35)
    with read_session(engine) as session:
        assert check_balances(session)[1] == []


def test_a_switch_that_changes_nothing_else_says_nothing(engine, clock):
    change = Accounts(engine, clock).change_settings("T1", billing_type="mca")
    assert not change.account.autorecharge_enabled
    assert not any("Auto-recharge" in notice for notice in change.notices)


def test_resolve_with_no_account(engine, clock):
    with pytest.raises(AccountNotFound, match="no account yet"):
        Accounts(engine, clock).resolve(None)


def test_resolve_with_one_account(engine, clock):
    accounts = Accounts(engine, clock)
    only = accounts.ensure("T1")
    assert accounts.resolve(None) == only
    assert accounts.resolve("") == only
    assert accounts.resolve("T1") == only
    with pytest.raises(AccountNotFound):
        accounts.resolve("T2")


def test_resolve_with_several_accounts_needs_a_team(engine, clock):
    accounts = Accounts(engine, clock)
    accounts.ensure("T1")
    second = accounts.ensure("T2")
    with pytest.raises(AccountNotFound, match=r"several accounts \(T1, T2\).*--team"):
        accounts.resolve(None)
    assert accounts.resolve("T2") == second


def test_autorecharge_and_alert_channel_settings(engine, clock):
    accounts = Accounts(engine, clock)
    accounts.ensure("T1")
    on = accounts.set_autorecharge("T1", enabled=True, amount=usd("500"),
                                   below=usd("100.50"))
    assert (on.autorecharge_enabled, on.autorecharge_amount, on.autorecharge_below) == (
        True, usd("500"), usd("100.50"))
    with pytest.raises(CreditsError, match="amount and a trigger"):
        accounts.set_autorecharge("T1", enabled=True, amount=usd("500"))
    with pytest.raises(CurrencyMismatch, match="EUR for an account in USD"):
        accounts.set_autorecharge("T1", enabled=True, amount=eur("50"), below=usd("10"))
    with pytest.raises(CurrencyMismatch, match="EUR for an account in USD"):
        accounts.set_autorecharge("T1", enabled=True, amount=usd("50"), below=eur("10"))
    assert accounts.get("T1").autorecharge_amount == usd("500")
    assert accounts.get("T1").autorecharge_below == usd("100.50")
    assert accounts.set_autorecharge("T1", enabled=False).autorecharge_enabled is False
    assert accounts.set_alert_channel("T1", "C123").alert_channel == "C123"


def test_non_ascii_digits_are_not_card_digits(sqlite_engine, clock):
    from bot.accounts import Accounts
    from bot.errors import CreditsError
    accounts = Accounts(sqlite_engine, clock)
    accounts.ensure("T1")
    for last4 in ("²²²²", "４２４２"):
        with pytest.raises(CreditsError):
            accounts.set_card("T1", brand="visa", last4=last4, exp_month=1, exp_year=2030)


@pytest.mark.parametrize("code", ["ZZ", "EU", "UN", "XA"])
def test_pseudo_regions_are_not_countries(code):
    from bot.accounts import check_country
    from bot.errors import CreditsError
    with pytest.raises(CreditsError):
        check_country(code, "--region")


def test_unicode_digits_are_not_amounts():
    from bot.errors import InvalidAmount
    from bot.money import parse_amount
    for typed in ("١٠٠", "１０００"):
        with pytest.raises(InvalidAmount):
            parse_amount(typed, currency="USD")
