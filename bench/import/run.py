"""Throughput of the usage import: a million CDRs rated against 20,000 prefixes and charged.

The run generates its inputs in a temporary directory (`data.py`), then, on SQLite and on
PostgreSQL (TEST_DATABASE_URL or the local server, in a fresh schema):

- import: `bot.usage.importer.import_usage` on a fresh, migrated database with one account,
  timed from the file to the last commit (read, parse, rate, dedupe, ledger, insert), charged
  through a ledger without hooks: the importer's own work (the app's UsageImporter adds the
  alert and auto-recharge hooks, run once per batch);
- floor: the same rows (read back from the import's table) loaded into an equally indexed and
  constrained table of another fresh database with the fastest plain method: on SQLite one
  `executemany` in one transaction (the varying columns bound, the shared ones as literals, the
  same page cache as the import), on PostgreSQL one `COPY` of a prepared CSV.

Each measurement runs in a process of its own, so its peak memory (VmHWM) is its own. The
figures replace this benchmark's section of bench/RESULTS.md (other sections are kept) when the
run uses the full million rows, or with --write.

Usage: .venv/bin/python bench/import/run.py [--rows N] [--prefixes N] [--batch-size N]
                                            [--no-postgres] [--write | --no-write]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

SECTION = "## Usage import"
DEFAULT_ROWS = 1_000_000
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
TEAM = "T0BENCH"
TARGET_SECONDS = 8.0
TARGET_RATIO = 2.0


# -- measurements, each in a child process ---------------------------------------------------

def _peak_mb() -> float:
    """This process's peak resident memory (VmHWM: ru_maxrss would count the parent's, as
    Linux carries it across fork and exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure_import(url: str, data: Path, batch_size: int) -> dict[str, Any]:
    """Import the CDR file into a fresh database; return time, memory and what was charged."""
    from bot.accounts import Accounts
    from bot.clock import SystemClock
    from bot.ledger import Ledger, check_balances
    from bot.rates.deck import RateDeck
    from bot.rates.deck_file import load_deck_file
    from bot.usage.importer import import_usage
    from storage.db import make_engine, read_session
    from storage.migrate import upgrade

    engine = make_engine(url)
    upgrade(engine)
    clock = SystemClock()
    account = Accounts(engine, clock).ensure(TEAM, name="Bench")
    rows, errors = load_deck_file(data / "deck.csv")
    assert not errors, errors[:3]
    deck = RateDeck(rows)
    before = _peak_mb()
    load = os.getloadavg()[0]
    started = time.perf_counter()
    summary = import_usage(engine, clock, source=data / "cdr.csv", account_id=account.id,
                           deck=deck, licensed_emails=(), ledger=Ledger(engine, clock),
                           batch_size=batch_size)
    seconds = time.perf_counter() - started
    with read_session(engine) as session:
        _, mismatches = check_balances(session)
    engine.dispose()
    return {"seconds": seconds, "rows": summary.rows, "new_calls": summary.new_calls,
            "rejected": summary.rejected_count, "charged": str(summary.charged.amount),
            "batches": len(summary.entries), "ledger_ok": not mismatches,
            "peak_mb": _peak_mb(), "before_mb": before, "load": load}


def measure_floor(url: str, imported_url: str) -> dict[str, Any]:
    """Load the import's rows into a fresh, equally indexed table the fastest plain way."""
    from storage.db import make_engine
    from storage.migrate import upgrade

    source = make_engine(imported_url)
    target = make_engine(url)
    upgrade(target)
    columns, rows, parents = _imported_rows(source)
    source.dispose()
    if target.dialect.name == "sqlite":
        seconds = _sqlite_floor(target.url.database or "", columns, rows, parents)
    else:
        seconds = _postgres_floor(target, columns, rows, parents)
    target.dispose()
    return {"seconds": seconds, "rows": len(rows), "peak_mb": _peak_mb()}


def _imported_rows(engine: Any) -> tuple[list[str], list[tuple[Any, ...]], dict[str, Any]]:
    """The imported call records (columns that hold a value), and the rows they point at."""
    from sqlalchemy import text

    with engine.connect() as connection:
        names = [c for c in _CALL_COLUMNS if connection.execute(
            text(f"SELECT 1 FROM call_records WHERE {c} IS NOT NULL LIMIT 1")).first()]
        rows = [tuple(row) for row in connection.exec_driver_sql(
            f"SELECT {', '.join(names)} FROM call_records ORDER BY id")]
        parents = {name: [dict(r._mapping) for r in connection.execute(_table(name).select())]
                   for name in ("accounts", "ledger_entries")}
    return names, rows, parents


_CALL_COLUMNS = ("account_id", "record_key", "source", "call_id", "user_upn", "user_name",
                 "call_type", "direction", "destination_number", "destination_name", "country",
                 "start_at", "duration_seconds", "charge_micros", "provider_charge_micros",
                 "rated_micros", "currency", "licensed", "ledger_entry_id", "imported_at")


def _table(name: str) -> Any:
    from sqlmodel import SQLModel

    import storage.models  # noqa: F401  (declares the tables)

    return SQLModel.metadata.tables[name]


def _insert_parents(engine: Any, parents: dict[str, Any]) -> None:
    with engine.begin() as connection:
        for name in ("accounts", "ledger_entries"):
            if parents[name]:
                connection.execute(_table(name).insert(), parents[name])


def _sqlite_floor(path: str, columns: list[str], rows: list[tuple[Any, ...]],
                  parents: dict[str, Any]) -> float:
    from storage.db import make_engine

    engine = make_engine(f"sqlite:///{path}")
    _insert_parents(engine, parents)
    engine.dispose()
    # Values every row shares become literals, as the importer writes them.
    shared = {i for i, _ in enumerate(columns) if len({row[i] for row in rows[:1000]}) == 1
              and all(row[i] == rows[0][i] for row in rows)}
    varying = [i for i in range(len(columns)) if i not in shared]
    values = [("?" if i in varying else _literal(rows[0][i])) for i in range(len(columns))]
    statement = (f"INSERT INTO call_records ({', '.join(columns)}) "
                 f"VALUES ({', '.join(values)})")
    tuples = [tuple(row[i] for i in varying) for row in rows]
    connection = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON",
                   "cache_size=-65536"):
        connection.execute(f"PRAGMA {pragma}")
    started = time.perf_counter()
    connection.execute("BEGIN IMMEDIATE")
    connection.executemany(statement, tuples)
    connection.execute("COMMIT")
    seconds = time.perf_counter() - started
    connection.close()
    return seconds


def _literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def _postgres_floor(engine: Any, columns: list[str], rows: list[tuple[Any, ...]],
                    parents: dict[str, Any]) -> float:
    import csv
    import io

    _insert_parents(engine, parents)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow(["" if v is None else ("true" if v is True else "false" if v is False
                                               else v) for v in row])
    payload = buffer.getvalue()
    raw = engine.raw_connection()
    try:
        connection = raw.driver_connection
        started = time.perf_counter()
        with connection.cursor() as cursor, cursor.copy(
                f"COPY call_records ({', '.join(columns)}) FROM STDIN (FORMAT csv)") as copy:
            copy.write(payload)
        connection.commit()
        seconds = time.perf_counter() - started
    finally:
        raw.close()
    return seconds


# -- orchestration ---------------------------------------------------------------------------

def _load_sibling(name: str) -> Any:
    """A helper module next to this script (bench/ is no package: it runs as a script)."""
    spec = importlib.util.spec_from_file_location(f"bench_import_{name}",
                                                  Path(__file__).with_name(f"{name}.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def child(kind: str, **arguments: Any) -> dict[str, Any]:
    """Run one measurement in a fresh interpreter and return what it printed (JSON)."""
    command = [sys.executable, __file__, "--child", kind, "--arguments", json.dumps(arguments)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{kind} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def postgres_schema(base: str) -> tuple[str, Any]:
    """A fresh schema on the PostgreSQL server, and a function that drops it."""
    from sqlalchemy import create_engine, text

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in base else "?"

    def drop() -> None:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    return f"{base}{separator}options=-csearch_path%3D{schema}", drop


def run_engine(name: str, data: Path, batch_size: int) -> dict[str, Any]:
    if name == "SQLite":
        imported = f"sqlite:///{data / 'import.db'}"
        floor_url = f"sqlite:///{data / 'floor.db'}"
        result = child("import", url=imported, data=str(data), batch_size=batch_size)
        floor = child("floor", url=floor_url, imported_url=imported)
        return {"import": result, "floor": floor}
    base = os.environ.get("TEST_DATABASE_URL", DEFAULT_PG)
    imported, drop_imported = postgres_schema(base)
    floor_url, drop_floor = postgres_schema(base)
    try:
        result = child("import", url=imported, data=str(data), batch_size=batch_size)
        floor = child("floor", url=floor_url, imported_url=imported)
    finally:
        drop_imported()
        drop_floor()
    return {"import": result, "floor": floor}


def table(results: dict[str, dict[str, Any]], *, rows: int, prefixes: int, batch_size: int,
          generate_seconds: float) -> str:
    import polars as pl

    lines = [
        SECTION, "",
        f"`bench/import/run.py`: {rows:,} CDR rows rated against a {prefixes:,}-prefix deck "
        f"(1 prefix in 20 with a second, dated rate) and charged in batches of "
        f"{batch_size:,} (one ledger entry per batch), on a fresh database per engine. "
        "Import = `import_usage` from the file to the last commit. Floor = the same rows "
        "loaded into an equally indexed table of a fresh database with the fastest plain "
        "method (SQLite: one `executemany` in one transaction; PostgreSQL: one `COPY`). "
        "Peak memory is the import process's peak resident set (VmHWM), and in brackets "
        "what it was just before the import (interpreter, polars, SQLAlchemy, the deck); "
        "load avg is the machine's 1-minute load when the import started (other work on "
        f"the same 2 CPUs slows both import and floor). Machine: {os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}, "
        f"polars {pl.__version__}, SQLite {sqlite3.sqlite_version}. Input generated in "
        f"{generate_seconds:.1f} s (not timed).", "",
        "| engine | import s | rows/s | floor s | floor rows/s | import / floor | "
        "peak MB (at start) | rejected | ledger check | load avg |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    for engine, result in results.items():
        imported, floor = result["import"], result["floor"]
        rate = imported["rows"] / imported["seconds"]
        lines.append(
            f"| {engine} | {imported['seconds']:.2f} | {rate:,.0f}"
            f" | {floor['seconds']:.2f} | {floor['rows'] / floor['seconds']:,.0f} | "
            f"{imported['seconds'] / floor['seconds']:.2f}x | {imported['peak_mb']:.0f} "
            f"({imported['before_mb']:.0f}) | {imported['rejected']} | "
            f"{'ok' if imported['ledger_ok'] else 'MISMATCH'} | {imported['load']:.1f} |")
    sqlite = results.get("SQLite")
    if sqlite and rows == DEFAULT_ROWS:
        seconds = sqlite["import"]["seconds"]
        ratio = seconds / sqlite["floor"]["seconds"]
        verdict = [
            f"under {TARGET_SECONDS:.0f} s: {'met' if seconds < TARGET_SECONDS else 'MISSED'}",
            f"within {TARGET_RATIO:.0f}x of the floor: "
            f"{'met' if ratio <= TARGET_RATIO else 'MISSED'}"]
        lines += ["", "SQLite targets (1M rows): " + "; ".join(verdict) + "."]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS)
    parser.add_argument("--prefixes", type=int, default=20_000)
    parser.add_argument("--batch-size", type=int, default=50_000)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--write", action="store_true", default=None,
                        help="update bench/RESULTS.md (the default for a full run)")
    parser.add_argument("--no-write", dest="write", action="store_false")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--arguments", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        work = {"import": measure_import, "floor": measure_floor}[args.child]
        arguments = json.loads(args.arguments)
        if "data" in arguments:
            arguments["data"] = Path(arguments["data"])
        print(json.dumps(work(**arguments)))
        return

    data_module = _load_sibling("data")
    write_cdr, write_deck = data_module.write_cdr, data_module.write_deck
    with tempfile.TemporaryDirectory(prefix="bench-import-") as directory:
        data = Path(directory)
        started = time.perf_counter()
        write_cdr(data / "cdr.csv", args.rows)
        write_deck(data / "deck.csv", args.prefixes)
        generated = time.perf_counter() - started
        print(f"generated {args.rows:,} CDRs and {args.prefixes:,} prefixes in "
              f"{generated:.1f} s", flush=True)
        results = {}
        for engine in ("SQLite",) + (() if args.no_postgres else ("PostgreSQL",)):
            results[engine] = run_engine(engine, data, args.batch_size)
            imported, floor = results[engine]["import"], results[engine]["floor"]
            print(f"{engine:10} import {imported['seconds']:6.2f} s "
                  f"({imported['rows'] / imported['seconds']:9,.0f} rows/s)  floor "
                  f"{floor['seconds']:6.2f} s  ratio {imported['seconds'] / floor['seconds']:.2f}x"
                  f"  peak {imported['peak_mb']:.0f} MB  rejected {imported['rejected']}",
                  flush=True)
    section = table(results, rows=args.rows, prefixes=args.prefixes,
                    batch_size=args.batch_size, generate_seconds=generated)
    print()
    print(section)
    write = args.write if args.write is not None else args.rows == DEFAULT_ROWS
    if write:
        from bench.results import write_section  # the repository root is on sys.path now

        write_section(SECTION, section)


if __name__ == "__main__":
    main()
