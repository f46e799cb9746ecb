"""Running DM imports: a row while they run, a heartbeat while alive, a notice once they die."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlmodel import select

from bot.usage.running_imports import MISSED_BEATS, RunningImports
from storage.db import read_session, write_transaction
from storage.imports import insert_running_import
from storage.models import RunningImport
from tests import reads
from tests.factories import make_account

BEAT = 0.05


@pytest.fixture
def account(engine, clock):
    return make_account(engine, clock)


def rows(engine) -> list[RunningImport]:
    with read_session(engine) as session:
        return list(session.exec(select(RunningImport)))


def left_by_a_dead_process(engine, clock, account, name="cdr.csv") -> None:
    """The row an import leaves when its process is killed: its heartbeat stops."""
    with write_transaction(engine) as session:
        insert_running_import(session=session, running=RunningImport(
            account_id=account.id, user_id="U1", channel="D1", name=name,
            notice=f"The import of {name} stopped.", started_at=clock.now(),
            heartbeat_at=clock.now()))


def notices(engine) -> list:
    with read_session(engine) as session:
        return list(reads.list_messages(session=session, kind="import_stopped"))


def test_an_import_has_a_row_while_it_runs_and_none_after(engine, clock, account):
    running = RunningImports(engine, clock, beat_seconds=BEAT)
    with running.watch(account_id=account.id, user_id="U1", channel="D1", name="cdr.csv",
                       notice="stopped"):
        assert [r.name for r in rows(engine)] == ["cdr.csv"]
    assert rows(engine) == []
    with pytest.raises(RuntimeError), running.watch(account_id=account.id, user_id="U1",
                                                    channel="D1", name="x", notice="n"):
        raise RuntimeError("the import failed (and said so to the admin)")
    assert rows(engine) == []


def test_a_live_import_keeps_beating_and_is_never_reported(engine, clock, account):
    running = RunningImports(engine, clock, beat_seconds=BEAT)
    with running.watch(account_id=account.id, user_id="U1", channel="D1", name="big.csv",
                       notice="stopped"):
        clock.advance(timedelta(seconds=BEAT * MISSED_BEATS * 10))
        time.sleep(BEAT * 4)  # a beat or more since the clock moved
        assert running.report_stopped() == 0
    assert notices(engine) == []


def test_an_import_whose_process_died_is_reported_once(engine, clock, account):
    left_by_a_dead_process(engine, clock, account)
    running = RunningImports(engine, clock, beat_seconds=15)
    assert running.report_stopped() == 0  # not yet: its heartbeat may only be late
    clock.advance(timedelta(seconds=61))
    assert running.report_stopped() == 1
    [notice] = notices(engine)
    assert (notice.channel, notice.text, notice.status) == ("D1", "The import of cdr.csv "
                                                            "stopped.", "pending")
    assert rows(engine) == []
    assert running.report_stopped() == 0
    assert len(notices(engine)) == 1


def test_two_sweeps_at_once_report_a_dead_import_once(engine, clock, account):
    for name in ("a.csv", "b.csv", "c.csv"):
        left_by_a_dead_process(engine, clock, account, name=name)
    clock.advance(timedelta(minutes=5))
    running = RunningImports(engine, clock, beat_seconds=15)
    counts, barrier = [], threading.Barrier(4)

    def sweep():
        barrier.wait()
        counts.append(running.report_stopped())

    threads = [threading.Thread(target=sweep) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(counts) == 3
    assert sorted(n.text for n in notices(engine)) == [
        f"The import of {name} stopped." for name in ("a.csv", "b.csv", "c.csv")]
