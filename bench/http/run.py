"""Throughput of the Slack request path: signed requests on /slack/events over loopback.

Each variant runs in its own uvicorn process (one worker, as `credits-bot serve` runs), with a
local Slack for the Web API; this process sends N signed requests from a pool of threads with
keep-alive connections and times them. Variants:

- floor-stock:   Bolt app that only acks, behind slack_bolt's stock Starlette adapter
                 (`SlackRequestHandler.handle`: dispatch on the event loop).
- floor:         the same ack-only app behind bot.server (dispatch in the thread pool, metrics).
- help:          the real app (bot.app.create_app on SQLite), `/credits help`.
- balance:       the real app, `/credits balance` (reads the account and the summary).

The lazy listener of `/credits` is registered only for its slow subcommands (export, report):
Bolt deep-copies a request and starts a thread for a lazy listener, and when every command paid
for that, `/credits help` dispatched at 25% of the floor (the first run of this benchmark).

Each variant runs `--rounds` times, the variants interleaved, so that other load on the machine
falls on every variant alike; the table shows the median round (by requests/s) and the best.

Usage: .venv/bin/python bench/http/run.py [-n 2000] [-c 16] [--rounds 3] [--write]
With --write, the table replaces the "Slack request path" section of bench/RESULTS.md (other
sections are kept).
"""

from __future__ import annotations

import argparse
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

SECRET = "bench-signing-secret"
TEAM = "T0BENCH"
USER = "U0BENCH"
SECTION = "## Slack request path"
VARIANTS = {"floor-stock": "help", "floor": "help", "help": "help", "balance": "balance"}


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


def build_variant(variant: str, api_url: str, database: str) -> tuple[Any, Any]:
    """The ASGI app of a variant and the Bolt app inside it."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.routing import Route

    from bot.clock import SystemClock
    from bot.config import Settings
    from bot.payments import SimulatedGateway
    from bot.server import build_asgi, create_asgi
    from storage.db import make_engine

    engine = make_engine(database)
    if variant == "floor-stock":
        from slack_bolt.adapter.starlette import SlackRequestHandler

        bolt = ack_only_app(api_url)
        handler = SlackRequestHandler(bolt)

        async def events(request: Request):  # type: ignore[no-untyped-def]
            return await handler.handle(request)

        return Starlette(routes=[Route("/slack/events", events, methods=["POST"])]), bolt
    if variant == "floor":
        bolt = ack_only_app(api_url)
        return create_asgi(bolt, engine=engine, signing_secret=SECRET), bolt
    clock = SystemClock()
    settings = Settings(_env_file=None, slack_bot_token="xoxb-bench",  # type: ignore[call-arg]
                        slack_signing_secret=SECRET, slack_api_url=api_url,
                        database_url=database)
    asgi = build_asgi(settings, engine=engine, clock=clock, gateway=SimulatedGateway(clock))
    return asgi, asgi.state.bolt


def serve(variant: str, port: int, api_url: str, database: str) -> None:
    import uvicorn

    asgi, _ = build_variant(variant, api_url, database)
    uvicorn.run(asgi, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def dispatch_rate(variant: str, api_url: str, body: bytes, headers: dict[str, str],
                  total: int) -> float:
    """Requests/s of the Bolt app's dispatch alone (no HTTP), on one thread."""
    from slack_bolt import BoltRequest

    with tempfile.TemporaryDirectory() as folder:
        _, bolt = build_variant(variant, api_url, f"sqlite:///{folder}/dispatch.db")
        text = body.decode()
        for _ in range(min(200, total)):
            bolt.dispatch(BoltRequest(body=text, headers=dict(headers)))
        start = time.perf_counter()
        for _ in range(total):
            bolt.dispatch(BoltRequest(body=text, headers=dict(headers)))
        seconds = time.perf_counter() - start
        bolt.listener_runner.listener_executor.shutdown(wait=True)
    return total / seconds


# -- the load side ---------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def signed_command(text: str, response_url: str) -> tuple[bytes, dict[str, str]]:
    from urllib.parse import urlencode

    from slack_sdk.signature import SignatureVerifier

    body = urlencode({"token": "x", "team_id": TEAM, "team_domain": "bench", "channel_id": "C1",
                      "channel_name": "bench", "user_id": USER, "user_name": "bench",
                      "command": "/credits", "text": text, "api_app_id": "A1",
                      "response_url": response_url, "trigger_id": "1.2"})
    timestamp = str(int(time.time()))
    signature = SignatureVerifier(SECRET).generate_signature(timestamp=timestamp, body=body)
    return body.encode(), {"content-type": "application/x-www-form-urlencoded",
                           "x-slack-request-timestamp": timestamp,
                           "x-slack-signature": str(signature)}


def load(url: str, body: bytes, headers: dict[str, str], *, total: int,
         concurrency: int) -> tuple[float, list[float], int]:
    """Send `total` requests from `concurrency` threads; return (seconds, latencies, errors)."""
    import httpx

    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    counter = iter(range(total))

    def worker() -> None:
        mine: list[float] = []
        with httpx.Client(timeout=30) as client:
            while True:
                with lock:
                    if next(counter, None) is None:
                        break
                start = time.perf_counter()
                response = client.post(url, content=body, headers=headers)
                mine.append(time.perf_counter() - start)
                if response.status_code != 200:
                    with lock:
                        errors[0] += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - start, latencies, errors[0]


def run_variant(variant: str, *, total: int, concurrency: int) -> dict[str, float]:
    import httpx

    from bot.local_slack import LocalSlack, SlackUser

    slack = LocalSlack(team_id=TEAM).start()
    slack.add_user(SlackUser(USER, "bench", email="bench@example.invalid"))
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        database = f"sqlite:///{folder}/bench.db"
        child = subprocess.Popen(
            [sys.executable, __file__, "--serve", variant, "--port", str(port), "--api-url",
             slack.api_url, "--database", database],
            env={**os.environ, "PYTHONPATH": str(ROOT)})
        try:
            url = f"http://127.0.0.1:{port}/slack/events"
            body, headers = signed_command(VARIANTS[variant], slack.response_url())
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.post(url, content=body, headers=headers).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline or child.poll() is not None:
                    raise RuntimeError(f"{variant}: the server did not come up")
                time.sleep(0.1)
            load(url, body, headers, total=min(200, total), concurrency=concurrency)  # warm up
            seconds, latencies, errors = load(url, body, headers, total=total,
                                              concurrency=concurrency)
            in_process = dispatch_rate(variant, slack.api_url, body, headers, total)
        finally:
            child.terminate()
            child.wait(timeout=30)
            slack.stop()
    cuts = statistics.quantiles(latencies, n=100)
    return {"requests": total, "seconds": seconds, "rps": total / seconds, "errors": errors,
            "p50_ms": cuts[49] * 1000, "p99_ms": cuts[98] * 1000, "dispatch_rps": in_process}


def table(results: dict[str, dict[str, float]], *, concurrency: int,
          load_before: float) -> str:
    lines = [
        SECTION, "",
        f"`bench/http/run.py`: {int(next(iter(results.values()))['requests'])} signed slash "
        f"commands per variant and round ({int(next(iter(results.values()))['rounds'])} rounds, "
        f"interleaved) over loopback, {concurrency} client threads with keep-alive, "
        "one uvicorn worker (h11, no uvloop/httptools: the project's plain `uvicorn` "
        f"dependency), SQLite. Machine: {os.cpu_count()} CPU(s), Python "
        f"{platform.python_version()}, {platform.system()}; the load generator runs on the same "
        f"CPUs, and the 1-minute load average was {load_before:.1f} before the run and "
        f"{os.getloadavg()[0]:.1f} after it (other work on the machine), so these are lower "
        "bounds of what one worker serves.", "",
        "| variant | what answers | HTTP requests/s (median) | best | p50 ms | p99 ms | errors "
        "| dispatch only, requests/s |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    what = {"floor-stock": "ack-only Bolt app, stock `SlackRequestHandler` (dispatch on the "
                           "event loop)",
            "floor": "ack-only Bolt app behind `bot.server` (thread pool, metrics)",
            "help": "the real app, `/credits help`",
            "balance": "the real app, `/credits balance` (account and summary from SQLite)"}
    for variant, result in results.items():
        lines.append(f"| {variant} | {what[variant]} | {result['rps']:,.0f} | "
                     f"{result['best_rps']:,.0f} | {result['p50_ms']:.1f} | "
                     f"{result['p99_ms']:.1f} | {int(result['errors'])} | "
                     f"{result['dispatch_rps']:,.0f} |")
    floor, helped = results.get("floor"), results.get("help")
    if floor and helped:
        lines += ["", f"Over HTTP `/credits help` runs at {helped['rps'] / floor['rps']:.0%} of "
                  "the ack-only floor on the same server path; in `App.dispatch` alone (the last "
                  "column: one thread, no HTTP, the median round's own measurement) at "
                  f"{helped['dispatch_rps'] / floor['dispatch_rps']:.0%}."]
    if floor and helped:
        lines += ["", "The lazy listener of `/credits` serves only its slow subcommands (export, "
                  "report): when every command went through it, Bolt's per-request deep copy "
                  "and thread held `/credits help` to 25% of the floor in dispatch. `balance` "
                  "reads the account, the ledger and the 30-day forecast (about 8 queries)."]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", "--requests", type=int, default=2000)
    parser.add_argument("-c", "--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--write", action="store_true", help="update bench/RESULTS.md")
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--api-url", help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port, args.api_url, args.database)
        return
    load_before = os.getloadavg()[0]
    variants = args.variants.split(",")
    rounds: dict[str, list[dict[str, float]]] = {variant: [] for variant in variants}
    for number in range(1, args.rounds + 1):
        for variant in variants:
            result = run_variant(variant, total=args.requests, concurrency=args.concurrency)
            rounds[variant].append(result)
            print(f"round {number}  {variant:12} {result['rps']:8,.0f} req/s  "
                  f"p50 {result['p50_ms']:6.1f} ms  p99 {result['p99_ms']:6.1f} ms  "
                  f"errors {int(result['errors'])}  dispatch {result['dispatch_rps']:8,.0f}/s",
                  flush=True)
    results = {}
    for variant, runs in rounds.items():
        ranked = sorted(runs, key=lambda r: r["rps"])
        median = ranked[len(ranked) // 2]
        results[variant] = {**median, "best_rps": ranked[-1]["rps"], "rounds": len(runs),
                            "errors": sum(r["errors"] for r in runs)}
    section = table(results, concurrency=args.concurrency, load_before=load_before)
    print()
    print(section)
    if args.write:
        from bench.results import write_section  # the repository root is on sys.path now

        write_section(SECTION, section)


if __name__ == "__main__":
    main()
