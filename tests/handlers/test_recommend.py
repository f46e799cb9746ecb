"""`/credits recommend`: Microsoft's table by licensed users (DESIGN §6) and the spend line."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.recommend import Recommendation, table_recommendation
from handlers.blocks.recommend import recommend_reply
from tests.factories import add_licenses, make_account
from tests.money import usd
from tests.payloads import TEAM
from tests.slack import GERMAN, MEMBER


@pytest.fixture
def account(bolt, clock):
    return make_account(bolt.engine, clock, team_id=TEAM)


# DESIGN §6, with each boundary in the higher row.
INVOICE = " (for invoice-billed customers)"


@pytest.mark.parametrize(("users", "row", "deposit", "trigger"), [
    (0, "< 250", "*$1,000.00*" + INVOICE, "$200.00"),
    (249, "< 250", "*$1,000.00*" + INVOICE, "$200.00"),
    (250, "250-500", "*$1,000.00*", "$400.00"),
    (500, "500-1,000", "*$2,000.00*", "$500.00"),
    (1000, "1,000-5,000", "*$3,000.00*", "$1,000.00")])
def test_table_row_for_the_licensed_users(bolt, clock, account, users, row, deposit, trigger):
    add_licenses(bolt.engine, clock, account_id=account.id, count=users)
    text = bolt.command_text("recommend", user=MEMBER)
    assert (f"for *{users:,}* licensed users ({row}) an initial deposit of {deposit} and a "
            f"trigger (lowest balance) of *{trigger}*.") in text
    assert "no spend in the last 30 days" in text


def test_the_tables_end_at_two_hundred_thousand(bolt, clock, account):
    add_licenses(bolt.engine, clock, account_id=account.id, count=200_000)
    text = bolt.command_text("recommend", user=MEMBER)
    assert ("for *200,000* licensed users (100,000-200,000) an initial deposit of *$20,000.00* "
            "and a trigger (lowest balance) of *$2,500.00*") in text
    bolt.services.licenses.assign(account_id=account.id, slack_user_id="U0ONEMORE", email=None,
                                  actor="test")
    text = bolt.command_text("recommend", user=MEMBER)
    assert "ends at 200,000 licensed users; for *200,001* it has no row" in text
    assert "/credits autorecharge on" not in text  # nothing to apply without spend or a row


def test_spend_line_when_there_is_spend(bolt, clock, account):
    bolt.services.ledger.deposit(account_id=account.id, amount=usd(5000), key="d",
                                 actor="test")
    for day in range(10):
        bolt.services.ledger.charge(account_id=account.id, amount=usd(20), key=f"c{day}",
                                    actor="import")
        clock.advance(timedelta(days=1))
    clock.advance(timedelta(days=-1))  # the last charge was today
    text = bolt.command_text("recommend", user=MEMBER)
    # $20 every day: 7 days of it is $140, rounded up to $50 steps: $150; 30 days: $600.
    assert ("*From your spend* over the last 10 days: a trigger of *$150.00* covers 7 days at "
            "the 90th-percentile daily spend ($20.00); a recharge of *$600.00* buys about 30 "
            "days at the average daily spend ($20.00).") in text
    assert "To apply it: `/credits autorecharge on 600 below 150`" in text
    german = bolt.command_text("recommend", user=GERMAN)
    assert "ein Auslöser von *150,00\xa0$*" in german
    assert "Microsofts Tabelle:* für *0* lizenzierte Benutzer (< 250)" in german


def test_arguments_are_refused_with_the_usage(bolt, account):
    text = bolt.command_text("recommend 500")
    assert "takes no arguments" in text and "Usage: `/credits recommend`" in text


def test_builder_for_an_account_in_another_currency():
    rec = Recommendation(account_id=1, currency="EUR", table=table_recommendation(300),
                         spend=None, spend_text="")
    reply = recommend_reply(rec, window_days=30, locale="en-US")
    assert reply.blocks == [
        {"type": "header", "text": {"type": "plain_text", "emoji": True,
                                    "text": "Recommended deposit and trigger"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": (
            "*Microsoft's table:* for *300* licensed users (250-500) an initial deposit of "
            "*$1,000.00* and a trigger (lowest balance) of *$400.00*.")}},
        {"type": "section", "text": {"type": "mrkdwn", "text": (
            "There was no spend in the last 30 days to base a recommendation on: start from "
            "the table and adjust once calls come in.")}}]
    # The table is in US dollars: its amounts are no command for a EUR account.
    assert "/credits autorecharge" not in reply.text
