"""`/credits usage`: an admin sees everyone's calls, a member only their own (by e-mail = UPN)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from bot.console.local_slack import SlackUser
from tests.factories import add_call, make_account
from tests.payloads import TEAM
from tests.slack import ADMIN, CREDITS_ADMIN, GERMAN, MEMBER

USAGE = "Usage: `/credits usage [period] [by user | by destination | by day]`"
NOV = datetime(2026, 11, 1, tzinfo=UTC)
OCT = datetime(2026, 10, 1, tzinfo=UTC)


@pytest.fixture
def calls(bolt, clock):
    """November: bob 2 calls ($1.25 + $0.30, 3 + 1 min), alice 1 ($2.00, 10 min), dieter one
    ($0.0450 rated, 45 s); October: bob 1 ($5.00); another team's call."""
    account = make_account(bolt.engine, clock, team_id=TEAM)
    add_call(bolt.engine, account.id, at=NOV + timedelta(hours=8), seconds=180, charge="1.25",
             user="bob@contoso.example", name="Bob", number="+4930123456",
             destination="Germany", country="DE")
    add_call(bolt.engine, account.id, at=NOV + timedelta(days=1, hours=9), seconds=60,
             charge="0.30", user="Bob@Contoso.example", name="Bob")
    add_call(bolt.engine, account.id, at=NOV + timedelta(hours=10), seconds=600, charge="2.00",
             user="alice@contoso.example", name="Alice", number="+81312345678",
             destination="Japan", country="JP")
    add_call(bolt.engine, account.id, at=NOV + timedelta(days=1, hours=1), seconds=45,
             charge="0.0450", user="dieter@contoso.example", name="Dieter")
    add_call(bolt.engine, account.id, at=OCT + timedelta(days=3), seconds=600, charge="5.00",
             user="bob@contoso.example", name="Bob")
    other = make_account(bolt.engine, clock, team_id="T0OTHER")
    add_call(bolt.engine, other.id, at=NOV + timedelta(hours=1), seconds=60, charge="9.99",
             user="bob@contoso.example")
    return account


def test_an_admin_sees_everyones_spend(bolt, calls):
    for admin in (ADMIN, CREDITS_ADMIN):
        text = bolt.command_text("usage", user=admin)
        lines = text.splitlines()
        assert lines[0] == "Usage: this month (November 2026)"
        # 1.25 + 0.30 + 2.00 + 0.045 = 3.595 -> $3.60; 180 + 60 + 600 + 45 s = 14.75 min
        assert lines[1] == "Everyone's calls: *$3.60* for 4 calls and 14.75 min."


def test_a_member_sees_only_their_own_calls_matched_by_email_in_any_case(bolt, calls):
    text = bolt.command_text("usage", user=MEMBER)
    assert text.splitlines()[1] == ("Your calls (bob@contoso.example): *$1.55* for 2 calls "
                                    "and 4 min.")
    assert "Everyone" not in text and "Alice" not in text


def test_a_member_grouping_by_user_still_sees_only_themselves(bolt, calls):
    text = bolt.command_text("usage by user", user=MEMBER)
    assert "alice" not in text.lower() and "dieter" not in text.lower()
    assert "• Bob: *$1.55* · 4 min · 2 calls" in text


def test_by_user_lists_people_by_spend(bolt, calls):
    text = bolt.command_text("usage this-month by user")
    listed = text.split("*By user*\n")[1].splitlines()
    assert listed == ["• Alice: *$2.00* · 10 min · 1 call", "• Bob: *$1.55* · 4 min · 2 calls",
                      "• Dieter: *$0.05* · 0.75 min · 1 call"]


def test_by_destination_and_by_day(bolt, calls):
    text = bolt.command_text("usage by destination")
    assert text.split("*By destination*\n")[1].splitlines() == [
        "• Japan: *$2.00* · 10 min · 1 call", "• Germany: *$1.25* · 3 min · 1 call",
        "• United Kingdom: *$0.35* · 1.75 min · 2 calls"]
    text = bolt.command_text("usage by day this-month")
    assert text.split("*By day*\n")[1].splitlines() == [
        "• 2026-11-01: *$3.25* · 13 min · 2 calls", "• 2026-11-02: *$0.35* · 1.75 min · 2 calls"]


def test_other_periods(bolt, calls):
    october = bolt.command_text("usage last-month", user=MEMBER)
    assert october.splitlines()[:2] == [
        "Usage: last month (October 2026)",
        "Your calls (bob@contoso.example): *$5.00* for 1 call and 10 min."]
    assert "*$5.00*" in bolt.command_text("usage 2026-10")
    ranged = bolt.command_text("usage 2026-10-01 .. 2026-11-01 by user")
    assert "• Bob: *$6.25* · 13 min · 2 calls" in ranged
    assert "No calls in this period." in bolt.command_text("usage 2025-01")
    assert "*$1.55*" in bolt.command_text("usage last-7-days", user=MEMBER)


def test_german_member_gets_german(bolt, calls):
    text = bolt.command_text("usage by destination", user=GERMAN)
    assert text.splitlines()[:2] == [
        "Nutzung: 01.11.2026 – 30.11.2026",
        "Ihre Anrufe (dieter@contoso.example): *0,05\xa0$* für 1 Anruf und 0,75 Min."]
    assert "*Nach Ziel*" in text


@pytest.mark.parametrize(("text", "words"), [
    ("usage yesterday", "is not a period"),
    ("usage 2026-13", "is not a month"),
    ("usage this-month last-month", "Give one period"),
    ("usage last-month by user by day", "One grouping at a time: `by user`, `by destination` "
                                        "or `by day`."),
    ("usage last-month colour", "I do not know `colour` here."),
    ("usage by colour", "Group usage `by user`"),
    ("usage by", "Say how to group"),
    ("usage last-5000-days", "number of days must be"),
])
def test_bad_periods_and_groupings_show_the_usage(bolt, calls, text, words):
    answer = bolt.command_text(text, user=MEMBER)
    assert words in answer and USAGE in answer
    if "last-month" in text and "this-month" not in text:  # the period there is fine
        assert "period" not in answer.split("Usage:")[0]


@pytest.mark.parametrize(("words", "label"), [
    ("last month", "last month (October 2026)"),
    ("Letzten Monat", "last month (October 2026)"),
    ("october", "October 2026"),
    ("Oktober", "October 2026"),
    ("Oct", "October 2026"),
    ("October 2026", "October 2026"),
    ("okt. 2026", "October 2026"),
    ("in October", "October 2026"),
    ("im Oktober 2026", "October 2026"),
])
def test_periods_in_words_and_by_month_name(bolt, calls, words, label):
    text = bolt.command_text(f"usage {words}", user=MEMBER)
    assert text.splitlines()[:2] == [
        f"Usage: {label}",
        "Your calls (bob@contoso.example): *$5.00* for 1 call and 10 min."]


def test_a_month_name_without_a_year_is_the_most_recent_one(bolt, calls):
    # Today is 2 November 2026: "december" is December 2025, "november" this month.
    december = bolt.command_text("usage december by user", user=ADMIN)
    assert december.splitlines()[0] == "Usage: December 2025"
    assert "No calls in this period." in december
    assert bolt.command_text("usage this month").splitlines()[0] == (
        "Usage: this month (November 2026)")
    assert bolt.command_text("usage by user november").splitlines()[0] == (
        "Usage: November 2026")


def test_a_member_without_an_email_is_told_why(bolt, calls):
    bolt.slack.add_user(SlackUser("U0NOMAIL", "nomail", email=None))
    answer = bolt.command_text("usage", user="U0NOMAIL")
    assert "Slack has no e-mail address for you" in answer
    assert "$" not in answer


def test_blocks_are_split_for_long_listings(bolt, calls):
    account = calls
    for i in range(45):
        add_call(bolt.engine, account.id, at=NOV + timedelta(hours=2), seconds=60,
                 charge=f"{Decimal(i + 1) / 100}", user=f"user{i}@contoso.example",
                 name=f"User {i:02d}")
    body = json.loads(bolt.command("usage by user").body)
    assert "…and 8 more." in body["text"]  # 48 users, 40 listed
    sections = [b for b in body["blocks"] if b["type"] == "section"]
    assert len(sections) == 1 + 3  # the totals, then 41 lines in sections of 20
    assert all(len(b["text"]["text"]) < 3000 for b in sections)


def test_direct_routing_calls_are_counted_in_usage_in_english_and_german(bolt, clock):
    from bot.rates.deck import RateDeck
    from tests.samples import DIRECT_ROUTING_ROWS, microsoft_export_zip

    make_account(bolt.engine, clock, team_id=TEAM)
    bolt.services.usage_importer.run(microsoft_export_zip(), team_id=TEAM, deck=RateDeck([]),
                                     licensed_emails=())
    text = bolt.command_text("usage 2026-10", user=ADMIN)
    assert "*$20.65* for 46 calls" in text
    assert f"Of these, {DIRECT_ROUTING_ROWS} calls went over Direct Routing" in text
    bolt.slack.add_user(SlackUser("U0DEADMIN", "greta", email="greta@contoso.example",
                                  locale="de-DE", is_admin=True))
    german = bolt.command_text("usage 2026-10", user="U0DEADMIN")
    assert f"Davon {DIRECT_ROUTING_ROWS} Anrufe über Direct Routing" in german
