"""One process of the ledger concurrency test: random money changes on one shared account.

Run as `python -m tests.bot.ledger_worker URL ACCOUNT_ID WORKER OPS SEED OUT`. The worker builds its
own engine, prints `ready`, waits for a line on standard input (so that all workers start
together), applies its operations through `bot.ledger.Ledger` and writes what it tried, and what
came back, to OUT as JSON. An operation that raises is recorded with its error and the worker
goes on, so that a broken lock shows every way it breaks.
"""

from __future__ import annotations

import json
import random
import sys
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from decimal import Decimal

from bot.clock import ManualClock
from bot.ledger import Ledger
from bot.money import Money
from storage.db import make_engine

SHARED_KEYS = 100
START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Operation:
    key: str
    kind: str  # deposit | charge
    amount: str  # positive, in US dollars (the account's currency), as typed to the ledger


def shared_operation(index: int) -> Operation:
    """The change behind `shared-<index>`: the same in every process, so the key can race."""
    if index % 2 == 0:
        return Operation(f"shared-{index}", "deposit", str(Decimal(1000 + index * 173).scaleb(-2)))
    return Operation(f"shared-{index}", "charge", str(Decimal(index * 7919 % 1_900_000 + 1)
                                                      .scaleb(-4)))


def signed(operation: Operation) -> Decimal:
    """What the operation does to the balance when it applies."""
    amount = Decimal(operation.amount)
    return amount if operation.kind == "deposit" else -amount


def plan(worker: int, count: int, seed: int) -> list[Operation]:
    """The worker's operations: its own deposits and charges, shared keys, and repeats."""
    rng = random.Random(seed * 1_000 + worker)
    operations: list[Operation] = []
    own: list[Operation] = []
    for number in range(count):
        roll = rng.random()
        if roll < 0.15 and own:
            operations.append(rng.choice(own))  # a retry of one of its own earlier changes
        elif roll < 0.35:
            operations.append(shared_operation(rng.randrange(SHARED_KEYS)))
        elif roll < 0.67:
            made = Operation(f"w{worker}-{number}", "deposit",
                             str(Decimal(rng.randint(100, 20_000)).scaleb(-2)))
            own.append(made)
            operations.append(made)
        else:
            made = Operation(f"w{worker}-{number}", "charge",
                             str(Decimal(rng.randint(1, 1_950_000)).scaleb(-4)))
            own.append(made)
            operations.append(made)
    return operations


def run(url: str, account_id: int, operations: list[Operation], wait: bool) -> list[dict]:
    """Apply the operations; return one record per operation."""
    engine = make_engine(url)
    ledger = Ledger(engine, ManualClock(START))
    with engine.connect():
        pass  # connect (and pay the import and connection costs) before the start signal
    if wait:
        print("ready", flush=True)
        sys.stdin.readline()
    results = []
    for operation in operations:
        record: dict = {**asdict(operation), "applied": None, "entry_id": None,
                        "balance_after": None, "error": None}
        try:
            change = ledger.deposit if operation.kind == "deposit" else ledger.charge
            posting = change(account_id=account_id, amount=Money(Decimal(operation.amount), "USD"),
                             key=operation.key, actor="worker")
            record.update(applied=posting.applied, entry_id=posting.entry_id,
                          balance_after=str(posting.balance_after.amount))
        except Exception as exc:  # recorded, so a broken lock shows all its failures
            record["error"] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
        results.append(record)
    engine.dispose()
    return results


def main(argv: list[str]) -> int:
    url, account_id, worker, count, seed, out = argv
    results = run(url, int(account_id), plan(int(worker), int(count), int(seed)), wait=True)
    with open(out, "w") as handle:
        json.dump(results, handle)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
