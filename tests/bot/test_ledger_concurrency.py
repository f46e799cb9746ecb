"""Acceptance: 8 processes x 250 random money changes on ONE account lose and double nothing.

Every worker (tests/bot/ledger_worker.py) is a separate Python process with its own engine,
started together. Besides their own deposits and charges they retry their own keys and race for
100 keys shared by all of them, whose change is the same in every process. Afterwards the books
must hold exactly the sum over the distinct keys, each key once, in one unbroken chain of
versions, and both `check_balances` and `python -m bot ledger check` must agree.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from sqlmodel import col, select

from bot.accounts import Accounts
from bot.clock import ManualClock
from bot.ledger import check_balances
from storage.db import make_engine, read_session
from storage.migrate import upgrade
from storage.models import Account, LedgerEntry
from storage.units import from_micros
from tests.bot.ledger_worker import Operation, signed
from tests.conftest import START
from tests.dbs import postgres_schema_url

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 8
OPS = 250
SEED = 20261102


def run_workers(url: str, account_id: int, folder: Path) -> list[list[dict]]:
    """Start every worker, let them go at once, and collect what each tried."""
    processes = []
    for worker in range(WORKERS):
        out = folder / f"worker-{worker}.json"
        err = (folder / f"worker-{worker}.err").open("w")
        processes.append((subprocess.Popen(
            [sys.executable, "-m", "tests.bot.ledger_worker", url, str(account_id), str(worker),
             str(OPS), str(SEED), str(out)],
            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err, text=True),
            out, err))
    try:
        for process, _, _ in processes:
            assert process.stdout is not None and process.stdout.readline().strip() == "ready"
        for process, _, _ in processes:
            assert process.stdin is not None
            process.stdin.write("go\n")
            process.stdin.close()
        for process, _, _ in processes:
            process.wait(timeout=300)
    finally:
        for process, _, err in processes:
            if process.poll() is None:
                process.kill()
            err.close()
    results = []
    for worker, (process, out, _) in enumerate(processes):
        stderr = (folder / f"worker-{worker}.err").read_text()
        assert process.returncode == 0, f"worker {worker} failed:\n{stderr}"
        results.append(json.loads(out.read_text()))
    return results


def check_books(url: str, account_id: int, results: list[list[dict]]) -> None:
    tried = [record for worker in results for record in worker]
    by_key: dict[str, list[dict]] = defaultdict(list)
    workers_of: dict[str, set[int]] = defaultdict(set)
    for worker, records in enumerate(results):
        for record in records:
            by_key[record["key"]].append(record)
            workers_of[record["key"]].add(worker)
    # Same key, same change, in every process: the expected total needs no database.
    changes = {key: {Operation(r["key"], r["kind"], r["amount"]) for r in records}
               for key, records in by_key.items()}
    assert all(len(change) == 1 for change in changes.values())
    expected = sum((signed(next(iter(change))) for change in changes.values()), Decimal(0))

    # The race was real: shared keys were tried by several processes, keys were retried.
    raced = [key for key, workers in workers_of.items() if len(workers) > 1]
    assert len(raced) >= 50 and all(key.startswith("shared-") for key in raced)
    assert len(tried) - len(by_key) >= 300

    engine = make_engine(url)
    try:
        with read_session(engine) as session:
            account = session.get(Account, account_id)
            assert account is not None
            entries = session.exec(select(LedgerEntry).where(
                LedgerEntry.account_id == account_id)
                .order_by(col(LedgerEntry.account_version), col(LedgerEntry.id))).all()
            checked, problems = check_balances(session)
    finally:
        engine.dispose()
    balance = from_micros(account.balance_micros)
    total = sum((from_micros(entry.amount_micros) for entry in entries), Decimal(0))

    # The whole picture first, so that a broken lock shows every way it broke at once.
    errors = Counter(str(r["error"]).split(" [SQL")[0] for r in tried if r["error"])
    summary = (f"failed operations: {sum(errors.values())} {dict(errors.most_common(3))}; "
               f"balance {balance}, sum of entries {total}, expected {expected}; "
               f"version {account.version}, entries {len(entries)}; "
               f"check_balances {[p.problem for p in problems]}")
    assert not errors and balance == total == expected, summary
    assert account.version == len(entries) and (checked, problems) == (1, []), summary

    # Each key applied exactly once; every other attempt got the first result back.
    for key, records in by_key.items():
        assert sum(r["applied"] for r in records) == 1, f"{key} applied {records}"
        assert len({(r["entry_id"], r["balance_after"]) for r in records}) == 1, key
    keys = [entry.idempotency_key for entry in entries]
    assert len(keys) == len(set(keys)) and set(keys) == set(by_key)
    # One unbroken chain: versions 1..n, each balance the previous one plus its amount.
    running = 0
    for version, entry in enumerate(entries, start=1):
        running += entry.amount_micros
        assert (entry.account_version, entry.balance_after_micros) == (version, running)
    assert account.suspended == (account.balance_micros <= 0)
    # The processes really ran at the same time: run one after the other, the chain of their
    # own keys would change hands only WORKERS - 1 times.
    owners = [key.split("-")[0] for key in keys if key.startswith("w")]
    assert sum(a != b for a, b in zip(owners, owners[1:], strict=False)) >= 2 * WORKERS

    cli = subprocess.run(
        [sys.executable, "-m", "bot", "ledger", "check"], cwd=ROOT, capture_output=True,
        text=True, timeout=120, env={**os.environ, "DATABASE_URL": url})
    assert cli.returncode == 0, cli.stdout + cli.stderr


def prove(url: str, folder: Path) -> None:
    engine = make_engine(url)
    upgrade(engine)
    account = Accounts(engine, ManualClock(START)).ensure("TRACE", name="race")
    engine.dispose()
    started = time.monotonic()
    results = run_workers(url, account.id, folder)
    elapsed = time.monotonic() - started
    print(f"\n{WORKERS} workers x {OPS} operations on {url.split(':')[0]}: {elapsed:.1f} s")
    check_books(url, account.id, results)


@pytest.mark.slow
def test_concurrent_processes_keep_the_books_on_sqlite(tmp_path):
    prove(f"sqlite:///{tmp_path / 'race.db'}", tmp_path)


@pytest.mark.slow
@pytest.mark.postgres
def test_concurrent_processes_keep_the_books_on_postgres(tmp_path):
    with postgres_schema_url() as url:
        prove(url, tmp_path)
