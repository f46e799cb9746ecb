"""`/credits payment`: brand, last 4 and expiry, never more; expired and expiring cards."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.accounts import PaymentMethod
from bot.alerts.rules import CARD_EXPIRING
from handlers.blocks.payment import payment_reply
from tests.factories import make_account
from tests.payloads import TEAM
from tests.slack import GERMAN, MEMBER


def test_card_in_good_time(bolt, clock):
    make_account(bolt.engine, clock, team_id=TEAM, exp=(8, 2027))
    text = bolt.command_text("payment", user=MEMBER)
    assert "Payment method: *Visa* ending *4242*, expires *08/2027*." in text
    assert "does not expire within the next 30 days" in text


def test_card_expiring_within_thirty_days(bolt, clock):
    make_account(bolt.engine, clock, team_id=TEAM, exp=(11, 2026))  # works to 30 Nov
    text = bolt.command_text("payment", user=MEMBER)
    assert "The card expires in 28 days (end of 11/2026)" in text
    assert "läuft in 28 Tagen ab" in bolt.command_text("payment", user=GERMAN)


def test_card_just_outside_the_warning(bolt, clock):
    make_account(bolt.engine, clock, team_id=TEAM, exp=(12, 2026))  # works to 31 Dec: 59 days
    assert "does not expire within" in bolt.command_text("payment", user=MEMBER)
    clock.advance(timedelta(days=30))
    assert "expires in 29 days" in bolt.command_text("payment", user=MEMBER)


def test_expired_card(bolt, clock):
    make_account(bolt.engine, clock, team_id=TEAM, exp=(10, 2026))
    text = bolt.command_text("payment", user=MEMBER)
    assert "The card expired at the end of 10/2026" in text


def test_invoice_and_no_method(bolt, clock):
    make_account(bolt.engine, clock, team_id=TEAM, card_last4=None)
    text = bolt.command_text("payment", user=MEMBER)
    assert "no payment method on file" in text and "`/credits payment set`" in text
    bolt.services.accounts.set_invoice(TEAM, po="PO-77")
    assert "*invoice*, purchase order *PO-77*" in bolt.command_text("payment", user=MEMBER)


def test_arguments_are_refused_with_the_usage(bolt, clock):
    make_account(bolt.engine, clock, team_id=TEAM)
    text = bolt.command_text("payment 4242424242424242")
    assert "takes no arguments" in text and "Usage: `/credits payment [set]`" in text


@pytest.mark.parametrize("locale", [None, "de-DE"])
def test_builder_never_shows_more_than_brand_last4_and_expiry(locale):
    card = PaymentMethod("card", "mastercard", "5454", 3, 2027)
    reply = payment_reply(card, state=(CARD_EXPIRING, 3), warn_days=30, how_to_set="",
                          locale=locale)
    digits = "".join(ch for ch in reply.text if ch.isdigit())
    assert digits == "5454" + "032027" + "3" + "032027"
    assert "Mastercard" in reply.text
    assert reply.blocks == [
        {"type": "section", "text": {"type": "mrkdwn",
                                     "text": "\n".join(reply.text.splitlines()[:2])}},
        {"type": "context", "elements": [{"type": "mrkdwn",
                                          "text": reply.text.splitlines()[2]}]}]
