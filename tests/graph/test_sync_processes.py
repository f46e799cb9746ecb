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
from storage import calls as calls_db
from storage.db import make_engine, read_session
from storage.migrate import upgrade
from tests.dbs import postgres_schema_url
from tests.factories import ledger_state, make_account
from tests.graph_standin import GraphStandIn, pstn_row
from tests.test_scheduler_e2e import stop, wait_for

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
CLOCK = SystemClock()
TEAM = "T0GRAPH"


def environment(standin: GraphStandIn, database_url: str, **extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "DATABASE_URL": database_url,
            "SLACK_BOT_TOKEN": "xoxb-e2e", **standin.settings(), **extra}


def seed(engine, standin, count):
    account = make_account(engine, CLOCK, team_id=TEAM, balance=Decimal(1000))
    start = CLOCK.now() - timedelta(days=2)
    standin.add_calls("getPstnCalls", [pstn_row(n, start + timedelta(minutes=n))
                                       for n in range(count)],
                      available_at=CLOCK.now() - timedelta(days=3))
    return account


def stored(engine, account_id):
    with read_session(engine) as session:
        return calls_db.count_calls(session=session, account_id=account_id)


def test_a_sync_killed_between_pages_charges_each_call_once(live_standin, db_url, tmp_path):
    engine = make_engine(db_url)
    upgrade(engine)
    account = seed(engine, live_standin, 120)
    live_standin.gate = threading.Event()  # the second page waits until the kill
    log = tmp_path / "sync.log"
    env = environment(live_standin, db_url)
    with log.open("wb") as output:
        process = subprocess.Popen([sys.executable, "-m", "bot", "sync"], env=env,
                                   stdout=output, stderr=subprocess.STDOUT)
    try:
        assert live_standin.waiting.wait(60), log.read_text()
        wait_for(lambda: stored(engine, account.id) == 50, 10, "the first page stored", [log])
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=10) == -signal.SIGKILL
    finally:
        if process.poll() is None:
            process.kill()
    live_standin.gate.set()
    live_standin.gate = None
    assert ledger_state(engine, TEAM)[0] == Decimal(1000) - Decimal("0.25") * 50
    again = subprocess.run([sys.executable, "-m", "bot", "sync"], env=env,
                           capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stdout + again.stderr
    assert stored(engine, account.id) == 120
    assert ledger_state(engine, TEAM)[0] == Decimal(1000) - Decimal("0.25") * 120
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
                    [sys.executable, "-m", "bot", "scheduler", "--holder", name], env=env,
                    stdout=output, stderr=subprocess.STDOUT))
        try:
            wait_for(lambda: stored(engine, account.id) == 80, 60, "the calls synced", logs)
            time.sleep(3)  # more runs of the job (every 1.2 s): nothing twice
        finally:
            for process in processes:
                stop(process)
        assert stored(engine, account.id) == 80
        assert ledger_state(engine, TEAM)[0] == Decimal(1000) - Decimal("0.25") * 80
        readers = {seen.token for seen in live_standin.requests_to("getPstnCalls")}
        assert len(readers) == 1  # only the lease holder asked Graph
        assert len(live_standin.requests_to("getPstnCalls")) >= 4  # several runs
        engine.dispose()
