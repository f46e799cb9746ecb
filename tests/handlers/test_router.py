"""The `/credits` router through signed requests: help, unknown words, signatures."""

import json
import time

from tests import payloads
from tests.slack import ADMIN, MEMBER


def test_empty_command_shows_help(bolt):
    text = bolt.command_text("")
    assert "/credits balance" in text


def test_help_lists_every_subcommand(bolt):
    text = bolt.command_text("help", user=MEMBER)
    from handlers.commands import SUBCOMMANDS
    for sub in SUBCOMMANDS:
        assert f"/credits {sub.usage}" in text


def test_unknown_subcommand_names_the_right_ones(bolt):
    text = bolt.command_text("balanse", user=MEMBER)
    assert "There is no `/credits balanse`" in text and "`balance`" in text


def test_forged_signature_is_refused(bolt):
    body = payloads.slash_command("balance", user_id=ADMIN)
    headers = payloads.signed_headers(body, secret="not-the-secret")
    from slack_bolt import BoltRequest
    response = bolt.app.dispatch(BoltRequest(body=body, headers=headers))
    assert response.status == 401


def test_stale_signature_is_refused(bolt):
    body = payloads.slash_command("balance", user_id=ADMIN)
    headers = payloads.signed_headers(body, timestamp=int(time.time()) - 10 * 60)
    from slack_bolt import BoltRequest
    response = bolt.app.dispatch(BoltRequest(body=body, headers=headers))
    assert response.status == 401


def test_balance_of_a_new_account_says_suspended(bolt):
    response = bolt.command("balance", user=MEMBER)
    body = json.loads(response.body)
    assert response.status == 200
    assert "$0.00" in body["text"] and "suspended" in body["text"]
    assert body["response_type"] == "ephemeral"


def test_a_german_user_reads_the_help_in_german(bolt):
    from tests.slack import GERMAN
    text = bolt.command_text("help", user=GERMAN)
    assert "*Credits Bot* verwaltet Ihre vorausbezahlten Communications Credits." in text
    assert "`/credits balance [sync <amount Microsoft shows>]`: Guthaben, Status" in text
    assert "runs your prepaid" not in text


def test_a_german_user_reads_an_unknown_subcommand_in_german(bolt):
    from tests.slack import GERMAN
    text = bolt.command_text("balanse", user=GERMAN)
    assert "Es gibt kein `/credits balanse`. Versuchen Sie eines von:" in text
    assert "`balance`" in text and "There is no" not in text
