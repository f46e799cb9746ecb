"""The Graph sync as real processes: `credits-bot sync` killed between pages and run again, and
two `credits-bot scheduler` processes on one PostgreSQL database syncing once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from bot.clock import SystemClock
from bot.graph.sync import IMPORT_RECORDS
from storage.db import make_engine, read_session
from storage.migrate import upgrade
from tests import reads
from tests.dbs import postgres_schema_url
from tests.factories import ledger_state, make_account
from tests.graph_standin import GraphStandIn, pstn_row
from tests.test_scheduler_e2e import stop, wait_for

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[3]
CLOCK = SystemClock()
TEAM = "T0GRAPH"


def environment(standin: GraphStandIn, database_url: str, **extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "DATABASE_URL": database_url,
            "SLACK_BOT_TOKEN": "xoxb-e2e", **standin.settings(), **extra}


def seed(engine, standin, count):
    account = make_account(engine, CLOCK, team_id=TEAM, balance=Decimal(10_000))
    start = CLOCK.now() - timedelta(days=2)
    standin.add_calls("getPstnCalls", [pstn_row(n, start + timedelta(seconds=10 * n))
                                       for n in range(count)],
                      available_at=CLOCK.now() - timedelta(days=3))
    return account


def stored(engine, account_id):
    with read_session(engine) as session:
        return reads.count_calls(session=session, account_id=account_id)


@pytest.fixture
def big_pages(tmp_path):
    """The stand-in on the wall clock with pages of 5,000: the sync imports each at once."""
    server = GraphStandIn(CLOCK.now, tmp_path, page_size=IMPORT_RECORDS).start()
    yield server
    server.stop()


def test_a_sync_killed_between_pages_charges_each_call_once(big_pages, db_url, tmp_path):
    live_standin = big_pages
    engine = make_engine(db_url)
    upgrade(engine)
    total = 2 * IMPORT_RECORDS + 100
    account = seed(engine, live_standin, total)
    live_standin.gate = threading.Event()  # the second page waits until the kill
    log = tmp_path / "sync.log"
    env = environment(live_standin, db_url)
    with log.open("wb") as output:
        process = subprocess.Popen([sys.executable, "-m", "bot", "sync"], env=env,
                                   stdout=output, stderr=subprocess.STDOUT)
    try:
        assert live_standin.waiting.wait(60), log.read_text()
        wait_for(lambda: stored(engine, account.id) == IMPORT_RECORDS, 30,
                 "the first page stored", [log])
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=10) == -signal.SIGKILL
    finally:
        if process.poll() is None:
            process.kill()
    live_standin.gate.set()
    live_standin.gate = None
    assert ledger_state(engine, TEAM)[0] == Decimal(10_000) - Decimal("0.25") * IMPORT_RECORDS
    again = subprocess.run([sys.executable, "-m", "bot", "sync"], env=env,
                           capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stdout + again.stderr
    assert stored(engine, account.id) == total
    assert ledger_state(engine, TEAM)[0] == Decimal(10_000) - Decimal("0.25") * total
    engine.dispose()


def test_two_schedulers_on_postgres_sync_once(live_standin, tmp_path):
    with postgres_schema_url() as url:
        engine = make_engine(url)
        upgrade(engine)
        account = seed(engine, live_standin, 80)
        env = environment(live_standin, url, CREDITS_GRAPH_SYNC_MINUTES="0.02",
                          CREDITS_SWEEP_SECONDS="30", CREDITS_OUTBOX_SECONDS="1",
                          SLACK_API_URL="http://127.0.0.1:9/api/")
        logs = [tmp_path / "a.log", tmp_path / "b.log"]
        processes = []
        for name, log in zip(("a", "b"), logs, strict=True):
            with log.open("wb") as output:
                processes.append(subprocess.Popen(
                    # A 6 s lease (3 heartbeats of 2 s): a loaded machine does not lapse it.
                    [sys.executable, "-m", "bot", "scheduler", "--holder", name,
                     "--heartbeat", "2"], env=env, stdout=output, stderr=subprocess.STDOUT))
        try:
            wait_for(lambda: stored(engine, account.id) == 80, 60, "the calls synced", logs)
            time.sleep(3)  # more runs of the job (every 1.2 s): nothing twice
        finally:
            for process in processes:
                stop(process)
        assert stored(engine, account.id) == 80
        assert ledger_state(engine, TEAM)[0] == Decimal(10_000) - Decimal("0.25") * 80
        # Only the lease holder asks Graph: one process at a time. On a loaded machine a late
        # heartbeat may hand the lease over, so the readers are runs one after another (each
        # process its own token), never interleaved.
        readers = [seen.token for seen in live_standin.requests_to("getPstnCalls")]
        runs = [token for i, token in enumerate(readers) if i == 0 or readers[i - 1] != token]
        assert len(runs) == len(set(runs)), runs
        assert len(live_standin.requests_to("getPstnCalls")) >= 4  # several runs
        engine.dispose()
