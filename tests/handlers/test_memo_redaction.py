"""A card number typed into a deposit memo is redacted before it is stored or shown anywhere."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest
from sqlmodel import select

from storage.db import read_session
from storage.models import DepositAttempt, LedgerEntry
from tests.factories import make_account
from tests.handlers.lazy import wait_for
from tests.payloads import TEAM
from tests.slack import ADMIN

CARD = "4242424242424242"


@pytest.fixture
def account(bolt, clock):
    return make_account(bolt.engine, clock, team_id=TEAM)


def stored_memos(engine) -> list[str | None]:
    with read_session(engine) as session:
        return [entry.memo for entry in session.exec(select(LedgerEntry))]


@pytest.mark.parametrize("typed", [CARD, "4242 4242 4242 4242", "4242-4242-4242-4242"])
def test_a_card_in_the_memo_is_neither_stored_nor_echoed(bolt, account, typed):
    url = bolt.slack.response_url()
    ack = bolt.command(f"deposit 100 card {typed} cvc 123", user=ADMIN, response_url=url)
    assert "42424242" not in json.loads(ack.body)["text"].replace(" ", "").replace("-", "")
    text = bolt.answer_to(url)  # the payment's answer, after the ack
    assert "Deposited *$100.00*" in text
    assert "Memo: card [redacted] cvc [redacted]" in text
    assert "4242" not in text.replace("ending 4242", "")
    assert stored_memos(bolt.engine) == ["card [redacted] cvc [redacted]"]
    history = bolt.command_text("history", user=ADMIN)
    assert "card [redacted]" in history and "42424242" not in history


def test_a_large_deposit_keeps_no_card_in_its_payment_attempt(bolt, account):
    bolt.command_text(f"deposit 20000 card {CARD}", user=ADMIN)  # waits for its Confirm
    with read_session(bolt.engine) as session:
        [attempt] = session.exec(select(DepositAttempt))
    assert attempt.status == "awaiting_confirmation" and attempt.memo == "card [redacted]"


def test_an_old_entry_with_a_card_is_redacted_in_history_and_export(bolt, account, clock):
    # An entry written before memos were redacted (straight into the table).
    with read_session(bolt.engine) as session:
        session.add(LedgerEntry(account_id=account.id, kind="deposit", amount_micros=100_000_000,
                                balance_after_micros=100_000_000, account_version=1,
                                idempotency_key="old", actor=ADMIN, memo=f"card {CARD}",
                                created_at=clock.now()))
    assert "42424242" not in bolt.command_text("history", user=ADMIN)
    bolt.command_text("export csv", user=ADMIN)
    [share] = wait_for(bolt.slack, "files.completeUploadExternal", count=1)
    contents = [bolt.slack.files[item["id"]] for item in json.loads(share.params["files"])]
    ledger = [c for c in contents if b"Balance after" in c]
    [rows] = [list(csv.DictReader(io.StringIO(c.decode("utf-8-sig")))) for c in ledger]
    assert [row["Memo"] for row in rows] == ["card [redacted]"]
    assert all(CARD.encode() not in c for c in contents)
    assert Decimal(rows[0]["Amount"]) == 100
