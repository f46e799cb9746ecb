"""Ack time of slow `/credits` subcommands over HTTP, against an ack-only floor (same run).

Slack gives up on an ack after 3 seconds; the target is under 300 ms. Two servers, each a
uvicorn process like `credits-bot serve` (the HTTP runner's `bench/http/run.py` helpers):

- floor:   the ack-only Bolt app behind `bot.runtime.server` (`/credits help`);
- real:    the real app on SQLite, with the card simulation answering after 4 seconds
           (CREDITS_GATEWAY_LATENCY_SECONDS=4) and a local Slack whose `users.info` takes 100 ms.

Measured: `/credits deposit 100` (the payment runs after the ack) and `/credits license assign`
with 50 mentions (50 `users.info` look-ups after the ack), each `-n` times one after another,
with the time from sending the signed request to the ack's last byte.

Usage: .venv/bin/python bench/ack/run.py [-n 20] [--write]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.http import run as http  # noqa: E402  (the repository root is on sys.path now)

SECTION = "## Ack time of slow subcommands"
GATEWAY_SECONDS = 4.0
USERS_INFO_SECONDS = 0.1
MENTIONS = 50
TARGET_MS = 300


def serve(variant: str, port: int, api_url: str, database: str) -> None:
    import uvicorn

    from bot.clock import SystemClock
    from bot.config import Settings
    from bot.runtime.server import build_asgi, create_asgi
    from storage.db import make_engine

    engine = make_engine(database)
    if variant == "floor":
        asgi: Any = create_asgi(http.ack_only_app(api_url), engine=engine)
    else:
        settings = Settings(_env_file=None, slack_bot_token="xoxb-bench",  # type: ignore[call-arg]
                            slack_signing_secret=http.SECRET, slack_api_url=api_url,
                            database_url=database, credits_admins=(http.USER,),
                            credits_gateway_latency_seconds=GATEWAY_SECONDS)
        asgi = build_asgi(settings, engine=engine, clock=SystemClock(), gateway=None)
    uvicorn.run(asgi, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def prepare(database: str) -> None:
    """A migrated database with the bench team's account and a card on file."""
    from bot.accounts import Accounts
    from bot.clock import SystemClock
    from storage.db import make_engine
    from storage.migrate import upgrade

    engine = make_engine(database)
    upgrade(engine)
    accounts = Accounts(engine, SystemClock())
    accounts.ensure(http.TEAM, name="Bench")
    accounts.set_card(http.TEAM, brand="visa", last4="4242", exp_month=12, exp_year=2030)
    engine.dispose()


def signed(text: str, response_url: str, trigger_id: str) -> tuple[bytes, dict[str, str]]:
    """A signed slash command with its own trigger_id (a new request, not Slack's retry)."""
    from urllib.parse import urlencode

    from slack_sdk.signature import SignatureVerifier

    body = urlencode({"token": "x", "team_id": http.TEAM, "channel_id": "C1",
                      "user_id": http.USER, "user_name": "bench", "command": "/credits",
                      "text": text, "api_app_id": "A1", "response_url": response_url,
                      "trigger_id": trigger_id})
    timestamp = str(int(time.time()))
    signature = SignatureVerifier(http.SECRET).generate_signature(timestamp=timestamp,
                                                                  body=body)
    return body.encode(), {"content-type": "application/x-www-form-urlencoded",
                           "x-slack-request-timestamp": timestamp,
                           "x-slack-signature": str(signature)}


def ack_times(url: str, text: str, response_url: str, count: int) -> list[float]:
    import httpx

    times: list[float] = []
    with httpx.Client(timeout=30) as client:
        for number in range(count + 1):
            body, headers = signed(text, response_url, f"{number}.{time.time_ns()}")
            started = time.perf_counter()
            response = client.post(url, content=body, headers=headers)
            elapsed = time.perf_counter() - started
            if response.status_code != 200:
                raise RuntimeError(f"{text[:30]}: {response.status_code} {response.text[:200]}")
            if number:  # the first one warms caches (the admin's profile, auth.test)
                times.append(elapsed)
    said = response.text
    print(f"{text[:24]!r}: the ack said {said[:100]!r}", flush=True)
    return times


def start(variant: str, slack_url: str, database: str) -> tuple[subprocess.Popen[bytes], str]:
    import httpx

    port = http.free_port()
    child = subprocess.Popen(
        [sys.executable, __file__, "--serve", variant, "--port", str(port), "--api-url",
         slack_url, "--database", database], env={**os.environ, "PYTHONPATH": str(ROOT)})
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                return child, base + "/slack/events"
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline or child.poll() is not None:
            raise RuntimeError(f"{variant}: the server did not come up")
        time.sleep(0.1)


def measure(count: int) -> dict[str, list[float]]:
    from bot.console.local_slack import LocalSlack, SlackCall, SlackUser

    slack = LocalSlack(team_id=http.TEAM).start()
    slack.add_user(SlackUser(http.USER, "bench", email="bench@example.invalid"))
    users = [f"U{n:07d}" for n in range(MENTIONS)]
    for user in users:
        slack.add_user(SlackUser(user, f"u{user}", email=f"{user}@example.invalid"))

    def slow_users_info(call: SlackCall) -> None:
        if call.method == "users.info":
            time.sleep(USERS_INFO_SECONDS)

    slack.on_call = slow_users_info
    mentions = " ".join(f"<@{user}>" for user in users)
    results: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as folder:
        database = f"sqlite:///{folder}/ack.db"
        prepare(database)
        for variant, commands in (("floor", {"floor": "help"}),
                                  ("real", {"deposit": "deposit 100",
                                            "license": f"license assign {mentions}"})):
            child, url = start(variant, slack.api_url, database)
            try:
                for name, text in commands.items():
                    results[name] = ack_times(url, text, slack.response_url(), count)
            finally:
                child.terminate()
                child.wait(timeout=60)
    slack.stop()
    return results


def table(results: dict[str, list[float]]) -> str:
    floor = statistics.median(results["floor"])
    lines = [
        SECTION, "",
        f"`bench/ack/run.py`: {len(results['floor'])} signed requests per command, one after "
        "another, over loopback to one uvicorn worker (SQLite); the card simulation answers "
        f"after {GATEWAY_SECONDS:.0f} s and the local Slack's `users.info` takes "
        f"{USERS_INFO_SECONDS * 1000:.0f} ms. Machine: {os.cpu_count()} CPU(s), 1-minute load "
        f"average {os.getloadavg()[0]:.1f} after the run. Target: under {TARGET_MS} ms.", "",
        "| command | before (issue 9) | ack median ms | ack max ms | x floor (median) | target |",
        "|---|---:|---:|---:|---:|---|",
    ]
    before = {"floor": "—", "deposit": "4,000+", "license": "5,300"}
    what = {"floor": "ack-only app, `/credits help` (the floor)",
            "deposit": "`/credits deposit 100`, 4 s gateway",
            "license": f"`/credits license assign` with {MENTIONS} mentions"}
    for name, times in results.items():
        median = statistics.median(times)
        met = "met" if max(times) * 1000 < TARGET_MS else "NOT met"
        lines.append(f"| {what[name]} | {before[name]} | {median * 1000:.1f} | "
                     f"{max(times) * 1000:.1f} | {median / floor:.1f} | "
                     f"{met if name != 'floor' else '—'} |")
    lines += ["", "The payment and the look-ups run in Bolt lazy listeners after the ack and "
              "answer through `respond`; the ack checks the rules, writes the payment attempt "
              "and says what happens next."]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", "--requests", type=int, default=20)
    parser.add_argument("--write", action="store_true", help="update bench/RESULTS.md")
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--api-url", help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port, args.api_url, args.database)
        return
    section = table(measure(args.requests))
    print(section)
    if args.write:
        from bench.results import write_section

        write_section(SECTION, section)


if __name__ == "__main__":
    main()
