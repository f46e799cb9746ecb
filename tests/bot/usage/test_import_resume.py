"""An import killed half way and resumed, or run twice at once, charges each call exactly once.

The imports run in separate processes (`python -m tests.bot.usage.test_import_resume URL FILE
DECK BATCH`): one kills itself with SIGKILL from its progress callback after IMPORT_KILL_AFTER
batches (no clean-up runs, as when a server dies), another waits for a start signal on standard
input so that two race.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot.accounts import Accounts
from bot.clock import ManualClock
from bot.ledger import Ledger, check_balances
from bot.money import Money
from bot.rates.deck import RateDeck
from bot.rates.deck_file import load_deck_file
from bot.usage.importer import import_usage
from storage.db import make_engine, read_session
from storage.ledger import list_entries
from storage.migrate import upgrade
from tests import reads
from tests.factories import make_account, rollup_and_calls
from tests.samples import SAMPLES

ROOT = Path(__file__).resolve().parents[3]
ROWS = 2_400
BATCH = 300
START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
DECK = """\
prefix,destination,number_type,direction,rate_per_min,connection_fee,initial_increment,\
recurring_increment,currency,effective_from
+1,United States,any,outbound,0.0200,0.0000,60,60,USD,2026-01-01
+44,United Kingdom,landline,outbound,0.0300,0.0000,60,60,USD,2026-01-01
+447,United Kingdom,mobile,outbound,0.1200,0.0100,60,6,USD,2026-01-01
+49,Germany,landline,outbound,0.0220,0.0000,60,6,USD,2026-01-01
+4915,Germany,mobile,outbound,0.1500,0.0000,1,1,USD,2026-01-01
+55,Brazil,any,outbound,0.0900,0.0000,30,6,USD,2026-01-01
+91,India,any,outbound,0.1100,0.0000,60,60,USD,2026-01-01
+33,France,any,outbound,0.0250,0.0000,60,60,USD,2026-01-01
+81,Japan,any,outbound,0.0713,0.0000,1,1,USD,2026-01-01
"""


def write_inputs(directory: Path) -> tuple[Path, Path]:
    """A CDR file of ROWS calls to the sample's numbers, and the deck that prices them."""
    sample = (SAMPLES / "cdr.csv").read_text().splitlines()[1:]
    lines = ["call_id,user,start,duration_seconds,destination_number,direction"]
    for index in range(ROWS):
        _, user, start, _, number, direction = sample[index % len(sample)].split(",")
        lines.append(f"call-{index:05d},{user},{start},{(index * 37) % 900},{number},{direction}")
    cdr, deck = directory / "calls.csv", directory / "deck.csv"
    cdr.write_text("\n".join(lines) + "\n")
    deck.write_text(DECK)
    return cdr, deck


def url_of(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def start_worker(engine: Engine, cdr: Path, deck: Path, *, kill_after: int | None = None,
                 wait: bool = False) -> subprocess.Popen[str]:
    env = dict(os.environ)
    env.pop("IMPORT_KILL_AFTER", None)
    if kill_after is not None:
        env["IMPORT_KILL_AFTER"] = str(kill_after)
    if wait:
        env["IMPORT_WAIT"] = "1"
    return subprocess.Popen(
        [sys.executable, "-m", "tests.bot.usage.test_import_resume", url_of(engine), str(cdr),
         str(deck), str(BATCH)],
        cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)


def finish(process: subprocess.Popen[str]) -> dict[str, int | str]:
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err
    return json.loads(out.strip().splitlines()[-1])


def reference(tmp_path: Path, cdr: Path, deck: Path) -> dict[str, int]:
    """The same import, uninterrupted, into a fresh database: what every call should cost."""
    engine = make_engine(f"sqlite:///{tmp_path / 'reference.db'}")
    upgrade(engine)
    clock = ManualClock(START)
    account = make_account(engine, clock)
    summary = import_usage(engine, clock, source=cdr, team_id="T1",
                           deck=RateDeck(load_deck_file(deck)[0]), licensed_emails=(),
                           ledger=Ledger(engine, clock), batch_size=BATCH)
    assert summary.new_calls == ROWS and summary.ok
    with read_session(engine) as session:
        charges = {r.record_key: r.charge_micros
                   for r in reads.list_calls(session=session, account_id=account.id)}
    engine.dispose()
    return charges


def stored_charges(engine: Engine, account_id: int) -> dict[str, int]:
    with read_session(engine) as session:
        stored = reads.list_calls(session=session, account_id=account_id)
    charges = {record.record_key: record.charge_micros for record in stored}
    assert len(charges) == len(stored)  # every key once
    return charges


def assert_charged_once(engine: Engine, clock, account_id: int, expected: dict[str, int]):
    assert stored_charges(engine, account_id) == expected
    total = sum(expected.values())
    assert Accounts(engine, clock).get("T1").balance == -Money.from_micros(total, "USD")
    with read_session(engine) as session:
        entries = list_entries(session=session, account_id=account_id, kinds=["charge"])
        _, problems = check_balances(session)
    assert -sum(entry.amount_micros for entry in entries) == total
    assert problems == []
    rollup, from_calls = rollup_and_calls(engine, account_id)
    assert rollup == from_calls  # no batch's rollup is lost or doubled either


@pytest.mark.slow
def test_a_killed_import_resumed_charges_each_call_exactly_once(engine, clock, tmp_path):
    cdr, deck = write_inputs(tmp_path)
    expected = reference(tmp_path, cdr, deck)
    account = make_account(engine, clock)

    killed = start_worker(engine, cdr, deck, kill_after=2)
    killed.communicate(timeout=300)
    assert killed.returncode == -signal.SIGKILL
    assert len(stored_charges(engine, account.id)) == 2 * BATCH  # two batches committed

    resumed = finish(start_worker(engine, cdr, deck))
    assert resumed["new_calls"] == ROWS - 2 * BATCH
    assert resumed["duplicates"] == 2 * BATCH
    assert_charged_once(engine, clock, account.id, expected)


@pytest.mark.slow
def test_two_imports_of_the_same_file_at_once_charge_once(engine, clock, tmp_path):
    cdr, deck = write_inputs(tmp_path)
    expected = reference(tmp_path, cdr, deck)
    account = make_account(engine, clock)

    workers = [start_worker(engine, cdr, deck, wait=True) for _ in range(2)]
    for worker in workers:
        assert worker.stdout is not None and worker.stdout.readline().strip() == "ready"
    for worker in workers:
        assert worker.stdin is not None
        worker.stdin.write("go\n")
        worker.stdin.flush()
    summaries = [finish(worker) for worker in workers]
    assert sum(int(s["new_calls"]) for s in summaries) == ROWS
    assert all(int(s["new_calls"]) + int(s["duplicates"]) == ROWS for s in summaries)
    assert sum(int(s["charged_micros"]) for s in summaries) == sum(expected.values())
    assert_charged_once(engine, clock, account.id, expected)


def main(url: str, cdr: str, deck_file: str, batch: str) -> None:
    """One import process; see the module's docstring."""
    engine = make_engine(url)
    clock = ManualClock(START)
    kill_after = int(os.environ.get("IMPORT_KILL_AFTER", "0"))
    batches = 0

    def progress(done: int, total: int | None) -> None:
        nonlocal batches
        batches += 1
        if kill_after and batches >= kill_after:
            os.kill(os.getpid(), signal.SIGKILL)

    deck = RateDeck(load_deck_file(deck_file)[0])
    if os.environ.get("IMPORT_WAIT"):
        print("ready", flush=True)
        sys.stdin.readline()
    summary = import_usage(engine, clock, source=Path(cdr), team_id="T1", deck=deck,
                           licensed_emails=(), ledger=Ledger(engine, clock),
                           batch_size=int(batch), progress=progress)
    print(json.dumps({"new_calls": summary.new_calls, "duplicates": summary.duplicates,
                      "charged_micros": summary.charged.micros}), flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:5])
