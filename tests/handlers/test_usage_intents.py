"""Rate and own-spend questions in plain words (EN/DE), parsed and answered through DMs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.console.local_slack import SlackUser
from handlers.intents import MINUTES, RATE, SPEND, parse_intent, rate_target, spend_period
from tests import payloads
from tests.factories import add_call, make_account
from tests.slack import ADMIN, GERMAN, MEMBER

NOV = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.mark.parametrize(("text", "intent", "language", "target"), [
    ("how much does it cost to call Japan?", RATE, "en", "japan"),
    ("rate for +33 1 23 45 67 89", RATE, "en", "+33 1 23 45 67 89"),
    ("what does a call to Germany cost", RATE, "en", "germany"),
    ("How much is a call to the UK per minute?", RATE, "en", "uk"),
    ("how much does it cost to call the US?", RATE, "en", "us"),
    ("What does a call to the United States cost?", RATE, "en", "united states"),
    ("how much is a call in the US", RATE, "en", "us"),
    ("how expensive is a call to Japan?", RATE, "en", "japan"),
    ("what would it cost to call +81 3 1234 5678?", RATE, "en", "+81 3 1234 5678"),
    ("rates for toll-free US", RATE, "en", "toll-free us"),
    ("+44 20 7946 0000", RATE, "en", "+44 20 7946 0000"),
    ("Was kostet ein Anruf nach Japan?", RATE, "de", "japan"),
    ("Tarif für +49 30 1234567", RATE, "de", "+49 30 1234567"),
    ("Was kostet es, nach Frankreich zu telefonieren?", RATE, "de", "frankreich"),
    ("Wie viel kostet ein Anruf nach Deutschland?", RATE, "de", "deutschland"),
    ("Was kostet ein Anruf in die USA?", RATE, "de", "usa"),
    ("Was kostet ein Anruf in den USA?", RATE, "de", "usa"),
    ("Was kostet ein Anruf nach den USA?", RATE, "de", "usa"),
    ("Was kostet ein Anruf in der Schweiz?", RATE, "de", "schweiz"),
    ("Was kostet ein Anruf ins Vereinigte Königreich?", RATE, "de", "vereinigte königreich"),
    ("Tarif für die USA", RATE, "de", "usa"),
    ("wie teuer ist ein anruf nach japan", RATE, "de", "japan"),
    ("Wie teuer ist es, in die USA zu telefonieren?", RATE, "de", "usa"),
    ("Was kostet eine Minute nach Japan", RATE, "de", "japan"),
    ("was kostet es, nach Japan zu telefonieren", RATE, "de", "japan"),
])
def test_rate_questions(text, intent, language, target):
    parsed = parse_intent(text)
    assert (parsed.name, parsed.language, parsed.understood) == (intent, language, True)
    assert rate_target(parsed.text) == target


@pytest.mark.parametrize(("text", "language", "period"), [
    ("how much did I spend this month?", "en", "this-month"),
    ("How much have I spent last month?", "en", "last-month"),
    ("how much did I spend in the last 7 days", "en", "last-7-days"),
    ("my usage", "en", "this-month"),
    ("Wie viel habe ich diesen Monat ausgegeben?", "de", "this-month"),
    ("wieviel habe ich letzten Monat ausgegeben", "de", "last-month"),
    ("Wie viel hab ich in den letzten 30 Tagen vertelefoniert?", "de", "last-30-days"),
    ("how much did I spend in October?", "en", "october"),
    ("How much did I spend in October 2025?", "en", "october 2025"),
    ("what did I spend in may", "en", "may"),
    ("Wie viel habe ich im Oktober ausgegeben?", "de", "oktober"),
    ("wie viel habe ich im März 2026 ausgegeben", "de", "märz 2026"),
    ("Wie viel habe ich in 2026-09 ausgegeben?", "de", "2026-09"),
])
def test_spend_questions(text, language, period):
    parsed = parse_intent(text)
    assert (parsed.name, parsed.language) == (SPEND, language)
    assert spend_period(parsed.text) == period


@pytest.mark.parametrize(("text", "language", "period"), [
    ("how many minutes did I use last month?", "en", "last-month"),
    ("How many minutes have I used this month", "en", "this-month"),
    ("how many minutes did I call in October?", "en", "october"),
    ("wie viele Minuten habe ich letzten Monat telefoniert?", "de", "last-month"),
    ("Wie viele Minuten hab ich diesen Monat verbraucht", "de", "this-month"),
])
def test_minutes_questions(text, language, period):
    parsed = parse_intent(text)
    assert (parsed.name, parsed.language) == (MINUTES, language)
    assert spend_period(parsed.text) == period


def test_balance_questions_stay_balance_questions():
    assert parse_intent("how much credit is left").name == "balance"
    assert parse_intent("how much money do we have left?").name == "balance"


@pytest.fixture
def account(bolt, clock):
    account = make_account(bolt.engine, clock, team_id=payloads.TEAM)
    add_call(bolt.engine, account.id, at=NOV + timedelta(hours=8), seconds=180, charge="1.25",
             user="bob@contoso.example")
    add_call(bolt.engine, account.id, at=NOV + timedelta(hours=9), seconds=90, charge="0.30",
             user="BOB@contoso.example")
    add_call(bolt.engine, account.id, at=NOV + timedelta(hours=10), seconds=600, charge="2.00",
             user="alice@contoso.example")
    add_call(bolt.engine, account.id, at=NOV + timedelta(hours=11), seconds=60, charge="0.45",
             user="dieter@contoso.example")
    add_call(bolt.engine, account.id, at=NOV - timedelta(days=2), seconds=60, charge="3.00",
             user="dieter@contoso.example")
    return account


def dm(bolt, text: str, user: str = MEMBER) -> str:
    before = len(bolt.slack.calls_to("chat.postMessage"))
    response = bolt.event(payloads.dm_event(text, user_id=user))
    assert response.status == 200, response.body
    posted = bolt.slack.calls_to("chat.postMessage")
    assert len(posted) == before + 1
    return str(posted[-1].params["text"])


def test_rate_questions_are_answered_in_english(bolt, account):
    text = dm(bolt, "how much does it cost to call Japan?")
    assert text.startswith("Rates for Japan\nCalls you make to Japan, in USD:\n• *Japan* (+81):")
    assert "SAMPLE prices" in text
    text = dm(bolt, "rate for +33 1 23 45 67 89")
    assert text.startswith("Rates for +33 1 23 45 67 89 (France)")
    assert "*France - Paris* (+331): *$0.02* per minute" in text
    assert dm(bolt, "what does a call to Germany cost").startswith("Rates for Germany")


def test_rate_questions_are_answered_in_german(bolt, account):
    text = dm(bolt, "Was kostet ein Anruf nach Japan?", user=GERMAN)
    assert text.startswith("Tarife: Japan\nIhre Anrufe mit Ziel Japan, in USD:")
    assert "BEISPIELPREISE" in text
    text = dm(bolt, "Tarif für +49 30 1234567", user=GERMAN)
    assert text.startswith("Tarife: +49 30 1234567 (Deutschland)")
    assert "*Germany - Berlin* (+4930): *0,022\xa0$* pro Minute" in text


def test_the_locale_wins_over_the_words(bolt, account):
    text = dm(bolt, "how much does it cost to call Japan?", user=GERMAN)
    assert text.startswith("Tarife: Japan")


def test_unknown_destinations_and_missing_ones_are_explained(bolt, account):
    assert "I know no country or number `narnia`" in dm(bolt, "rate for Narnia")
    assert dm(bolt, "how much does it cost to call?").startswith("Which destination?")
    assert "Welches Ziel?" in dm(bolt, "Was kostet ein Anruf nach Atlantis?", user=GERMAN)


def test_own_spend_in_english_and_german(bolt, account):
    # bob: 1.25 + 0.30 over 180 + 90 s; alice's and dieter's calls are not his
    assert dm(bolt, "how much did I spend this month?") == (
        "You spent *$1.55* this month: 2 calls, 4.5 min.")
    assert dm(bolt, "Wie viel habe ich diesen Monat ausgegeben?", user=GERMAN) == (
        "Sie haben diesen Monat *0,45\xa0$* ausgegeben: 1 Anruf, 1 Min.")
    assert dm(bolt, "wieviel habe ich letzten Monat ausgegeben", user=GERMAN) == (
        "Sie haben letzten Monat *3,00\xa0$* ausgegeben: 1 Anruf, 1 Min.")
    # An admin asking about "I" gets their own spend too, not everyone's.
    assert dm(bolt, "how much did I spend this month?", user=ADMIN) == (
        "You spent *$2.00* this month: 1 call, 10 min.")
    assert dm(bolt, "how much did I spend last month?") == (
        "You made no calls that cost credits last month.")


def test_spend_without_an_email(bolt, account):
    bolt.slack.add_user(SlackUser("U0NOMAIL", "nomail", email=None))
    assert dm(bolt, "how much did I spend?", user="U0NOMAIL").startswith(
        "Slack has no e-mail address for you")


def test_help_lists_the_new_questions(bolt, account):
    assert "_how much did I spend this month?_" in dm(bolt, "help")
    assert "_Was kostet ein Anruf nach Japan?_" in dm(bolt, "Hilfe", user=GERMAN)


def test_articles_and_prepositions_around_a_country_are_understood(bolt, account):
    text = dm(bolt, "Was kostet ein Anruf in die USA?", user=GERMAN)
    assert text.startswith("Tarife: Vereinigte Staaten\n"), text
    assert dm(bolt, "Was kostet ein Anruf nach den USA?", user=GERMAN).startswith(
        "Tarife: Vereinigte Staaten\n")
    assert dm(bolt, "how much does it cost to call the US?").startswith(
        "Rates for United States\n")
    assert dm(bolt, "What does a call to the United States cost?").startswith(
        "Rates for United States\n")


def test_rate_questions_without_a_question_mark_or_capitals(bolt, account):
    # U0STRANGER has no Slack locale: the German words pick the German answer.
    for text in ("wie teuer ist ein anruf nach japan", "Was kostet eine Minute nach Japan",
                 "was kostet es, nach Japan zu telefonieren"):
        assert dm(bolt, text, user="U0STRANGER").startswith("Tarife: Japan\n"), text


def test_minutes_last_month_in_english_and_german(bolt, account):
    add_call(bolt.engine, account.id, at=NOV - timedelta(days=5), seconds=150, charge="0.50",
             user="bob@contoso.example")
    assert dm(bolt, "how many minutes did I use last month?") == (
        "You used *2.5 min* last month: 1 call, $0.50.")
    assert dm(bolt, "How many minutes have I used this month") == (
        "You used *4.5 min* this month: 2 calls, $1.55.")
    assert dm(bolt, "wie viele Minuten habe ich letzten Monat telefoniert?", user=GERMAN) == (
        "Sie haben letzten Monat *1 Min.* telefoniert: 1 Anruf, 3,00\xa0$.")
    assert dm(bolt, "how many minutes did I use in the last 7 days?", user=ADMIN) == (
        "You used *10 min* in the last 7 days: 1 call, $2.00.")
    assert dm(bolt, "how many minutes did I use in September?") == (
        "You made no calls in September 2026.")


def test_a_named_month_is_that_month_not_this_one(bolt, account):
    # Today is 2 November 2026: October is last month, December is December 2025.
    add_call(bolt.engine, account.id, at=datetime(2025, 12, 10, tzinfo=UTC), seconds=60,
             charge="4.00", user="bob@contoso.example")
    assert dm(bolt, "Wie viel habe ich im Oktober ausgegeben?", user=GERMAN) == (
        "Sie haben im Oktober 2026 *3,00\xa0$* ausgegeben: 1 Anruf, 1 Min.")
    assert dm(bolt, "how much did I spend in October?", user=GERMAN) == (
        "Sie haben im Oktober 2026 *3,00\xa0$* ausgegeben: 1 Anruf, 1 Min.")
    assert dm(bolt, "how much did I spend in December?") == (
        "You spent *$4.00* in December 2025: 1 call, 1 min.")
    assert dm(bolt, "how much did I spend in October 2026?") == (
        "You made no calls that cost credits in October 2026.")
    assert dm(bolt, "how much did I spend this month?") == (
        "You spent *$1.55* this month: 2 calls, 4.5 min.")
