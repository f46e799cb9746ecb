"""The HTTP server: one request URL for Slack, a health check and Prometheus metrics (DESIGN §9).

`/slack/events` takes slash commands, events and interactivity alike. Bolt's dispatch is
synchronous (it reads the database and may call the Web API before it answers, since the app runs
with `process_before_response=True`), so it runs in Starlette's thread pool: the stock
`SlackRequestHandler.handle` calls it on the event loop, where one slow Web API call would stall
every other request, the health check included. The adapter's own request and response
conversions are used unchanged.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, asynccontextmanager, contextmanager
from typing import Any, Protocol

import uvicorn
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    Info,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from slack_bolt import App
from slack_bolt.adapter.starlette.handler import to_starlette_response
from slack_bolt.request.payload_utils import (
    is_block_actions,
    is_event,
    is_options,
    is_shortcut,
    is_slash_command,
    is_view_closed,
    is_view_submission,
)
from slack_sdk import WebClient
from sqlalchemy import Engine, text
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from bot.app import build_services, create_app, make_client
from bot.clock import Clock
from bot.config import Settings
from bot.runtime.inbound import Refused, SlackSignature, read_body, to_bolt_request
from bot.services import Services
from storage.migrate import current_revision, upgrade

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
# Slack gives up on an ack after 3 s: the buckets are finest below that.
ACK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0)


def request_kind(body: dict[str, Any]) -> str:
    """What Slack sent: command, event, action, view, shortcut, options, url_verification."""
    if is_slash_command(body):
        return "command"
    if body.get("type") == "url_verification":
        return "url_verification"
    if is_event(body):
        return "event"
    if is_block_actions(body):
        return "action"
    if is_view_submission(body) or is_view_closed(body):
        return "view"
    if is_shortcut(body):
        return "shortcut"
    if is_options(body):
        return "options"
    return "other"


class Metrics:
    """The server's Prometheus metrics, in a registry of their own (one per ASGI app)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("credits_slack_requests", "Requests on /slack/events",
                                ["kind", "status"], registry=self.registry)
        self.ack_seconds = Histogram("credits_slack_ack_seconds",
                                     "Time from a request on /slack/events to its answer",
                                     ["kind"], buckets=ACK_BUCKETS, registry=self.registry)
        self.in_flight = Gauge("credits_slack_requests_in_flight",
                               "Requests on /slack/events being handled now",
                               registry=self.registry)
        self.health_failures = Counter("credits_healthz_failures",
                                       "Health checks that found the database unreachable",
                                       registry=self.registry)
        self.info = Info("credits_bot", "The running Credits Bot", registry=self.registry)
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)

    @contextmanager
    def observe(self, kind: str) -> Iterator[Callable[[int], None]]:
        """Time one request; the caller reports its status through the yielded function."""
        start = time.perf_counter()
        status = [500]
        self.in_flight.inc()
        try:
            yield lambda code: status.__setitem__(0, code)
        finally:
            self.in_flight.dec()
            self.ack_seconds.labels(kind).observe(time.perf_counter() - start)
            self.requests.labels(kind, str(status[0])).inc()


def create_asgi(bolt: App, *, engine: Engine, signing_secret: str,
                metrics: Metrics | None = None,
                lifespan: Callable[[Starlette], AbstractContextManager[None]] | None = None,
                ) -> Starlette:
    """The ASGI app around a Bolt app: /slack/events, /healthz and /metrics."""
    metrics = metrics or Metrics()
    signature = SlackSignature(signing_secret)

    async def slack_events(request: Request) -> Response:
        # Bounded read, signature on the raw bytes, then parsing (bot.runtime.inbound): an unsigned
        # or oversized body never reaches a parser, and a bad one is a 4xx, not a traceback.
        try:
            raw = await read_body(request.headers, request.stream())
            text = signature.check(raw, request.headers)
            bolt_request = to_bolt_request(text, headers=request.headers,
                                           query=request.url.query)
        except Refused as refused:
            with metrics.observe("refused") as report:
                report(refused.status)
            return PlainTextResponse(refused.reason, status_code=refused.status)
        with metrics.observe(request_kind(bolt_request.body)) as report:
            bolt_response = await run_in_threadpool(bolt.dispatch, bolt_request)
            report(bolt_response.status)
        return to_starlette_response(bolt_response)

    async def healthz(request: Request) -> Response:
        try:
            revision = await run_in_threadpool(check_database, engine)
        except Exception as exc:  # any failure means: not healthy, and say why
            metrics.health_failures.inc()
            log.warning("health check failed: %s", exc)
            return JSONResponse({"status": "error", "database": type(exc).__name__},
                                status_code=503)
        return JSONResponse({"status": "ok", "database": "ok", "revision": revision})

    async def prometheus(request: Request) -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    routes = [Route(EVENTS_PATH, slack_events, methods=["POST"]),
              Route("/healthz", healthz, methods=["GET"]),
              Route("/metrics", prometheus, methods=["GET"])]
    asgi = Starlette(routes=routes, lifespan=_async_lifespan(lifespan) if lifespan else None)
    asgi.state.metrics, asgi.state.bolt = metrics, bolt
    return asgi


def check_database(engine: Engine) -> str | None:
    """Run `select 1` on the database; return the schema's migration revision."""
    with engine.connect() as connection:
        connection.execute(text("select 1"))
    return current_revision(engine)


def _async_lifespan(sync: Callable[[Starlette], AbstractContextManager[None]]) -> Any:
    @asynccontextmanager
    async def lifespan(app: Starlette) -> Any:
        with sync(app):
            yield

    return lifespan


# -- start-up --------------------------------------------------------------------------------

StartupHook = Callable[[Settings, Engine, Clock], None]


def load_rate_deck(settings: Settings, engine: Engine, clock: Clock) -> None:
    """Load CREDITS_RATES_FILE, or the bundled sample deck, when the database has no deck."""
    from bot.rates.store import ensure_sample_deck

    if ensure_sample_deck(engine, settings.credits_rates_file, now=clock.now()):
        log.info("loaded the rate deck %s", settings.credits_rates_file or "(bundled sample)")


STARTUP_HOOKS: tuple[StartupHook, ...] = (load_rate_deck,)


def prepare_database(settings: Settings, engine: Engine, clock: Clock,
                     hooks: tuple[StartupHook, ...] = STARTUP_HOOKS) -> None:
    """Migrate the schema to the latest revision, then run the start-up hooks (rate deck)."""
    upgrade(engine)
    for hook in hooks:
        hook(settings, engine, clock)


class Background(Protocol):
    """Something started beside the server (the scheduler), stopped when the server stops."""

    def deliver_now(self) -> None:
        """Deliver the alerts that are due at once (before a piped console ends)."""

    def stop(self) -> None: ...


BackgroundStart = Callable[[Services, WebClient, Settings], Background]


def scheduler_start() -> BackgroundStart | None:
    """The scheduler's start function for `serve`, `socket` and `console`.

    Every mode runs it (alerts then reach the console as they fire, through the local Slack).
    """
    from bot.runtime.scheduler import start_scheduler

    return start_scheduler


def build_asgi(settings: Settings, *, engine: Engine, clock: Clock, gateway: Any,
               client: WebClient | None = None,
               background: BackgroundStart | None = None) -> Starlette:
    """Prepare the database and build the served app; `background` starts with the server."""
    prepare_database(settings, engine, clock)
    client = client or make_client(settings)
    services = build_services(settings, engine=engine, clock=clock, gateway=gateway)
    bolt = create_app(settings, services, client=client)

    @contextmanager
    def lifespan(_: Starlette) -> Iterator[None]:
        started = background(services, client, settings) if background else None
        try:
            yield
        finally:
            if started is not None:
                started.stop()

    return create_asgi(bolt, engine=engine, lifespan=lifespan,
                       signing_secret=Settings.secret(settings.slack_signing_secret) or "")


def run_server(asgi: Starlette, *, host: str, port: int, log_level: str = "info") -> None:
    """Serve the ASGI app with uvicorn until interrupted (SIGINT or SIGTERM)."""
    config = uvicorn.Config(asgi, host=host, port=port, log_level=log_level, access_log=False,
                            lifespan="on")
    uvicorn.Server(config).run()
