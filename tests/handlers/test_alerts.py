"""`/credits alerts`: thresholds added once, removed, listed; the alert channel."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.alert_settings import Threshold
from handlers.blocks.alerts import alerts_reply
from tests.factories import audit_events, make_account
from tests.payloads import TEAM
from tests.slack import CREDITS_ADMIN, GERMAN, MEMBER

USAGE = "Usage: `/credits alerts [add <amount> | remove <amount> | channel <#channel>]`"


@pytest.fixture
def account(bolt, clock):
    return make_account(bolt.engine, clock, team_id=TEAM, balance=Decimal(1500))


def levels(bolt, account):
    return bolt.services.alert_settings.thresholds(account_id=account.id)


def test_nothing_set_says_how_to_set_it(bolt, account):
    text = bolt.command_text("alerts", user=MEMBER)
    assert "No low-balance thresholds yet" in text and "No alert channel is set" in text


def test_add_thresholds_armed_or_waiting(bolt, account):
    text = bolt.command_text("alerts add $1,000")
    assert "Added a low-balance alert at *$1,000.00*: it fires when the balance ($1,500.00)" \
        in text
    text = bolt.command_text("alerts add 2000", user=CREDITS_ADMIN)
    assert "The balance ($1,500.00) is not above it now" in text
    assert "$2,000.00 (waits for the balance to rise above it), $1,000.00 (armed)" in text
    assert levels(bolt, account) == [Threshold(Decimal(2000), False),
                                     Threshold(Decimal(1000), True)]


def test_duplicate_threshold_is_explained(bolt, account):
    bolt.command_text("alerts add 500")
    text = bolt.command_text("alerts add 500.00")
    assert "There is an alert at $500.00 already" in text
    assert len(levels(bolt, account)) == 1


def test_remove_and_unknown_threshold(bolt, account):
    bolt.command_text("alerts add 500")
    bolt.command_text("alerts add 100")
    text = bolt.command_text("alerts remove 250")
    assert "There is no alert at $250.00. The alerts are at: $500.00, $100.00." in text
    text = bolt.command_text("alerts remove $500")
    assert "Removed the low-balance alert at *$500.00*" in text and "$100.00 (armed)" in text
    assert levels(bolt, account) == [Threshold(Decimal(100), True)]


def test_channel_is_set_and_listed(bolt, account):
    text = bolt.command_text("alerts channel <#C0BILLING|billing>")
    assert "Alerts now go to <#C0BILLING>" in text
    assert bolt.services.accounts.get(TEAM).alert_channel == "C0BILLING"
    bolt.command_text("alerts add 250")
    text = bolt.command_text("alerts", user=MEMBER)
    assert "Low-balance alerts at: $250.00 (armed)." in text
    assert "Alerts go to <#C0BILLING>." in text
    german = bolt.command_text("alerts", user=GERMAN)
    assert "250,00\xa0$ (aktiv)" in german and "Warnungen gehen an <#C0BILLING>" in german


@pytest.mark.parametrize("text", ["alerts add 100", "alerts remove 100",
                                  "alerts channel <#C1|x>"])
def test_member_cannot_change_alerts(bolt, account, text):
    assert "Only credits admins" in bolt.command_text(text, user=MEMBER)
    assert levels(bolt, account) == [] and bolt.services.accounts.get(TEAM).alert_channel is None
    (denied,) = audit_events(bolt.engine, TEAM, result="denied")
    assert (denied.actor, denied.action) == (MEMBER, "command.alerts")


@pytest.mark.parametrize(("text", "words"), [
    ("alerts add", "Say what to change"), ("alerts add 1 2", "Say what to change"),
    ("alerts set 100", "Say what to change"), ("alerts channel", "Say what to change"),
    ("alerts channel billing", "`billing` is not a channel"),
    ("alerts channel <@U0MEMBER>", "is not a channel"),
    ("alerts add -100", "cannot be negative"), ("alerts add 0", "more than zero"),
    ("alerts add 1.005", "at most 2 decimals"), ("alerts remove NaN", "is not an amount"),
    ("alerts add 1e9", "is not an amount"), ("alerts add 5000000000", "too large")])
def test_malformed_commands_show_the_usage(bolt, account, text, words):
    answer = bolt.command_text(text)
    assert words in answer and USAGE in answer
    assert levels(bolt, account) == []


def test_alerts_reply_builder():
    reply = alerts_reply([Threshold(Decimal(500), True)], None, "EUR", locale="en-US")
    assert reply.text == ("Low-balance alerts at: €500.00 (armed).\nNo alert channel is set: "
                          "alerts go as DMs to the admins in CREDITS_ADMINS (to no one when "
                          "that list is empty). Admins: `/credits alerts channel #channel`.")
    assert reply.blocks == [{"type": "section", "text": {"type": "mrkdwn", "text": line}}
                            for line in reply.text.splitlines()]
