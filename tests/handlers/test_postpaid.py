"""A post-paid (Microsoft Customer Agreement) account through signed requests: invoiced after
the fact, so never suspended, no deposits or auto-recharge, and its spend instead of a balance."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from tests import payloads
from tests.conftest import START
from tests.factories import add_call, ledger_state, make_account
from tests.handlers.lazy import wait_for
from tests.money import usd
from tests.payloads import TEAM
from tests.slack import ADMIN, GERMAN, MEMBER


@pytest.fixture
def postpaid(bolt, clock):
    """An MCA account below zero: $40 of credits bought before the switch, $75.50 of calls."""
    account = make_account(bolt.engine, clock, team_id=TEAM, balance=Decimal(40))
    bolt.services.accounts.update(TEAM, billing_type="mca")
    for seconds, charge in ((600, "45.25"), (300, "30.25")):
        add_call(bolt.engine, account.id, at=START - timedelta(hours=1), seconds=seconds,
                 charge=charge)
    add_call(bolt.engine, account.id, at=START - timedelta(days=40), seconds=60,
             charge="99.00")  # an earlier month: not this month's spend
    bolt.services.ledger.charge(account_id=account.id, amount=usd("75.50"), key="batch",
                                actor="import")
    return bolt.services.accounts.get(TEAM)


def test_balance_shows_post_paid_spend_not_a_suspension(bolt, postpaid):
    assert postpaid.balance == usd("-35.50") and not postpaid.suspended
    text = bolt.command_text("balance", user=MEMBER)
    month = f"{START:%B %Y}"
    assert "Billed post-paid (Microsoft Customer Agreement)" in text
    assert f"Spend this month ({month}): *$75.50*" in text
    assert "State: post-paid (never suspended)" in text
    assert "Auto-recharge: off (not used with post-paid billing)" in text
    assert "suspended (" not in text and "SUSPENDED" not in text.upper().replace(
        "NEVER SUSPENDED", "")
    assert "/credits deposit" not in text and "change billing" not in text
    assert "Forecast run-out" not in text
    german = bolt.command_text("balance", user=GERMAN)
    assert "Nachträgliche Abrechnung" in german and "*75,50\xa0$*" in german
    assert "nie gesperrt" in german


def test_credits_left_from_before_the_switch_are_shown(bolt, clock):
    make_account(bolt.engine, clock, team_id=TEAM, balance=Decimal(40))
    bolt.services.accounts.update(TEAM, billing_type="mca")
    text = bolt.command_text("balance", user=MEMBER)
    assert "Credits left (used before invoicing): $40.00" in text
    assert "Spend this month" in text and "*$0.00*" in text


def test_dm_and_app_home_say_the_same(bolt, postpaid):
    response = bolt.event(payloads.dm_event("what's our balance?", user_id=MEMBER))
    assert response.status == 200
    [message] = [call.params for call in bolt.slack.calls_to("chat.postMessage")]
    assert "Billed post-paid" in message["text"] and "$75.50" in message["text"]
    assert "suspended (" not in message["text"]
    bolt.event({"type": "app_home_opened", "user": MEMBER, "channel": "D0TEST", "tab": "home",
                "event_ts": "1700000000.000300"})
    [call] = wait_for(bolt.slack, "views.publish")
    home = "\n".join(str(block) for block in call.params["view"]["blocks"])
    assert "Billed post-paid" in home and "post-paid (never suspended)" in home
    assert "*suspended*" not in home and "/credits deposit" not in home


@pytest.mark.parametrize(("user", "words"), [
    (ADMIN, "billed post-paid under a Microsoft Customer Agreement"),
    (GERMAN, "Microsoft-Kundenvertrag")])
def test_deposits_are_refused_with_the_reason(bolt, postpaid, user, words):
    bolt.slack.users[GERMAN].is_admin = True
    before = ledger_state(bolt.engine, TEAM)
    text = bolt.command_text("deposit 100", user=user)
    assert words in text
    assert ledger_state(bolt.engine, TEAM) == before
    assert not bolt.services.gateway.charges


def test_auto_recharge_cannot_be_turned_on(bolt, postpaid):
    text = bolt.command_text("autorecharge on 500 below 100")
    assert "needs no Communications Credits" in text and "auto-recharge" in text
    assert not bolt.services.accounts.get(TEAM).autorecharge_enabled
    assert not bolt.services.gateway.charges
