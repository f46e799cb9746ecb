"""Sentences that read wrong before (issue 10): nested parentheses, a plural for one, a card's
last month counted to its last day, a capital mid-sentence. Through signed requests."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.factories import add_licenses, make_account
from tests.payloads import TEAM
from tests.slack import GERMAN, MEMBER


def test_an_invoice_deposit_names_the_po_once_without_nested_parentheses(bolt, clock):
    make_account(bolt.engine, clock, team_id=TEAM, card_last4=None)
    bolt.services.accounts.set_invoice(TEAM, po="PO-123")
    text = bolt.command_answer("deposit 100")
    assert "Deposited *$100.00* (invoice PO-123)." in text


def test_one_licensed_user_is_singular_in_english_and_german(bolt, clock):
    account = make_account(bolt.engine, clock, team_id=TEAM)
    add_licenses(bolt.engine, clock, account_id=account.id, count=1)
    assert "for *1* licensed user (< 250)" in bolt.command_text("recommend", user=MEMBER)
    assert "für *1* lizenzierten Benutzer (< 250)" in bolt.command_text("recommend", user=GERMAN)


def test_a_card_of_this_month_expires_within_thirty_days_on_the_first(bolt, clock):
    clock.set(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    make_account(bolt.engine, clock, team_id=TEAM, exp=(12, 2026))  # valid through 31 Dec
    text = bolt.command_text("payment", user=MEMBER)
    assert "The card expires in 30 days (end of 12/2026)" in text
    assert "does not expire" not in text
