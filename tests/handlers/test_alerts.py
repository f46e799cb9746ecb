"""`/credits alerts`: thresholds added once, removed, listed; the alert channel."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.alerts.outbox import OutboxWriter
from bot.alerts.rules import Alert
from bot.alerts.settings import Threshold
from bot.console.local_slack import SlackChannel
from handlers.blocks.alerts import alerts_reply
from storage.db import write_transaction
from tests.factories import audit_events, make_account
from tests.handlers.lazy import respond_texts
from tests.money import eur, usd
from tests.payloads import TEAM
from tests.slack import CREDITS_ADMIN, GERMAN, MEMBER

USAGE = ("Usage: `/credits alerts [add <amount> | remove <amount> | channel <#channel> | "
         "language <en-US|de-DE>]`")


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
    assert levels(bolt, account) == [Threshold(usd(2000), False),
                                     Threshold(usd(1000), True)]


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
    assert levels(bolt, account) == [Threshold(usd(100), True)]


def test_channel_is_set_and_listed(bolt, account):
    assert "Working on" in bolt.command_text("alerts channel <#C0BILLING|billing>")
    (text,) = respond_texts(bolt.slack)
    assert "Alerts now go to <#C0BILLING>: I am a member there" in text
    assert bolt.slack.calls_to("conversations.info")[0].params["channel"] == "C0BILLING"
    assert bolt.services.accounts.get(TEAM).alert_channel == "C0BILLING"
    bolt.command_text("alerts add 250")
    text = bolt.command_text("alerts", user=MEMBER)
    assert "Low-balance alerts at: $250.00 (armed)." in text
    assert "Alerts go to <#C0BILLING>." in text
    german = bolt.command_text("alerts", user=GERMAN)
    assert "250,00\xa0$ (aktiv)" in german and "Warnungen gehen an <#C0BILLING>" in german


@pytest.mark.parametrize(("channel", "words"), [
    (SlackChannel("C0OUTSIDE", "outside", is_member=False),
     "I am not a member of <#C0OUTSIDE>, so alerts could not be posted there. Invite me with "
     "`/invite @Credits Bot` in <#C0OUTSIDE>"),
    (SlackChannel("G0SECRET", "secret", is_member=False, is_private=True),
     "I cannot see that channel: it does not exist, or it is private and I am not in it."),
    (SlackChannel("C0OLD", "old", is_archived=True), "<#C0OLD> is archived")])
def test_a_channel_the_bot_cannot_post_in_is_refused_with_how_to_invite_it(
        bolt, account, channel, words):
    bolt.slack.add_channel(channel)
    bolt.command_text(f"alerts channel <#{channel.id}|{channel.name}>")
    (text,) = respond_texts(bolt.slack)
    assert words in text and "Nothing was changed." in text
    assert bolt.services.accounts.get(TEAM).alert_channel is None


def test_the_channel_check_answers_in_german(bolt, account):
    bolt.slack.add_channel(SlackChannel("C0OUTSIDE", "outside", is_member=False))
    bolt.command_text("alerts channel <#C0OUTSIDE|outside>", user=GERMAN)
    # A German member is refused as a non-admin; a German admin reads the check in German.
    bolt.slack.users[CREDITS_ADMIN].locale = "de-DE"
    bolt.command_text("alerts channel <#C0OUTSIDE|outside>", user=CREDITS_ADMIN)
    (text,) = respond_texts(bolt.slack)
    assert "Ich bin kein Mitglied von <#C0OUTSIDE>" in text


def test_alerts_lists_the_alerts_nobody_received(bolt, account, clock):
    for user in bolt.slack.users.values():  # a workspace without owners or admins to DM ...
        user.is_admin = user.is_owner = False
    # ... and a relay without CREDITS_ADMINS: an alert with no channel reaches nobody yet.
    with write_transaction(bolt.engine) as session:
        OutboxWriter().write(session, Alert(
            kind="low_balance", key="low:test", account_id=account.id, team_id=TEAM,
            balance=usd(90), headline="Credits are low.",
            next_step="deposit"), account_channel=None, now=clock.now())
    bolt.deliver_alerts()
    text = bolt.command_text("alerts", user=MEMBER)
    assert "*1* alert not delivered yet:" in text
    assert ("• Nov 2, 2026 09:00 UTC, :warning: Credits are low. (to the admins; 1 try, next "
            "after Nov 2, 2026 10:00 UTC, last error: no alert channel and no admin to DM") in text
    german = bolt.command_text("alerts", user=GERMAN)
    assert "*1* Warnung noch nicht zugestellt:" in german
    assert "• 02.11.2026 09:00 UTC," in german and "1 Versuch, nächster nach 02.11.2026" in german
    assert "kein Warnkanal und kein Admin für eine Direktnachricht" in german


def test_alerts_says_when_everything_was_delivered(bolt, account):
    assert "Every alert has been delivered." in bolt.command_text("alerts", user=MEMBER)


@pytest.mark.parametrize("text", ["alerts add 100", "alerts remove 100",
                                  "alerts channel <#C1|x>", "alerts language de-DE"])
def test_member_cannot_change_alerts(bolt, account, text):
    assert "Only credits admins" in bolt.command_text(text, user=MEMBER)
    assert levels(bolt, account) == [] and bolt.services.accounts.get(TEAM).alert_channel is None
    assert bolt.services.accounts.get(TEAM).language == "en-US"
    (denied,) = audit_events(bolt.engine, TEAM, result="denied")
    assert (denied.actor, denied.action) == (MEMBER, "command.alerts")


@pytest.mark.parametrize(("text", "words"), [
    ("alerts add", "Say what to change"), ("alerts add 1 2", "Say what to change"),
    ("alerts set 100", "Say what to change"), ("alerts channel", "Say what to change"),
    ("alerts channel billing", "`billing` is not a channel"),
    ("alerts channel <@U0MEMBER>", "is not a channel"),
    ("alerts add -100", "cannot be negative"), ("alerts add 0", "more than zero"),
    ("alerts add 1.005", "at most 2 decimals"), ("alerts remove NaN", "is not an amount"),
    ("alerts add 1e9", "is not an amount"), ("alerts add 5000000000", "too large"),
    ("alerts language", "Say what to change")])
def test_malformed_commands_show_the_usage(bolt, account, text, words):
    answer = bolt.command_text(text)
    assert words in answer and USAGE in answer
    assert levels(bolt, account) == []


def test_alerts_reply_builder():
    reply = alerts_reply([Threshold(eur(500), True)], None, locale="en-US")
    assert reply.text == ("Low-balance alerts at: €500.00 (armed).\nNo alert channel is set: "
                          "alerts go as DMs to the admins (CREDITS_ADMINS and the workspace's "
                          "owners and admins). Admins: `/credits alerts channel #channel`.\n"
                          "Every alert has been delivered.")
    assert reply.blocks == [{"type": "section", "text": {"type": "mrkdwn", "text": line}}
                            for line in reply.text.splitlines()]


# -- the language of the alerts ---------------------------------------------------------------

def test_an_admin_sets_the_alert_language_and_alerts_shows_it(bolt, account):
    assert "Alerts are written in English (en-US)." in bolt.command_text("alerts", user=MEMBER)
    text = bolt.command_text("alerts language de-DE")
    assert text == (":white_check_mark: Alerts are now written in German (de-DE), with its dates "
                    "and amounts. Alerts queued already keep their language.")
    assert bolt.services.accounts.get(TEAM).language == "de-DE"
    assert "Alerts are written in German (de-DE)." in bolt.command_text("alerts", user=MEMBER)
    german = bolt.command_text("alerts", user=GERMAN)
    assert "Warnungen werden auf Deutsch geschrieben (de-DE)." in german
    bolt.command_text("alerts language en")  # a bare language reads as its usual locale
    assert bolt.services.accounts.get(TEAM).language == "en-US"
    (changed, *_) = audit_events(bolt.engine, TEAM, result="ok")
    assert changed.action == "command.alerts"


@pytest.mark.parametrize("tag", ["fr-FR", "klingon", "de-XX-YY"])
def test_a_language_the_bot_does_not_speak_is_refused(bolt, account, tag):
    text = bolt.command_text(f"alerts language {tag}")
    assert "is not a language the bot speaks: use en-US or de-DE." in text
    assert bolt.services.accounts.get(TEAM).language == "en-US"
    bolt.slack.users[GERMAN].is_admin = True
    assert "ist keine Sprache des Bots" in bolt.command_text(f"alerts language {tag}",
                                                              user=GERMAN)


def deliver_a_low_balance_alert(bolt, clock, account) -> tuple[str, list[dict]]:
    """Cross a threshold with a charge and let the relay post the alert: (text, blocks) as
    the local Slack received them in the alert channel."""
    bolt.command_text("alerts add 1000")
    bolt.command_text("alerts channel <#C0BILLING|billing>")
    bolt.services.ledger.charge(account_id=account.id, amount=usd(600), key="calls",
                                actor="import")
    bolt.deliver_alerts()
    (post,) = [call for call in bolt.slack.calls_to("chat.postMessage")
               if call.params["channel"] == "C0BILLING"]
    return post.params["text"], post.params["blocks"]


def block_texts(blocks: list[dict]) -> list[str]:
    found = []
    for block in blocks:
        if "text" in block:
            found.append(block["text"]["text"])
        for element in block.get("elements", []):
            found.append(element["text"] if isinstance(element["text"], str)
                         else element["text"]["text"])
            if "confirm" in element:
                found += [part["text"] for part in element["confirm"].values()]
    return found


def test_an_alert_of_a_german_account_reaches_slack_in_german(bolt, account, clock):
    bolt.command_text("alerts language de-DE")
    text, blocks = deliver_a_low_balance_alert(bolt, clock, account)
    assert text.splitlines()[:2] == [
        ":warning: Die Communications Credits werden knapp: das Guthaben ist unter "
        "1.000,00\xa0$ gefallen.",
        "Guthaben: 900,00\xa0$."]
    assert text.splitlines()[2].startswith(
        "Nächster Schritt: laden Sie Guthaben mit `/credits deposit <Betrag>` auf oder drücken "
        "Sie „Jetzt aufladen“, und schalten Sie die automatische Aufladung ein")
    shown = block_texts(blocks)
    assert shown[0].startswith(":warning: *Die Communications Credits werden knapp")
    assert "Guthaben: *900,00\xa0$*" in shown[0]
    assert shown[1].startswith("*Nächster Schritt:* laden Sie Guthaben")
    assert {"Jetzt aufladen", "Automatische Aufladung einschalten", "Nutzung anzeigen",
            "Kaufen", "Abbrechen"} <= set(shown)
    assert any(part.endswith(" kaufen?") for part in shown)  # "1.000,00 $ kaufen?"
    assert not [part for part in shown if "Balance" in part or "Recharge now" in part]


def test_an_alert_of_an_english_account_reaches_slack_in_english(bolt, account, clock):
    bolt.slack.users[CREDITS_ADMIN].locale = "de-DE"  # the admins' own locales do not matter
    text, blocks = deliver_a_low_balance_alert(bolt, clock, account)
    assert text.splitlines()[:2] == [
        ":warning: Communications Credits are low: the balance fell below $1,000.00.",
        "Balance: $900.00."]
    shown = block_texts(blocks)
    assert "Balance: *$900.00*" in shown[0] and shown[1].startswith("*Next:* add credits")
    assert {"Recharge now", "Turn on auto-recharge", "Show usage", "Buy", "Cancel"} <= set(shown)
