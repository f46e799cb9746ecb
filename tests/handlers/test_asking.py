"""Who is asking, once per request, and the use cases' keys: a deposit's ledger key is the one
older rows carry, and a request reads what it needs once."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal as D
from urllib.parse import parse_qs

import pytest
from sqlalchemy import Engine

from handlers.blocks.adjust import CONFIRM_ACTION as ADJUST_CONFIRM
from handlers.blocks.alert_messages import RECHARGE_NOW_ACTION
from storage.db import read_session
from storage.ledger import find_entry
from tests import payloads
from tests.dbs import statements
from tests.factories import make_account
from tests.payloads import TEAM
from tests.slack import ADMIN

# bot/deposits.py's namespace of attempt ids: rows in the database were made with it.
NAMESPACE = uuid.UUID("6f1c9a56-3a0e-4c43-9a55-2f0f6f6b7a10")


@pytest.fixture
def account(bolt, clock):
    return make_account(bolt.engine, clock, team_id=TEAM, balance=D(1000))


def entry_key(engine: Engine, key: str) -> str | None:
    with read_session(engine) as session:
        entry = find_entry(session=session, idempotency_key=key)
        return entry.idempotency_key if entry is not None else None


def test_a_deposit_command_books_under_the_key_older_rows_carry(bolt, account):
    body = payloads.slash_command("deposit 100", user_id=ADMIN)
    trigger = parse_qs(body)["trigger_id"][0]
    bolt.dispatch(body)
    attempt = uuid.uuid5(NAMESPACE, f"{TEAM}:{trigger}")
    assert entry_key(bolt.engine, f"deposit:op:{attempt}") == f"deposit:op:{attempt}"


def test_recharge_now_books_under_the_key_older_rows_carry(bolt, account):
    bolt.click(RECHARGE_NOW_ACTION, "low:1:200000000:3")
    assert entry_key(bolt.engine, "deposit:alert:low:1:200000000:3") is not None
    attempt_id = uuid.uuid5(NAMESPACE, f"{TEAM}:alert:low:1:200000000:3")
    attempt = bolt.services.deposits.get(str(attempt_id))
    assert attempt is not None and attempt.key == "deposit:alert:low:1:200000000:3"


def test_an_adjustment_books_under_the_key_older_rows_carry(bolt, account):
    url = bolt.slack.response_url()
    response = bolt.command("adjust +25 refund of a wrong charge", response_url=url)
    (actions,) = [b for b in json.loads(response.body)["blocks"] if b["type"] == "actions"]
    operation = actions["elements"][0]["value"]
    # bot/confirmations.py's operation ids share the namespace.
    assert operation == str(uuid.uuid5(
        NAMESPACE, f"{TEAM}:adjust:{ADMIN}:adjust +25 refund of a wrong charge:{url}"))
    bolt.click(ADJUST_CONFIRM, operation)
    assert entry_key(bolt.engine, f"adjustment:{operation}") is not None


@pytest.mark.parametrize(("text", "budget"), [
    # Measured before the request context and the use cases: 42 and 12 (the account read
    # again by each step, the deposit rules checked twice for auto-recharge).
    ("deposit 100", 40),
    ("autorecharge on 500 below 100", 8),
])
def test_a_request_reads_the_account_once(bolt, account, text, budget):
    bolt.command_text("help")  # Slack's look-ups (auth.test, users.info) are cached after it
    with statements(bolt.engine) as seen:
        bolt.command_text(text)
    assert len(seen) <= budget, "\n".join(seen)


def test_help_reads_no_account(bolt):
    bolt.command_text("help")
    with statements(bolt.engine) as seen:
        assert "/credits balance" in bolt.command_text("help")
    assert seen == []
    assert bolt.services.accounts.list() == []  # nor creates one
