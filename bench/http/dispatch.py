"""The Slack request path in process: the real app's `dispatch` timed without HTTP.

A quick, low-noise companion of `bench/http/run.py` (same seed, same requests, the local Slack
in a process of its own): each request is signed before the clock starts and dispatched
`-n` times in a row to `bot.app.create_app` on a seeded SQLite database (`floor`: run.py's
ack-only app); App Home waits for its work after the ack (the dashboard read and
`views.publish`) before the next request, so its time per request is the ack and the work
after it. Prints the wall time (and its ratio to the floor when `floor` runs first) and this
process's CPU time per request (the local Slack's CPU is not in it); `--threads 32`
dispatches from 32 threads at once, as the server's pool does.
`--profile` runs the loop under cProfile and prints the top functions by cumulative time.

Usage: .venv/bin/python bench/http/dispatch.py [-n 2000] [--variants floor,help,balance,home]
       [--calls 1000] [--threads 1] [--profile]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import subprocess
import sys
import tempfile
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.http import run as http  # noqa: E402  (the repository root is on sys.path now)


def bolt_request(raw: bytes) -> tuple[str, dict[str, str]]:
    """The body and headers of one of run.py's signed raw HTTP requests."""
    head, body = raw.split(b"\r\n\r\n", 1)
    headers: dict[str, str] = {}
    for line in head.decode().split("\r\n")[1:]:
        name, value = line.split(":", 1)
        headers[name.strip().lower()] = value.strip()
    return body.decode(), headers


class Lazy(ThreadPoolExecutor):
    """Bolt's lazy listener pool (5 threads, as Bolt's default), whose work can be waited for."""

    def __init__(self) -> None:
        super().__init__(max_workers=5)
        self.futures: list[Future[Any]] = []
        self.profile: cProfile.Profile | None = None  # profiles the lazy work when set

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        profile = self.profile
        if profile is not None:
            def profiled() -> Any:
                return profile.runcall(fn, *args, **kwargs)

            future = super().submit(profiled)
        else:
            future = super().submit(fn, *args, **kwargs)
        self.futures.append(future)
        return future

    def drain(self) -> None:
        futures, self.futures = self.futures, []
        for future in futures:
            future.result()


async def through_asgi(asgi: Any, batch: list[tuple[str, dict[str, str]]], *,
                       tasks: int) -> None:
    """Post the requests to the ASGI app from `tasks` concurrent tasks on this event loop."""
    import httpx

    cursor = iter(batch)
    transport = httpx.ASGITransport(app=asgi)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        async def worker() -> None:
            for body, headers in cursor:
                response = await client.post("/slack/events", content=body, headers=headers)
                assert response.status_code == 200, (response.status_code, response.text)

        await asyncio.gather(*(worker() for _ in range(tasks)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", "--requests", type=int, default=2000)
    parser.add_argument("--variants", default="floor,help,balance,home")
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--threads", type=int, default=1,
                        help="dispatch from this many threads at once (the server's pool)")
    parser.add_argument("--asgi", action="store_true",
                        help="through bot.runtime.server's ASGI app (its event loop and thread "
                             "pool, no sockets), from --threads concurrent tasks")
    args = parser.parse_args()

    from slack_bolt import BoltRequest

    from bot.app import build_services, create_app, make_client
    from bot.clock import SystemClock
    from bot.config import Settings
    from bot.payments import SimulatedGateway
    from bot.runtime.server import create_asgi
    from storage.db import make_engine

    slack = subprocess.Popen([sys.executable, http.__file__, "--local-slack"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                             env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert slack.stdout is not None and slack.stdin is not None
    api_url, response_url = slack.stdout.readline().split()
    try:
        with tempfile.TemporaryDirectory() as folder:
            database = f"sqlite:///{folder}/bench.db"
            http.seed(database, args.calls)
            engine = make_engine(database)
            clock = SystemClock()
            settings = Settings(_env_file=None, slack_bot_token="xoxb-bench",  # type: ignore[call-arg]
                                slack_signing_secret=http.SECRET, slack_api_url=api_url,
                                database_url=database)
            services = build_services(settings, engine=engine, clock=clock,
                                      gateway=SimulatedGateway(clock))
            real = create_app(settings, services, client=make_client(settings))
            lazy = Lazy()
            real.listener_runner.lazy_listener_runner.executor = lazy  # type: ignore[attr-defined]
            floor = http.ack_only_app(api_url)
            asgi = {flag: create_asgi(bolt, engine=engine, signing_secret=http.SECRET)
                    for flag, bolt in ((False, real), (True, floor))}
            floor_time: float | None = None  # measured when `floor` runs first
            for variant in args.variants.split(","):
                app = floor if variant == "floor" else real
                name = "home-1k" if variant == "home" else variant
                requests = [bolt_request(raw) for raw in
                            http.requests_for(name, args.requests + 200, response_url,
                                              prefix=f"{variant}{time.time_ns()}")]

                def one(request: tuple[str, dict[str, str]], app: Any = app) -> None:
                    response = app.dispatch(BoltRequest(body=request[0], headers=request[1]))
                    assert response.status == 200, (response.status, response.body)

                def loop(batch: list[tuple[str, dict[str, str]]],
                         served: Any = asgi[variant == "floor"]) -> None:
                    if args.asgi:
                        asyncio.run(through_asgi(served, batch,
                                                 tasks=args.threads))
                        lazy.drain()
                        return
                    if args.threads > 1:
                        with ThreadPoolExecutor(args.threads) as pool:
                            list(pool.map(one, batch))
                        lazy.drain()
                        return
                    for request in batch:
                        one(request)
                        lazy.drain()

                loop(requests[:200])  # warm-up: caches, pools, the first users.info
                timed = requests[200:]
                if args.profile:
                    profile = cProfile.Profile()
                    lazy.profile = cProfile.Profile()
                    profile.enable()
                    loop(timed)
                    profile.disable()
                    print(f"== {variant}")
                    pstats.Stats(profile).sort_stats("cumulative").print_stats(45)
                    if variant == "home":
                        print(f"== {variant}: the lazy listener")
                        pstats.Stats(lazy.profile).sort_stats("cumulative").print_stats(45)
                    lazy.profile = None
                    continue
                best, cpu = float("inf"), float("inf")
                for _ in range(args.rounds):
                    start, start_cpu = time.perf_counter(), time.process_time()
                    loop(timed)
                    best = min(best, (time.perf_counter() - start) / len(timed))
                    cpu = min(cpu, (time.process_time() - start_cpu) / len(timed))
                if variant == "floor":
                    floor_time = best
                ratio = f", {best / floor_time:.2f}x the floor" if floor_time else ""
                print(f"{variant:8} {best * 1000:7.3f} ms per dispatch{ratio}, "
                      f"CPU {cpu * 1000:7.3f} ms "
                      f"(best of {args.rounds}, {args.threads} thread(s))", flush=True)
            lazy.shutdown()
            engine.dispose()
    finally:
        slack.stdin.close()
        slack.wait(timeout=30)


if __name__ == "__main__":
    main()
