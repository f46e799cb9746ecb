"""Acceptance: concurrent charges across the trigger buy exactly one recharge per crossing.

Threads (one gateway, sweeps racing the charges' own evaluation) on SQLite and PostgreSQL, and
separate processes (each with its own engine and in-memory gateway, so the proof counts attempt
rows and `recharge` entries in the database) on a SQLite file and PostgreSQL.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from bot.accounts import Accounts
from bot.clock import ManualClock
from bot.ledger import Ledger, check_balances
from bot.money import Money
from bot.payments import SimulatedGateway
from bot.recharge import Recharger
from storage.db import make_engine, read_session, write_transaction
from storage.migrate import upgrade
from storage.models import LedgerEntry, RechargeAttempt
from tests.conftest import START
from tests.dbs import postgres_schema_url
from tests.factories import make_account
from tests.money import usd

ROOT = Path(__file__).resolve().parents[2]
TRIGGER, RECHARGE = usd(500), usd(1000)


def setup_account(engine, clock) -> int:
    """1000 in the account; add 1000 when below 500."""
    account = make_account(engine, clock, team_id="TRACE", balance=Decimal(1000))
    Accounts(engine, clock).set_autorecharge("TRACE", enabled=True, amount=RECHARGE,
                                             below=TRIGGER)
    return account.id


def count_books(engine, account_id: int) -> tuple[list[RechargeAttempt], list[LedgerEntry],
                                                  Money]:
    with read_session(engine) as session:
        attempts = list(session.exec(select(RechargeAttempt)
                                     .where(RechargeAttempt.account_id == account_id)).all())
        recharges = list(session.exec(select(LedgerEntry).where(
            LedgerEntry.account_id == account_id, LedgerEntry.kind == "recharge")
            .order_by(col(LedgerEntry.id))).all())
        checked, problems = check_balances(session)
        assert problems == [] and checked == 1
        balance = Accounts(engine, ManualClock(START)).get("TRACE").balance
    return attempts, recharges, balance


def test_the_unique_index_allows_one_open_attempt(engine, clock):
    account_id = setup_account(engine, clock)

    def attempt(name: str, status: str) -> RechargeAttempt:
        return RechargeAttempt(id=name, account_id=account_id, status=status, amount_micros=1,
                               created_at=START, updated_at=START)

    with write_transaction(engine) as session:
        session.add(attempt("a", "succeeded"))
        session.add(attempt("b", "failed"))
        session.add(attempt("c", "created"))
    for status in ("created", "processing"):
        with pytest.raises(IntegrityError), write_transaction(engine) as session:
            session.add(attempt(f"d-{status}", status))
            session.flush()


def test_threads_charging_across_the_trigger_buy_one_recharge_per_crossing(engine, clock):
    account_id = setup_account(engine, clock)
    gateway = SimulatedGateway(clock)
    ledger = Ledger(engine, clock)
    recharger = Recharger(engine, clock, gateway, ledger=ledger)
    ledger.hooks.append(recharger.on_posting)
    threads_count, per_thread = 8, 10
    errors: list[BaseException] = []

    def run_round(number: int, amount: Money) -> None:
        barrier = threading.Barrier(threads_count + 2)
        charging_done = threading.Event()

        def charge(worker: int) -> None:
            barrier.wait()
            try:
                for step in range(per_thread):
                    ledger.charge(account_id=account_id, amount=amount,
                                  key=f"r{number}-w{worker}-{step}", actor="import")
            except BaseException as exc:  # reported below
                errors.append(exc)

        def sweep() -> None:
            barrier.wait()
            try:
                while not charging_done.is_set():
                    recharger.sweep()
            except BaseException as exc:
                errors.append(exc)

        chargers = [threading.Thread(target=charge, args=(w,)) for w in range(threads_count)]
        sweepers = [threading.Thread(target=sweep) for _ in range(2)]
        for thread in chargers + sweepers:
            thread.start()
        for thread in chargers:
            thread.join()
        charging_done.set()
        for thread in sweepers:
            thread.join()

    # Round 1: 80 x 7.50 = 600 from 1000 -> crosses 500 once; the recharge ends at 1400.
    run_round(1, usd("7.50"))
    assert errors == []
    attempts, recharges, balance = count_books(engine, account_id)
    assert [a.status for a in attempts] == ["succeeded"] and len(recharges) == 1
    assert balance == usd(1400) and len(gateway.charges) == 1
    # Round 2: 80 x 12.50 = 1000 from 1400 -> crosses once more; again it ends at 1400.
    run_round(2, usd("12.50"))
    assert errors == []
    attempts, recharges, balance = count_books(engine, account_id)
    assert sorted(a.status for a in attempts) == ["succeeded", "succeeded"]
    by_crossing = sorted(attempts, key=lambda a: a.account_version)
    assert [r.idempotency_key for r in recharges] == [f"recharge:{a.id}" for a in by_crossing]
    assert balance == usd(1400) and len(gateway.charges) == 2


# --- separate processes ----------------------------------------------------------------------

PROCESSES, PER_PROCESS = 6, 20
AMOUNT = usd("5.00")  # 120 x 5 = 600 from 1000: one crossing, ends at 1400


def worker(url: str, account_id: int, worker_number: int) -> None:
    """One process: its own engine, ledger, gateway and recharger; charges on the signal."""
    engine = make_engine(url)
    clock = ManualClock(START)
    ledger = Ledger(engine, clock)
    recharger = Recharger(engine, clock, SimulatedGateway(clock), ledger=ledger)
    ledger.hooks.append(recharger.on_posting)
    with engine.connect():
        pass
    print("ready", flush=True)
    sys.stdin.readline()
    errors = []
    for step in range(PER_PROCESS):
        try:
            ledger.charge(account_id=account_id, amount=AMOUNT,
                          key=f"p{worker_number}-{step}", actor="import")
        except Exception as exc:  # reported to the test
            errors.append(f"{type(exc).__name__}: {exc}"[:300])
    engine.dispose()
    print(json.dumps(errors), flush=True)


def prove_processes(url: str) -> None:
    engine = make_engine(url)
    upgrade(engine)
    account_id = setup_account(engine, ManualClock(START))
    code = ("import sys; from tests.bot.test_recharge_concurrency import worker; "
            "worker(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))")
    processes = [subprocess.Popen(
        [sys.executable, "-c", code, url, str(account_id), str(number)], cwd=ROOT,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for number in range(PROCESSES)]
    try:
        for process in processes:
            assert process.stdout is not None
            line = process.stdout.readline().strip()
            assert line == "ready", (line, process.stderr.read() if process.stderr else "")
        for process in processes:
            assert process.stdin is not None
            process.stdin.write("go\n")
            process.stdin.flush()
        outputs = [process.communicate(timeout=240) for process in processes]
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
    for process, (out, err) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, err
        assert json.loads(out.strip().splitlines()[-1]) == [], err
    try:
        attempts, recharges, balance = count_books(engine, account_id)
        with read_session(engine) as session:
            charges = session.exec(select(LedgerEntry).where(
                LedgerEntry.account_id == account_id, LedgerEntry.kind == "charge")).all()
    finally:
        engine.dispose()
    assert len(charges) == PROCESSES * PER_PROCESS
    assert [a.status for a in attempts] == ["succeeded"]
    assert [r.idempotency_key for r in recharges] == [f"recharge:{attempts[0].id}"]
    assert balance == usd(1000) - PROCESSES * PER_PROCESS * AMOUNT + RECHARGE


@pytest.mark.slow
def test_processes_charging_across_the_trigger_buy_one_recharge_on_sqlite(tmp_path):
    prove_processes(f"sqlite:///{tmp_path / 'race.db'}")


@pytest.mark.slow
@pytest.mark.postgres
def test_processes_charging_across_the_trigger_buy_one_recharge_on_postgres():
    with postgres_schema_url() as url:
        prove_processes(url)
