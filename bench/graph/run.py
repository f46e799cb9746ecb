"""The Graph usage sync against the stand-in, with the file import of the same records as floor.

100,000 getPstnCalls records (tests/graph_standin.py's documented pstnCallLogRow shape) are
served by the local Graph stand-in over HTTPS in pages of 1,000 (100 pages, `@odata.nextLink`
followed); `UsageSync.run` reads them through msal's token, httpx and the importer, page by page
(one all-or-nothing batch each). The floor is the same composed importer (`UsageImporter.run`
of `bot.app.build_services`, as the sync's) on the same pages as Graph JSON files (one file is
capped at 16 MB), into another fresh database. The stand-in runs in a child process of its
own, as Graph would be elsewhere. Target: the sync within 1.5x of the floor.

Usage: .venv/bin/python bench/graph/run.py [--records N] [--page-size N] [--write | --no-write]
(RESULTS.md is written for the full 100,000 records, or with --write.)
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

SECTION = "## Graph usage sync"
DEFAULT_RECORDS = 100_000
TARGET_RATIO = 1.5
TEAM = "T0BENCH"
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def records(count: int) -> list[dict[str, Any]]:
    from tests.graph_standin import pstn_row

    start = NOW - timedelta(days=20)
    return [pstn_row(n, start + timedelta(seconds=15 * n), upn=f"user{n % 500}@contoso.example")
            for n in range(count)]


def serve(directory: str, count: int, page_size: int, ready: Any, stop: Any) -> None:
    """The stand-in in its own process: announce its settings, serve until told to stop."""
    from tests.graph_standin import GraphStandIn

    server = GraphStandIn(lambda: NOW, Path(directory), page_size=page_size).start()
    server.add_calls("getPstnCalls", records(count), available_at=NOW - timedelta(days=30))
    ready.put(server.settings())
    stop.wait()
    server.stop()


def fresh_database(directory: Path, name: str) -> tuple[Any, int]:
    from bot.clock import ManualClock
    from storage.db import make_engine
    from storage.migrate import upgrade
    from tests.factories import make_account

    engine = make_engine(f"sqlite:///{directory / name}")
    upgrade(engine)
    account = make_account(engine, ManualClock(NOW), team_id=TEAM, balance=Decimal(1_000_000))
    return engine, account.id


def composed(engine: Any, settings: dict[str, str]) -> Any:
    """The services as the app composes them, the Microsoft 365 connection on the stand-in."""
    from bot.app import build_services
    from bot.clock import ManualClock
    from bot.config import Settings

    config = Settings(_env_file=None, **{name.lower(): value  # type: ignore[call-arg]
                                         for name, value in settings.items()})
    return build_services(config, engine=engine, clock=ManualClock(NOW))


def measure_floor(directory: Path, settings: dict[str, str], count: int,
                  page_size: int) -> float:
    # One Graph JSON file per page, as an admin would send them (a file is capped at 16 MB).
    rows = records(count)
    files = []
    for number, first in enumerate(range(0, count, page_size)):
        file = directory / f"calls-{number:05d}.json"
        file.write_text(json.dumps({"value": rows[first:first + page_size]}))
        files.append(file)
    engine, account_id = fresh_database(directory, "floor.db")
    services = composed(engine, settings)
    began = time.perf_counter()
    new_calls = sum(services.usage_importer.run(file, account_id=account_id).new_calls
                    for file in files)
    took = time.perf_counter() - began
    assert new_calls == count, new_calls
    services.graph.close()
    engine.dispose()
    return took


def measure_sync(directory: Path, settings: dict[str, str], count: int) -> tuple[float, int]:
    engine, account_id = fresh_database(directory, "sync.db")
    graph = composed(engine, settings).graph
    assert graph.connected
    began = time.perf_counter()
    report = graph.sync.run(account_id)
    took = time.perf_counter() - began
    assert report.error is None and report.new_calls == count, report
    graph.close()
    engine.dispose()
    return took, report.pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=DEFAULT_RECORDS)
    parser.add_argument("--page-size", type=int, default=1000)
    parser.add_argument("--write", action=argparse.BooleanOptionalAction, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        directory = Path(temp)
        context = multiprocessing.get_context("spawn")
        ready, stop = context.Queue(), context.Event()
        server = context.Process(target=serve, args=(temp, args.records, args.page_size,
                                                     ready, stop))
        server.start()
        try:
            settings = ready.get(timeout=120)
            floor = measure_floor(directory, settings, args.records, args.page_size)
            sync, pages = measure_sync(directory, settings, args.records)
        finally:
            stop.set()
            server.join(30)
    ratio = sync / floor
    lines = [
        SECTION, "",
        f"{args.records:,} getPstnCalls records in {pages:,} pages of {args.page_size:,} "
        f"(the last page is the Direct Routing log's empty one), SQLite, "
        f"{platform.python_implementation()} {platform.python_version()}, "
        f"{multiprocessing.cpu_count()} CPUs. Run `.venv/bin/python bench/graph/run.py`.", "",
        "| measurement | seconds | records/s |", "|---|---|---|",
        f"| floor: the importer (`UsageImporter.run`) on the same pages as Graph JSON files "
        f"| {floor:.2f} | "
        f"{args.records / floor:,.0f} |",
        f"| sync from the stand-in over HTTPS (token, pages, importer) | {sync:.2f} | "
        f"{args.records / sync:,.0f} |", "",
        f"Sync / floor: **{ratio:.2f}x** (target within {TARGET_RATIO}x: "
        f"{'met' if ratio <= TARGET_RATIO else 'NOT met'}).", ""]
    section = "\n".join(lines)
    print(section)
    if args.write or (args.write is None and args.records == DEFAULT_RECORDS):
        from bench.results import write_section

        write_section(SECTION, section)


if __name__ == "__main__":
    main()
