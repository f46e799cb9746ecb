"""Rate and own-spend questions in plain words (EN/DE), parsed and answered through DMs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.console.local_slack import SlackUser
from handlers.intents import RATE, SPEND, parse_intent, rate_target, spend_period
from tests import payloads
from tests.factories import add_call, make_account
from tests.slack import ADMIN, GERMAN, MEMBER

NOV = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.mark.parametrize(("text", "intent", "language", "target"), [
    ("how much does it cost to call Japan?", RATE, "en", "japan"),
    ("rate for +33 1 23 45 67 89", RATE, "en", "+33 1 23 45 67 89"),
    ("what does a call to Germany cost", RATE, "en", "germany"),
    ("How much is a call to the UK per minute?", RATE, "en", "the uk"),
    ("what would it cost to call +81 3 1234 5678?", RATE, "en", "+81 3 1234 5678"),
    ("rates for toll-free US", RATE, "en", "toll-free us"),
    ("+44 20 7946 0000", RATE, "en", "+44 20 7946 0000"),
    ("Was kostet ein Anruf nach Japan?", RATE, "de", "japan"),
    ("Tarif für +49 30 1234567", RATE, "de", "+49 30 1234567"),
    ("Was kostet es, nach Frankreich zu telefonieren?", RATE, "de", "frankreich"),
    ("Wie viel kostet ein Anruf nach Deutschland?", RATE, "de", "deutschland"),
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
])
def test_spend_questions(text, language, period):
    parsed = parse_intent(text)
    assert (parsed.name, parsed.language) == (SPEND, language)
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
    assert text.startswith("Tarife für Japan\nIhre Anrufe nach Japan, in USD:")
    assert "BEISPIELPREISE" in text
    text = dm(bolt, "Tarif für +49 30 1234567", user=GERMAN)
    assert text.startswith("Tarife für +49 30 1234567 (Deutschland)")
    assert "*Germany - Berlin* (+4930): *0,022\xa0$* pro Minute" in text


def test_the_locale_wins_over_the_words(bolt, account):
    text = dm(bolt, "how much does it cost to call Japan?", user=GERMAN)
    assert text.startswith("Tarife für Japan")


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
