"""Pending operations: claimed once, cancelled or expired for good."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from bot.confirmations import Confirmations, operation_id_for
from tests.factories import make_account


def make(engine, clock, **kwargs):
    account = make_account(engine, clock)
    confirmations = Confirmations(engine, clock, **kwargs)
    op = confirmations.create(account_id=account.id, kind="deposit",
                              payload={"amount": "20000.00", "memo": "Q4"}, requested_by="U1")
    return account, confirmations, op


def test_create_stores_the_payload_and_an_expiry(engine, clock):
    _, confirmations, op = make(engine, clock)
    assert len(op.id) == 36 and op.status == "pending"
    assert op.payload == {"amount": "20000.00", "memo": "Q4"}
    assert op.expires_at - op.created_at == timedelta(minutes=15)
    assert confirmations.get(op.id) == op


def test_first_claim_wins_and_the_second_sees_it_processing(engine, clock):
    account, confirmations, op = make(engine, clock)
    first = confirmations.claim(op.id, account_id=account.id)
    second = confirmations.claim(op.id, account_id=account.id)
    assert (first.won, first.state) == (True, "processing")
    assert (second.won, second.state) == (False, "processing")
    confirmations.finish(op.id, result={"entry_id": 7})
    third = confirmations.claim(op.id, account_id=account.id)
    assert (third.won, third.state) == (False, "done")
    assert third.operation is not None and third.operation.result == {"entry_id": 7}


def test_cancelled_operation_cannot_be_claimed(engine, clock):
    account, confirmations, op = make(engine, clock)
    assert confirmations.cancel(op.id, account_id=account.id).won
    claim = confirmations.claim(op.id, account_id=account.id)
    assert (claim.won, claim.state) == (False, "cancelled")
    assert not confirmations.cancel(op.id, account_id=account.id).won


def test_expired_operation_is_marked_and_refused(engine, clock):
    account, confirmations, op = make(engine, clock, ttl=timedelta(minutes=5))
    clock.advance(timedelta(minutes=5))
    claim = confirmations.claim(op.id, account_id=account.id)
    assert (claim.won, claim.state) == (False, "expired")
    assert confirmations.get(op.id).status == "expired"


def test_claim_just_before_expiry_wins(engine, clock):
    account, confirmations, op = make(engine, clock, ttl=timedelta(minutes=5))
    clock.advance(timedelta(minutes=5) - timedelta(seconds=1))
    assert confirmations.claim(op.id, account_id=account.id).won


def test_unknown_or_foreign_operation_is_unknown(engine, clock):
    account, confirmations, op = make(engine, clock)
    other = make_account(engine, clock, team_id="T2")
    assert confirmations.claim("no-such-id", account_id=account.id).state == "unknown"
    foreign = confirmations.claim(op.id, account_id=other.id)
    assert (foreign.won, foreign.state) == (False, "unknown")
    assert confirmations.get(op.id).status == "pending"


def test_create_with_the_same_id_returns_the_first(engine, clock):
    account, confirmations, _ = make(engine, clock)
    op_id = operation_id_for("T1", "trigger-1")
    first = confirmations.create(account_id=account.id, kind="deposit", payload={"amount": "1"},
                                 requested_by="U1", operation_id=op_id)
    again = confirmations.create(account_id=account.id, kind="deposit", payload={"amount": "2"},
                                 requested_by="U1", operation_id=op_id)
    assert again == first and again.payload == {"amount": "1"}
    assert operation_id_for("T1", "trigger-1") == op_id != operation_id_for("T1", "trigger-2")
    with pytest.raises(ValueError):
        confirmations.create(account_id=account.id, kind="other", payload={},
                             requested_by="U1", operation_id=op_id)


def test_concurrent_claims_have_exactly_one_winner(engine, clock):
    account, confirmations, op = make(engine, clock)
    results: list[bool] = []
    barrier = threading.Barrier(6)

    def click() -> None:
        barrier.wait()
        results.append(confirmations.claim(op.id, account_id=account.id).won)

    threads = [threading.Thread(target=click) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 5 + [True]
