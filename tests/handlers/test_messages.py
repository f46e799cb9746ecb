"""DMs and mentions through signed event requests: intents, languages, retries, bots."""

from decimal import Decimal

import pytest

from tests import payloads
from tests.factories import make_account
from tests.slack import GERMAN, MEMBER


@pytest.fixture
def funded(bolt, clock):
    return make_account(bolt.engine, clock, team_id=payloads.TEAM, balance=Decimal("1234.50"))


def posted(bolt):
    return [call.params for call in bolt.slack.calls_to("chat.postMessage")]


def dm(bolt, text, user=MEMBER, **kwargs):
    response = bolt.event(payloads.dm_event(text, user_id=user), **kwargs)
    assert response.status == 200, response.body
    return posted(bolt)


def test_balance_question_in_english(bolt, funded):
    [message] = dm(bolt, "what's our balance?")
    assert message["channel"] == "D0TEST"
    assert "$1,234.50" in message["text"] and "active" in message["text"]


def test_german_user_gets_a_german_answer(bolt, funded):
    [message] = dm(bolt, "Wie hoch ist das Guthaben?", user=GERMAN)
    assert "Guthaben" in message["text"] and "1.234,50" in message["text"]


def test_german_user_asking_in_english_still_gets_german(bolt, funded):
    [message] = dm(bolt, "how much credit is left", user=GERMAN)
    assert "beträgt" in message["text"]


def test_unknown_user_locale_falls_back_to_the_words(bolt, funded):
    [message] = dm(bolt, "Kontostand", user="U0STRANGER")
    assert "beträgt" in message["text"]


def test_am_i_licensed_without_and_with_a_license(bolt, funded):
    [no] = dm(bolt, "am I licensed?")
    assert no["text"].startswith("No:")
    bolt.services.licenses.assign(account_id=funded.id, slack_user_id=GERMAN,
                                  email="dieter@contoso.example", actor="U0ADMIN")
    [_, yes] = dm(bolt, "Bin ich lizenziert?", user=GERMAN)
    assert yes["text"].startswith(":white_check_mark: Ja: Sie haben eine")
    [_, _, other] = dm(bolt, "do I have a license?")
    assert other["text"].startswith("No:")


def test_unknown_question_lists_what_is_understood_in_the_users_language(bolt, funded):
    [english, german] = dm(bolt, "tell me a joke") + \
        dm(bolt, "Erzähl mir einen Witz, bitte", user=GERMAN)[1:]
    assert english["text"].startswith("Sorry, I did not understand")
    assert "am I licensed?" in english["text"]
    assert german["text"].startswith("Das habe ich leider nicht verstanden")
    assert "Bin ich lizenziert?" in german["text"]


def test_a_retried_event_is_answered_once(bolt, funded):
    event = payloads.dm_event("balance", user_id=MEMBER)
    first = bolt.event(event, event_id="EvRETRY1")
    retry = bolt.event(event, event_id="EvRETRY1",
                       headers={"x-slack-retry-num": "1", "x-slack-retry-reason": "http_timeout"})
    assert (first.status, retry.status) == (200, 200)
    assert len(posted(bolt)) == 1
    bolt.event(event, event_id="EvRETRY2")
    assert len(posted(bolt)) == 2


def test_a_failed_answer_can_be_retried(bolt, funded):
    from bot.console.local_slack import ScriptedFailure
    bolt.slack.fail_next("chat.postMessage", ScriptedFailure(error="channel_not_found"))
    event = payloads.dm_event("balance", user_id=MEMBER)
    assert bolt.event(event, event_id="EvFAIL1").status == 500
    assert bolt.event(event, event_id="EvFAIL1",
                      headers={"x-slack-retry-num": "1"}).status == 200
    assert len(posted(bolt)) == 2  # the failed attempt and the retry that got through


@pytest.mark.parametrize("extra", [
    {"bot_id": "B0OTHER"},
    {"subtype": "bot_message", "bot_id": "B0OTHER"},
    {"subtype": "message_changed"},
    {"subtype": "message_deleted"},
    {"user": "UBOT"},  # the bot's own message in the DM
])
def test_bot_messages_and_edits_are_ignored(bolt, funded, extra):
    response = bolt.event(payloads.dm_event("balance", user_id=MEMBER, **extra)
                          if "user" not in extra else
                          payloads.dm_event("balance", user_id=extra["user"]))
    assert response.status == 200
    assert posted(bolt) == []


def test_channel_messages_are_not_answered(bolt, funded):
    event = payloads.dm_event("balance", user_id=MEMBER, channel="C0TEST")
    event["channel_type"] = "channel"
    assert bolt.event(event).status == 200
    assert posted(bolt) == []


def test_a_mention_is_answered_in_its_thread(bolt, funded):
    event = {"type": "app_mention", "user": MEMBER, "channel": "C0TEST",
             "text": "<@UBOT> what's our balance?", "ts": "1700000001.000200"}
    assert bolt.event(event).status == 200
    [message] = posted(bolt)
    assert message["channel"] == "C0TEST" and message["thread_ts"] == "1700000001.000200"
    assert "$1,234.50" in message["text"]
