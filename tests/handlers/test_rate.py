"""`/credits rate`: numbers (international and national), countries (EN/DE/ISO) and toll-free,
from the bundled sample deck, which is labelled as sample prices."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from bot.rates.service import Rates
from handlers.blocks.rate import grouped, rate_reply
from tests.factories import make_account
from tests.payloads import TEAM
from tests.slack import GERMAN, MEMBER

USAGE = "Usage: `/credits rate <number or country>`"
SAMPLE = "SAMPLE prices"


@pytest.fixture
def account(bolt, clock):
    return make_account(bolt.engine, clock, team_id=TEAM)


def deck_row(bolt, prefix: str, direction: str = "outbound"):
    """The sample deck's rate in force today for a prefix: what the answer must show."""
    deck = Rates(bolt.engine, bolt.services.clock).deck()
    return deck.match(prefix, bolt.services.clock.now().date(), direction)


def test_an_international_number(bolt, account):
    text = bolt.command_text("rate +44 20 7946 0000", user=MEMBER)
    london = deck_row(bolt, "442079460000")
    assert london.prefix == "4420" and london.rate_per_min == Decimal("0.0300")
    assert text.splitlines()[:3] == [
        "Rates for +44 20 7946 0000 (United Kingdom)",
        "Calls you make to +44 20 7946 0000 (United Kingdom), in USD:",
        "• *United Kingdom - London* (+4420): *$0.03* per minute, connection fee $0.00, billed "
        "60 s first, then every 60 s"]
    assert SAMPLE in text


def test_a_number_with_00_and_a_national_number_in_the_accounts_region(bolt, account, clock):
    berlin = "• *Germany - Berlin* (+4930): *$0.022* per minute, connection fee $0.00, " \
             "billed 60 s first, then every 6 s"
    assert berlin in bolt.command_text("rate 0049301234567", user=MEMBER)
    bolt.services.accounts.update(TEAM, region="DE")
    text = bolt.command_text("rate 030 1234567", user=MEMBER)
    assert text.splitlines()[0] == "Rates for +49 30 1234567 (Germany)" and berlin in text


@pytest.mark.parametrize("country", ["Germany", "Deutschland", "DE", "de", "germany"])
def test_a_country_by_name_or_iso_code_shows_landline_and_mobile(bolt, account, country):
    text = bolt.command_text(f"rate {country}", user=MEMBER)
    mobile = deck_row(bolt, "4915112345678")
    assert text.splitlines()[:4] == [
        "Rates for Germany", "Calls you make to Germany, in USD:",
        "• *Germany* (+49): *$0.022* per minute, connection fee $0.00, billed 60 s first, then "
        "every 6 s",
        f"• *{mobile.destination}* (+{mobile.prefix}): *${mobile.rate_per_min.normalize()}* per "
        f"minute, connection fee $0.00, billed {mobile.initial_increment} s first, then every "
        f"{mobile.recurring_increment} s"]


@pytest.mark.parametrize("country", ["the US", "die USA", "den USA", "the United States",
                                     "die Vereinigten Staaten"])
def test_a_country_with_an_article(bolt, account, country):
    assert bolt.command_text(f"rate {country}", user=MEMBER).startswith(
        "Rates for United States\nCalls you make to United States, in USD:\n")


def test_toll_free_us_lists_its_prefixes_once(bolt, account):
    text = bolt.command_text("rate toll-free US", user=MEMBER)
    assert text.splitlines()[:3] == [
        "Rates for United States toll-free",
        "Calls to your toll-free numbers in United States, paid from the credits, in USD:",
        "• *United States/Canada toll-free* (+1800, +1833, +1844, +1855…): *$0.03* per minute, "
        "connection fee $0.00, billed 60 s first, then every 6 s"]


def test_german_user_gets_german_and_sample_warning(bolt, account):
    text = bolt.command_text("rate Deutschland", user=GERMAN)
    assert text.splitlines()[:3] == [
        "Tarife: Deutschland", "Ihre Anrufe mit Ziel Deutschland, in USD:",
        "• *Germany* (+49): *0,022\xa0$* pro Minute, Verbindungsgebühr 0,00\xa0$, Abrechnung "
        "erst 60 s, dann je 6 s"]
    assert "BEISPIELPREISE" in text


def test_the_answer_has_blocks_with_the_sample_label(bolt, account):
    body = json.loads(bolt.command("rate Japan", user=MEMBER).body)
    assert [b["type"] for b in body["blocks"]] == ["header", "section", "context", "context"]
    assert SAMPLE in body["blocks"][2]["elements"][0]["text"]
    assert body["response_type"] == "ephemeral"


def test_a_loaded_deck_is_not_called_sample(bolt, account, tmp_path):
    deck = tmp_path / "carrier.csv"
    deck.write_text("prefix,destination,number_type,direction,rate_per_min,connection_fee,"
                    "initial_increment,recurring_increment,currency,effective_from\n"
                    "+49,Germany,landline,outbound,0.0150,0.0100,1,1,USD,2026-01-01\n")
    Rates(bolt.engine, bolt.services.clock).load_file(deck)
    text = bolt.command_text("rate DE", user=MEMBER)
    assert SAMPLE not in text and "carrier.csv" in text
    assert "*$0.015* per minute, connection fee $0.01, billed 1 s first" in text


@pytest.mark.parametrize(("query", "words"), [
    ("", "Say which number or country"),
    ("Narnia", "I know no country or number `Narnia`"),
    ("+49 1", "is not a phone number"),
    ("+999 123", "does not begin with a country calling code"),
    ("toll-free Atlantis", "I know no country called"),
    ("12345", "is not a possible number"),
])
def test_unknown_or_impossible_input_shows_the_usage(bolt, account, query, words):
    answer = bolt.command_text(f"rate {query}", user=MEMBER)
    assert words in answer and USAGE in answer


def test_a_destination_the_deck_lacks_says_so(bolt, account, tmp_path):
    deck = tmp_path / "small.csv"
    deck.write_text("prefix,destination,number_type,direction,rate_per_min,connection_fee,"
                    "initial_increment,recurring_increment,currency,effective_from\n"
                    "+49,Germany,landline,outbound,0.0150,0.0100,1,1,USD,2026-01-01\n")
    Rates(bolt.engine, bolt.services.clock).load_file(deck)
    answer = bolt.command_text("rate Japan", user=MEMBER)
    assert answer.startswith(":warning: The deck has no rate for Japan")


def test_grouping_keeps_distinct_rates_apart(bolt, account):
    quote = Rates(bolt.engine, bolt.services.clock).quote("toll-free US")
    groups = grouped(quote.rates)
    assert len(groups) == 1 and len(groups[0][1]) == len(quote.rates) == 7
    reply = rate_reply(quote, source="x.csv", locale=None)
    assert reply.blocks is not None and reply.text.startswith("Rates for")


def test_a_number_says_the_prefix_rule_priced_it(bolt, account):
    text = bolt.command_text("rate +44 20 7946 0000", user=MEMBER)
    assert "Priced by the deck's row for +4420 (landline), the number's longest prefix" in text


def test_an_indian_mobile_is_priced_by_its_number_type(bolt, account):
    text = bolt.command_text("rate +91 80 1234 5678", user=MEMBER)
    assert "• *India - Mobile* (+918): *$0.08* per minute" in text
    assert "Bangalore* (" not in text
    assert ("By phonenumbers' metadata this is a mobile number: priced by India's mobile "
            "rate (+918).") in text
    assert "Not by India - Bangalore (+9180, landline): that row is for another type." in text
    assert SAMPLE in text
    german = bolt.command_text("rate +91 80 1234 5678", user=GERMAN)
    assert "Nummer der Art „Mobilfunk“" in german and "Indien" in german
    assert "BEISPIELPREISE" in german


@pytest.mark.parametrize(("number", "place"), [
    ("+44 800 123 4567", "United Kingdom"), ("+49 800 1234567", "Germany"),
    ("+41 800 123 456", "Switzerland"), ("+33 801 12 34 56", "France"),
    ("+81 120 123 456", "Japan"), ("+61 1800 123 456", "Australia")])
def test_a_foreign_toll_free_number_is_priced_as_toll_free(bolt, account, number, place):
    text = bolt.command_text(f"rate {number}", user=MEMBER)
    assert f"• *{place} - Toll-free* (+" in text
    assert f"this is a toll-free number: priced by {place}'s toll-free rate" in text
    assert f"Not by {place} (+" in text


@pytest.mark.parametrize(("user", "words"), [
    (MEMBER, ("+19005551234 is a premium-rate number", "no premium-rate rate for United "
              "States", "cannot be dialled with Communications Credits in many regions")),
    (GERMAN, ("Premium-Dienst", "Vereinigte Staaten", "nicht anwählbar"))])
def test_us_premium_rate_is_refused_with_the_reason(bolt, account, user, words):
    text = bolt.command_text("rate +1 900 555 1234", user=user)
    for part in words:
        assert part in text
    assert "$0.02" not in text


def test_a_premium_number_with_a_rate_carries_the_caveat(bolt, account):
    text = bolt.command_text("rate +44 909 879 0000", user=MEMBER)
    assert "*United Kingdom - Premium* (+449)" in text
    assert "Premium-rate numbers cannot be dialled with Communications Credits" in text
