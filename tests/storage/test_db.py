"""The engine and its transactions: SQLite pragmas, BEGIN IMMEDIATE, row locks, partial index."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.pool import NullPool
from sqlmodel import select

from storage.accounts import create_account, get_account, lock_account
from storage.db import SQLITE_BUSY_TIMEOUT_MS, make_engine, read_session, write_transaction
from storage.licenses import count_active_licenses, insert_license, mark_license_removed
from storage.models import AuditEvent, License
from tests.conftest import START

HOLD_SECONDS = 0.3


def test_sqlite_connections_use_wal_busy_timeout_and_foreign_keys(sqlite_engine):
    with sqlite_engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30_000
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
    assert SQLITE_BUSY_TIMEOUT_MS == 30_000


def test_in_memory_sqlite_still_gets_busy_timeout_and_foreign_keys():
    engine = make_engine("sqlite://")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30_000
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def _audit(action: str) -> AuditEvent:
    return AuditEvent(actor="test", action=action, result="ok", created_at=START)


def _count_audit(session) -> int:
    return int(session.exec(select(func.count()).select_from(AuditEvent)).one())


def test_sqlite_write_transaction_takes_the_write_lock_at_begin(sqlite_engine):
    """A second writer waits at its first statement (even a read) until the first commits;
    with a deferred BEGIN its read would run at once and see the old state."""
    holding, done = threading.Event(), threading.Event()
    times: dict[str, float] = {}

    def first_writer() -> None:
        with write_transaction(sqlite_engine) as session:
            session.exec(select(func.count()).select_from(AuditEvent)).one()  # BEGIN happens
            holding.set()
            time.sleep(HOLD_SECONDS)
            session.add(_audit("first"))
            session.flush()
            times["first_leaves"] = time.monotonic()
        done.set()

    thread = threading.Thread(target=first_writer)
    thread.start()
    try:
        assert holding.wait(5)
        # A plain reader is not blocked in WAL mode, and does not see uncommitted work.
        with read_session(sqlite_engine) as session:
            assert _count_audit(session) == 0
        assert not done.is_set()
        with write_transaction(sqlite_engine) as session:
            seen = _count_audit(session)
            times["second_in"] = time.monotonic()
            session.add(_audit("second"))
    finally:
        thread.join(10)
    assert seen == 1
    assert times["second_in"] >= times["first_leaves"]
    with read_session(sqlite_engine) as session:
        assert _count_audit(session) == 2


def test_write_transaction_commits_on_success_and_rolls_back_on_error(engine):
    with write_transaction(engine) as session:
        session.add(_audit("kept"))
    with pytest.raises(RuntimeError), write_transaction(engine) as session:
        session.add(_audit("lost"))
        session.flush()
        raise RuntimeError("boom")
    with read_session(engine) as session:
        assert [e.action for e in session.exec(select(AuditEvent)).all()] == ["kept"]


def test_lock_account_makes_a_second_writer_wait_and_read_fresh(engine):
    with write_transaction(engine) as session:
        account_id = create_account(session=session, team_id="T1", now=START).id
    assert account_id is not None
    holding = threading.Event()
    times: dict[str, float] = {}

    def first_writer() -> None:
        with write_transaction(engine) as session:
            account = lock_account(session=session, account_id=account_id)
            holding.set()
            time.sleep(HOLD_SECONDS)
            account.balance_micros += 5
            account.version += 1
            session.add(account)
            session.flush()
            times["first_leaves"] = time.monotonic()

    thread = threading.Thread(target=first_writer)
    thread.start()
    try:
        assert holding.wait(5)
        with write_transaction(engine) as session:
            # Loaded before the lock: the lock must re-read the row, not trust this copy.
            cached = get_account(session=session, team_id="T1")
            assert cached is not None
            account = lock_account(session=session, account_id=account_id)
            times["second_in"] = time.monotonic()
            assert account is cached
            seen = (account.balance_micros, account.version)
            account.balance_micros += 7
            account.version += 1
            session.add(account)
    finally:
        thread.join(10)
    assert times["second_in"] >= times["first_leaves"]
    assert seen == (5, 1)
    with read_session(engine) as session:
        final = get_account(session=session, team_id="T1")
        assert final is not None and (final.balance_micros, final.version) == (12, 2)


def test_lock_account_of_a_missing_account_is_a_lookup_error(engine):
    with pytest.raises(LookupError), write_transaction(engine) as session:
        lock_account(session=session, account_id=4242)


@pytest.mark.postgres
def test_postgres_engine_without_pool_uses_null_pool():
    from tests.dbs import postgres_schema_url

    with postgres_schema_url() as url:
        engine = make_engine(url, pool=False)
        assert isinstance(engine.pool, NullPool)
        with engine.connect() as connection:
            assert connection.execute(text("select 1")).scalar() == 1
        engine.dispose()


def _license(account_id: int, user: str) -> License:
    return License(account_id=account_id, slack_user_id=user, email=f"{user}@example.com",
                   assigned_by="U0", assigned_at=START)


def test_a_user_has_at_most_one_active_license(engine):
    with write_transaction(engine) as session:
        account_id = create_account(session=session, team_id="T1", now=START).id or 0
        other_id = create_account(session=session, team_id="T2", now=START).id or 0
        insert_license(session=session, license=_license(account_id, "U1"))
        insert_license(session=session, license=_license(other_id, "U1"))  # other account
        insert_license(session=session, license=_license(account_id, "U2"))

    with pytest.raises(IntegrityError), write_transaction(engine) as session:
        insert_license(session=session, license=_license(account_id, "U1"))

    # Once removed, the user may be licensed again, and removed rows may pile up as history.
    for round_ in range(2):
        with write_transaction(engine) as session:
            active = session.exec(select(License).where(
                License.account_id == account_id, License.slack_user_id == "U1",
                License.removed_at == None)).one()  # noqa: E711
            mark_license_removed(session=session, license=active, removed_by="U0",
                                 now=START + timedelta(days=round_ + 1))
            insert_license(session=session, license=_license(account_id, "U1"))

    with read_session(engine) as session:
        assert count_active_licenses(session=session, account_id=account_id) == 2
        rows = session.exec(select(License).where(License.account_id == account_id,
                                                  License.slack_user_id == "U1")).all()
        assert len(rows) == 3
        assert sum(row.removed_at is None for row in rows) == 1
