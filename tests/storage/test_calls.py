"""Call records: the driver-level bulk insert and the queries, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
import pytest
from sqlalchemy.exc import IntegrityError

from storage import calls as calls_db
from storage.accounts import create_account
from storage.db import read_session, write_transaction
from tests import reads

START = datetime(2026, 10, 1, 7, 1, 4, 861168, tzinfo=UTC)


@pytest.fixture
def account_id(engine, clock):
    with write_transaction(engine) as session:
        return create_account(session=session, team_id="T1", now=clock.now()).id


def frame(keys: list[str], *, start: datetime = START) -> pl.DataFrame:
    return pl.DataFrame({
        "record_key": keys,
        "user_upn": [f"{key}@x.example" for key in keys],
        "user_name": [None] * len(keys),  # null in every row: left to the column's default
        "direction": ["outbound"] * len(keys),  # one value in every row: a literal
        "destination_number": ["+442075908301"] * len(keys),
        "start_at": [start + timedelta(seconds=i) for i in range(len(keys))],
        "duration_seconds": list(range(len(keys))),
        "charge_micros": [1_000 * (i + 1) for i in range(len(keys))],
        "licensed": [i % 2 == 0 for i in range(len(keys))],
    }, schema_overrides={"user_name": pl.String, "start_at": pl.Datetime("us", "UTC")})


def insert(engine, clock, account_id, data: pl.DataFrame) -> int:
    with write_transaction(engine) as session:
        calls_db.start_bulk(session=session)
        return calls_db.insert_calls(session=session, frame=data, constants={
            "account_id": account_id, "source": "cdr", "currency": "USD",
            "ledger_entry_id": None, "imported_at": clock.now()})


def test_bulk_insert_stores_every_value_as_the_orm_reads_it(engine, clock, account_id):
    assert insert(engine, clock, account_id, frame(["a", "b", "c"])) == 3
    with read_session(engine) as session:
        stored = reads.get_calls(session=session, account_id=account_id, keys=["a", "c"])
        assert reads.count_calls(session=session, account_id=account_id) == 3
        assert reads.sum_charges(session=session, account_id=account_id) == 6_000
    first, third = stored
    assert (first.record_key, first.user_upn, first.user_name) == ("a", "a@x.example", None)
    assert first.start_at == START and first.start_at.tzinfo is not None
    assert first.imported_at == clock.now()
    assert (first.direction, first.source, first.currency) == ("outbound", "cdr", "USD")
    assert (third.charge_micros, third.duration_seconds, third.licensed) == (3_000, 2, True)
    assert first.licensed is True and first.ledger_entry_id is None


def test_keys_that_exist_are_skipped_and_reported(engine, clock, account_id):
    insert(engine, clock, account_id, frame(["a", "b"]))
    with read_session(engine) as session:
        assert calls_db.existing_call_keys(session=session, account_id=account_id,
                                           keys=["a", "x", "b"]) == {"a", "b"}
        assert calls_db.existing_call_keys(session=session, account_id=account_id,
                                           keys=[]) == set()
    assert insert(engine, clock, account_id, frame(["b", "c"])) == 1
    with read_session(engine) as session:
        assert reads.count_calls(session=session, account_id=account_id) == 3


def test_a_single_row_and_an_empty_frame(engine, clock, account_id):
    assert insert(engine, clock, account_id, frame(["only"])) == 1
    assert insert(engine, clock, account_id, frame([])) == 0


def test_keys_are_per_account(engine, clock, account_id):
    with write_transaction(engine) as session:
        other = create_account(session=session, team_id="T2", now=clock.now()).id
    insert(engine, clock, account_id, frame(["a"]))
    assert insert(engine, clock, other, frame(["a"])) == 1


def test_unknown_columns_are_refused(engine, clock, account_id):
    with pytest.raises(ValueError, match="not columns of call_records"):
        insert(engine, clock, account_id, frame(["a"]).with_columns(colour=pl.lit("red")))


def test_list_calls_by_period_oldest_first(engine, clock, account_id):
    insert(engine, clock, account_id, frame(["late"], start=START + timedelta(days=2)))
    insert(engine, clock, account_id, frame(["early"], start=START))
    with read_session(engine) as session:
        everything = reads.list_calls(session=session, account_id=account_id)
        window = reads.list_calls(session=session, account_id=account_id,
                                     since=START + timedelta(days=1),
                                     until=START + timedelta(days=3))
    assert [call.record_key for call in everything] == ["early", "late"]
    assert [call.record_key for call in window] == ["late"]


def test_quotes_in_shared_values_are_written_safely(engine, clock, account_id):
    data = frame(["q1", "q2"]).with_columns(destination_number=pl.lit("+44'; DROP TABLE x"))
    assert insert(engine, clock, account_id, data) == 2
    with read_session(engine) as session:
        stored = reads.get_calls(session=session, account_id=account_id, keys=["q1"])
    assert stored[0].destination_number == "+44'; DROP TABLE x"


def test_rows_known_to_be_new_are_copied_and_an_existing_key_is_an_error(engine, clock,
                                                                         account_id):
    insert(engine, clock, account_id, frame(["a"]))
    with write_transaction(engine) as session:
        assert calls_db.insert_calls(session=session, frame=frame(["b", "c"]), constants={
            "account_id": account_id, "source": "cdr", "currency": "USD",
            "ledger_entry_id": None, "imported_at": clock.now()}, all_new=True) == 2
    with pytest.raises(IntegrityError), write_transaction(engine) as session:
        calls_db.insert_calls(session=session, frame=frame(["d", "a"]), constants={
            "account_id": account_id, "source": "cdr", "currency": "USD",
            "ledger_entry_id": None, "imported_at": clock.now()}, all_new=True)
    with read_session(engine) as session:
        stored = reads.list_calls(session=session, account_id=account_id)
    assert sorted(call.record_key for call in stored) == ["a", "b", "c"]
    assert stored[1].start_at == START and stored[1].imported_at == clock.now()
