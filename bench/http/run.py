"""Throughput of the Slack request path: signed requests on /slack/events over loopback.

Each variant runs in its own uvicorn process (one worker, as `credits-bot serve` runs), with a
local Slack for the Web API in a third process, on a SQLite database seeded before the server
starts. This process
is the load generator, wrk-style: `--connections` keep-alive HTTP/1.1 connections on one asyncio
loop, each sending its next request as soon as the last answer is in, until `--requests` are
answered or `--seconds` have passed (whichever comes first). Requests are built and signed before
the clock starts. Variants:

- floor:         an ack-only Bolt app behind bot.runtime.server (dispatch in the pool, metrics).
- help:          the real app (bot.app.create_app on SQLite), `/credits help`.
- balance-<N>:   the real app, `/credits balance`, with N call records in the account
                 (1k, 20k, 200k): the cost of a balance against the account's calls.
- home-<N>:      the real app, an `app_home_opened` event (a new event id each), with N calls:
                 nothing is written inside the ack (an App Home answer is idempotent: no
                 event claim); the dashboard is read and published with `views.publish` to the
                 local Slack after it (on Bolt's lazy listener pool, on the same worker's
                 CPU).

Each variant runs `--rounds` times, the variants interleaved, so that other load on the machine
falls on every variant alike; the table shows the median round (by requests/s) and the best.

Usage: .venv/bin/python bench/http/run.py [-n 4000] [-c 32] [--seconds 20] [--rounds 3]
       [--variants floor,help,balance-1k,...] [--write]
With --write, the table replaces the "Slack request path" section of bench/RESULTS.md (other
sections are kept).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

SECRET = "bench-signing-secret"
TEAM = "T0BENCH"
USER = "U0BENCH"
SECTION = "## Slack request path"
CALLS = {"1k": 1_000, "20k": 20_000, "200k": 200_000}
VARIANTS = ("floor", "help", "balance-1k", "balance-20k", "balance-200k", "home-1k",
            "home-200k")


# -- the server side (run in a child process) ------------------------------------------------

def ack_only_app(api_url: str):  # type: ignore[no-untyped-def]
    from slack_bolt import App
    from slack_sdk import WebClient

    app = App(client=WebClient(token="xoxb-bench", base_url=api_url), signing_secret=SECRET,
              process_before_response=True, token_verification_enabled=False)

    @app.command("/credits")
    def ack_only(ack):  # type: ignore[no-untyped-def]
        ack()

    return app


def calls_in(variant: str) -> int:
    return CALLS.get(variant.rsplit("-", 1)[-1], 0) if "-" in variant else 0


def seed(database: str, calls: int) -> None:
    """A migrated database with the bench team's account, a deposit and `calls` calls spread
    over the last 30 days (imported as a CDR, so the rollup is what an import writes)."""
    from datetime import UTC, datetime, timedelta
    from decimal import Decimal

    from bot.accounts import Accounts
    from bot.clock import SystemClock
    from bot.ledger import Ledger
    from bot.money import Money
    from bot.rates.deck import RateDeck, RateRow
    from bot.usage.importer import import_usage
    from storage.db import make_engine
    from storage.migrate import upgrade

    engine = make_engine(database)
    upgrade(engine)
    clock = SystemClock()
    account = Accounts(engine, clock).ensure(TEAM, name="bench")
    ledger = Ledger(engine, clock)  # seeding the data: no alerts, no auto-recharge
    ledger.deposit(account_id=account.id, amount=Money(Decimal(50_000), account.currency),
                   key="seed", actor="bench")
    if calls:
        begin = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) \
            - timedelta(days=30)
        lines = ["call_id,user,start,duration_seconds,destination_number,direction"]
        for index in range(calls):
            start = begin + timedelta(days=index % 30, seconds=index * 7 % 86_400)
            lines.append(f"c{index},u{index % 200}@contoso.example,"
                         f"{start:%Y-%m-%dT%H:%M:%SZ},{30 + index % 600},+442075908301,"
                         "outbound")
        deck = RateDeck([RateRow(prefix="44", destination="United Kingdom", number_type="any",
                                 direction="outbound", rate_per_min=Decimal("0.03"),
                                 connection_fee=Decimal(0), initial_increment=60,
                                 recurring_increment=60, currency="USD",
                                 effective_from=begin.date() - timedelta(days=1))])
        import_usage(engine, clock, source=("\n".join(lines) + "\n").encode(), team_id=TEAM,
                     deck=deck, licensed_emails=(), ledger=ledger, name="bench.csv")
    engine.dispose()


def build_variant(variant: str, api_url: str, database: str) -> Any:
    """The ASGI app of a variant."""
    from bot.clock import SystemClock
    from bot.config import Settings
    from bot.payments import SimulatedGateway
    from bot.runtime.server import build_asgi, create_asgi
    from storage.db import make_engine

    engine = make_engine(database)
    if variant == "floor":
        return create_asgi(ack_only_app(api_url), engine=engine, signing_secret=SECRET)
    clock = SystemClock()
    settings = Settings(_env_file=None, slack_bot_token="xoxb-bench",  # type: ignore[call-arg]
                        slack_signing_secret=SECRET, slack_api_url=api_url,
                        database_url=database)
    return build_asgi(settings, engine=engine, clock=clock, gateway=SimulatedGateway(clock))


def serve(variant: str, port: int, api_url: str, database: str) -> None:
    import uvicorn

    seed(database, calls_in(variant))
    asgi = build_variant(variant, api_url, database)
    uvicorn.run(asgi, host="127.0.0.1", port=port, log_level="warning", access_log=False)


# -- the load side ---------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _signed(body: str, content_type: str) -> bytes:
    from slack_sdk.signature import SignatureVerifier

    timestamp = str(int(time.time()))
    signature = SignatureVerifier(SECRET).generate_signature(timestamp=timestamp, body=body)
    raw = body.encode()
    return (f"POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\n"
            f"X-Slack-Request-Timestamp: {timestamp}\r\nX-Slack-Signature: {signature}\r\n"
            f"Content-Length: {len(raw)}\r\n\r\n").encode() + raw


def requests_for(variant: str, count: int, response_url: str,
                 prefix: str = "Ev") -> list[bytes]:
    """The raw HTTP requests of a variant: one slash command again and again, or distinct
    App Home events (Slack never delivers one event id twice on purpose)."""
    from urllib.parse import urlencode

    if variant.startswith("home"):
        return [_signed(json.dumps({
            "token": "x", "team_id": TEAM, "api_app_id": "A1", "type": "event_callback",
            "event_id": f"{prefix}{index:08d}", "event_time": int(time.time()),
            "event": {"type": "app_home_opened", "user": USER, "channel": "D1", "tab": "home",
                      "event_ts": f"{time.time():.6f}"}}), "application/json")
            for index in range(count)]
    text = "help" if variant in ("floor", "help") else "balance"
    one = _signed(urlencode({
        "token": "x", "team_id": TEAM, "team_domain": "bench", "channel_id": "C1",
        "channel_name": "bench", "user_id": USER, "user_name": "bench", "command": "/credits",
        "text": text, "api_app_id": "A1", "response_url": response_url, "trigger_id": "1.2"}),
        "application/x-www-form-urlencoded")
    return [one] * count


async def _connection(port: int, requests: list[bytes], cursor: list[int], deadline: float,
                      latencies: list[float], errors: list[int]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while cursor[0] < len(requests) and time.perf_counter() < deadline:
            request = requests[cursor[0]]
            cursor[0] += 1
            start = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            if length:
                await reader.readexactly(length)
            latencies.append(time.perf_counter() - start)
            if not head.startswith(b"HTTP/1.1 200"):
                errors[0] += 1
    finally:
        writer.close()


def load(port: int, requests: list[bytes], *, connections: int,
         seconds: float) -> tuple[float, list[float], int]:
    """Send the requests over `connections` keep-alive connections; (seconds, latencies,
    errors)."""
    latencies: list[float] = []
    errors = [0]
    cursor = [0]

    async def run() -> float:
        start = time.perf_counter()
        await asyncio.gather(*(_connection(port, requests, cursor, start + seconds, latencies,
                                           errors) for _ in range(connections)))
        return time.perf_counter() - start

    return asyncio.run(run()), latencies, errors[0]


def local_slack() -> None:
    """The local Slack in a process of its own (so that its threads do not share the load
    generator's interpreter): prints its API and response URLs, serves until stdin closes."""
    from bot.console.local_slack import LocalSlack, SlackUser

    slack = LocalSlack(team_id=TEAM).start()
    slack.add_user(SlackUser(USER, "bench", email="bench@example.invalid"))
    print(slack.api_url, slack.response_url(), flush=True)
    sys.stdin.read()
    slack.stop()


def run_variant(variant: str, *, total: int, connections: int,
                seconds: float) -> dict[str, float]:
    import httpx

    slack = subprocess.Popen([sys.executable, __file__, "--local-slack"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True,
                             env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert slack.stdout is not None and slack.stdin is not None
    api_url, response_url = slack.stdout.readline().split()
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        database = f"sqlite:///{folder}/bench.db"
        child = subprocess.Popen(
            [sys.executable, __file__, "--serve", variant, "--port", str(port), "--api-url",
             api_url, "--database", database],
            env={**os.environ, "PYTHONPATH": str(ROOT)})
        try:
            deadline = time.monotonic() + 300
            while True:
                try:
                    httpx.get(f"http://127.0.0.1:{port}/healthz")
                    break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline or child.poll() is not None:
                    raise RuntimeError(f"{variant}: the server did not come up")
                time.sleep(0.2)
            # The warm-up's event ids differ: an id seen before is answered as a redelivery.
            warm = requests_for(variant, 300, response_url, prefix="Warm")
            load(port, warm, connections=connections, seconds=seconds)
            requests = requests_for(variant, total, response_url)
            elapsed, latencies, errors = load(port, requests, connections=connections,
                                              seconds=seconds)
        finally:
            child.terminate()
            child.wait(timeout=30)
            slack.stdin.close()
            slack.wait(timeout=30)
    cuts = statistics.quantiles(latencies, n=100)
    return {"requests": len(latencies), "seconds": elapsed, "rps": len(latencies) / elapsed,
            "errors": errors, "p50_ms": cuts[49] * 1000, "p99_ms": cuts[98] * 1000}


WHAT = {"floor": "ack-only Bolt app behind `bot.runtime.server` (thread pool, metrics)",
        "help": "the real app, `/credits help`"}


def describe(variant: str) -> str:
    if variant in WHAT:
        return WHAT[variant]
    calls = f"{calls_in(variant):,} calls in the account"
    if variant.startswith("balance"):
        return f"the real app, `/credits balance`, {calls}"
    return (f"the real app, App Home opened (the ack; read and `views.publish` after "
            f"it), {calls}")


def table(results: dict[str, dict[str, float]], *, connections: int, seconds: float,
          total: int, load_before: float) -> str:
    rounds = int(next(iter(results.values()))["rounds"])
    lines = [
        SECTION, "",
        f"`bench/http/run.py`: wrk-style load, {connections} keep-alive connections on one "
        f"asyncio loop, up to {total:,} signed requests or {seconds:g} s per variant and round "
        f"({rounds} rounds, interleaved) over loopback; one uvicorn worker (h11, no "
        "uvloop/httptools: the project's plain `uvicorn` dependency), SQLite seeded before the "
        f"server starts. Machine: {os.cpu_count()} CPU(s), Python {platform.python_version()}, "
        f"{platform.system()}; the load generator runs on the same CPUs, and the 1-minute load "
        f"average was {load_before:.1f} before the run and {os.getloadavg()[0]:.1f} after it "
        "(other work on the machine), so these are lower bounds of what one worker serves.", "",
        "| variant | what answers | requests/s (median) | best | of the floor | p50 ms | p99 ms "
        "| p99 / floor's | errors |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    floor = results.get("floor")
    for variant, result in results.items():
        share = f"{result['rps'] / floor['rps']:.0%}" if floor else "–"
        tail = f"{result['p99_ms'] / floor['p99_ms']:.1f}x" if floor else "–"
        lines.append(f"| {variant} | {describe(variant)} | {result['rps']:,.0f} | "
                     f"{result['best_rps']:,.0f} | {share} | {result['p50_ms']:.1f} | "
                     f"{result['p99_ms']:.1f} | {tail} | {int(result['errors'])} |")
    balances = [(calls_in(v), r) for v, r in results.items() if v.startswith("balance")]
    if len(balances) > 1:
        cost = ", ".join(f"{calls:,} calls {1000 / r['rps']:.2f} ms" for calls, r in balances)
        lines += ["", f"Time per balance answer (1 / requests/s) against the account's "
                  f"calls: {cost}."]
    lines += ["", "Targets (issue 12): `/credits balance` and App Home at ≥ 50% of the floor's "
              "requests/s with p99 ≤ 2x the floor's, in the same run; a balance's cost flat in "
              "the account's calls. The balance reads the account once, the spend rollup and "
              "about eight indexed rows in one Core transaction; a cached answer is checked "
              "with one probe of the account row on a pooled DBAPI cursor, shared by the "
              "askers of the same moment when it started after they asked (`bot/summary.py`). "
              "App Home's figure is its ack: the dashboard is read and published after it on "
              "the lazy pool, which this bench does not wait for."]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", "--requests", type=int, default=4000)
    parser.add_argument("-c", "--connections", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--write", action="store_true", help="update bench/RESULTS.md")
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--local-slack", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--api-url", help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port, args.api_url, args.database)
        return
    if args.local_slack:
        local_slack()
        return
    load_before = os.getloadavg()[0]
    variants = args.variants.split(",")
    rounds: dict[str, list[dict[str, float]]] = {variant: [] for variant in variants}
    for number in range(1, args.rounds + 1):
        for variant in variants:
            result = run_variant(variant, total=args.requests, connections=args.connections,
                                 seconds=args.seconds)
            rounds[variant].append(result)
            print(f"round {number}  {variant:13} {result['rps']:8,.0f} req/s  "
                  f"p50 {result['p50_ms']:6.1f} ms  p99 {result['p99_ms']:6.1f} ms  "
                  f"errors {int(result['errors'])}", flush=True)
    results = {}
    for variant, runs in rounds.items():
        ranked = sorted(runs, key=lambda r: r["rps"])
        median = ranked[len(ranked) // 2]
        results[variant] = {**median, "best_rps": ranked[-1]["rps"], "rounds": len(runs),
                            "errors": sum(r["errors"] for r in runs)}
    section = table(results, connections=args.connections, seconds=args.seconds,
                    total=args.requests, load_before=load_before)
    print()
    print(section)
    if args.write:
        from bench.results import write_section  # the repository root is on sys.path now

        write_section(SECTION, section)


if __name__ == "__main__":
    main()
