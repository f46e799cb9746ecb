"""The scheduler: APScheduler 3.x jobs, run only by the process that holds the lease.

APScheduler keeps its jobs in memory and they are defined here in code, with fixed ids and
`replace_existing=True` (never a shared SQLAlchemy job store: APScheduler 3's FAQ says one cannot
be shared between processes). Jobs are top-level functions whose only argument is the id of the
runtime they work for. Three jobs:

- heartbeat (every `heartbeat_seconds`): renew the lease, or take it when it is free or expired;
- sweep (every CREDITS_SWEEP_SECONDS): expire old lots, then every alert rule for every account
  (thresholds, zero balance, card and funds expiry, run-out forecast, spend spike), then the
  auto-recharges that are due (new crossings, retries with back-off, timeouts to reconcile),
  then the DM imports a crash interrupted (their admins are told through the outbox), then the
  deposits in flight whose answer was lost or whose worker died (through the gateway's `lookup`)
  and the deposit confirmations nobody gave;
- relay (every CREDITS_OUTBOX_SECONDS): deliver due alerts to Slack;
- graph (every CREDITS_GRAPH_SYNC_MINUTES, only with the Microsoft 365 connection): bring the
  call logs in from Microsoft Graph (bot/graph/sync.py); when Graph says 429/503 the job is
  moved to after its Retry-After instead of sleeping.

Only the lease holder runs the sweep and the relay, and their writes check the lease's fencing
token in their own transaction; every job is also safe to run twice (dedupe keys, alert state
changed under the account lock, SKIP LOCKED claims), so a takeover overlap costs nothing.
What is due is decided from the injected clock's `now`; APScheduler only says when to look.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from slack_sdk import WebClient
from sqlmodel import Session

from bot.alerts.outbox import Relay, RelayReport, SlackSender, relay_client
from bot.clock import SystemClock
from bot.config import Settings
from bot.runtime.lease import Lease, LeaseLost
from bot.services import Services
from storage.db import write_transaction
from storage.events import prune_events

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 5.0
TTL_HEARTBEATS = 3  # the lease outlives two missed heartbeats
SWEEP_JOB, RELAY_JOB, HEARTBEAT_JOB = "credits.sweep", "credits.outbox", "credits.lease"
GRAPH_JOB = "credits.graph"


@dataclass
class SweepReport:
    accounts: int = 0
    alerts: int = 0
    expired_lots: int = 0
    recharges: int = 0
    deposits: int = 0
    pruned_events: int = 0
    stopped_imports: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass
class SchedulerRuntime:
    """What the jobs of one scheduler work with."""

    services: Services
    lease: Lease
    relay: Relay
    # Moves a job's next run (seconds from now); set once the APScheduler is built.
    reschedule: Callable[[str, float], None] | None = None

    def fence(self, token: int) -> Callable[[Session], None]:
        return lambda session: self.lease.fence(session, token)


_runtimes: dict[str, SchedulerRuntime] = {}
_runtimes_lock = threading.Lock()
_ids = itertools.count(1)


def _runtime(runtime_id: str) -> SchedulerRuntime | None:
    with _runtimes_lock:
        return _runtimes.get(runtime_id)


# -- the jobs: top-level functions with primitive arguments -----------------------------------

def heartbeat_job(runtime_id: str) -> None:
    """Renew or take the lease."""
    runtime = _runtime(runtime_id)
    if runtime is None:
        return
    try:
        runtime.lease.heartbeat()
    except Exception:  # the database is away: our lease simply runs out
        log.exception("scheduler: lease heartbeat failed")


def sweep_job(runtime_id: str) -> None:
    """Run the sweep, if this process holds the lease."""
    runtime = _runtime(runtime_id)
    token = runtime.lease.token if runtime else None
    if runtime is None or token is None:
        return
    try:
        report = sweep(runtime, token)
    except LeaseLost:
        log.warning("scheduler: lease lost during the sweep; stopped")
        return
    if report.alerts or report.recharges or report.deposits or report.errors:
        log.info("scheduler: swept %d accounts: %d alerts, %d recharges, %d deposits settled, "
                 "%d errors", report.accounts, report.alerts, report.recharges,
                 report.deposits, len(report.errors))


def relay_job(runtime_id: str) -> None:
    """Deliver due alerts, if this process holds the lease."""
    runtime = _runtime(runtime_id)
    token = runtime.lease.token if runtime else None
    if runtime is None or token is None:
        return
    try:
        report = runtime.relay.run(fence=runtime.fence(token))
    except LeaseLost:
        log.warning("scheduler: lease lost before delivering alerts")
        return
    except Exception:
        log.exception("scheduler: the outbox relay failed")
        return
    _log_relay(report)


def graph_job(runtime_id: str) -> None:
    """Sync every account's call logs from Graph, if this process holds the lease."""
    runtime = _runtime(runtime_id)
    token = runtime.lease.token if runtime else None
    if runtime is None or token is None or not runtime.services.graph.connected:
        return
    try:
        wait = sync_from_graph(runtime, token)
    except LeaseLost:
        log.warning("scheduler: lease lost during the Graph sync; stopped")
        return
    if wait is not None and runtime.reschedule is not None:
        runtime.reschedule(GRAPH_JOB, wait)


def sync_from_graph(runtime: SchedulerRuntime, token: int) -> int | None:
    """One Graph sync of every account; the longest Retry-After Graph asked for, if any."""
    services, graph = runtime.services, runtime.services.graph
    if not graph.connected:
        return None
    wait: int | None = None
    for account in services.accounts.list():
        if runtime.lease.token != token:
            raise LeaseLost("the lease ran out during the Graph sync")
        try:
            report = graph.sync.run(account.id)
        except Exception:  # the error is on the sync row; other accounts go on
            log.exception("scheduler: the Graph sync of %s failed", account.team_id)
            continue
        if report.retry_after is not None:
            wait = max(wait or 0, report.retry_after)
        if report.new_calls or report.error:
            log.info("graph sync %s: %d new calls, %d duplicates, %d rejected%s",
                     account.team_id, report.new_calls, report.duplicates, report.rejected,
                     f"; error: {report.error}" if report.error else "")
    return wait


def _log_relay(report: RelayReport) -> None:
    if report.claimed:
        log.info("outbox: %d claimed, %d sent, %d to retry, %d given up%s", report.claimed,
                 report.sent, report.retried, report.dead,
                 " (rate limited)" if report.rate_limited else "")


# -- one sweep --------------------------------------------------------------------------------

def sweep(runtime: SchedulerRuntime, token: int | None = None) -> SweepReport:
    """One pass over every account: expire lots, apply every alert rule, then recharge.

    With a token, every write checks that the token still holds the lease (LeaseLost stops the
    pass); one account's failure is logged and the others go on.
    """
    services, report = runtime.services, SweepReport()
    fence = runtime.fence(token) if token is not None else None
    for account in services.accounts.list():
        if token is not None and runtime.lease.token != token:
            raise LeaseLost("the lease ran out during the sweep")
        report.accounts += 1
        try:
            report.expired_lots += len(services.ledger.expire(account_id=account.id))
            report.alerts += len(services.alerts.check_account(account.id, fence=fence))
        except LeaseLost:
            raise
        except Exception as exc:  # one broken account must not stop the others' alerts
            log.exception("scheduler: sweeping account %s failed", account.team_id)
            report.errors.append(f"{account.team_id}: {exc}")
    if token is not None and runtime.lease.token != token:
        raise LeaseLost("the lease ran out during the sweep")
    report.recharges += len(services.recharger.sweep())
    if token is not None and runtime.lease.token != token:
        raise LeaseLost("the lease ran out during the sweep")
    report.deposits += len(services.deposits.sweep())
    report.pruned_events = forget_old_events(services)
    # Safe without the fence: only the run that deletes a stopped import's row reports it.
    report.stopped_imports = services.running_imports.report_stopped()
    return report


# Slack retries an event for minutes: a day later its event_id can no longer come back.
EVENT_MEMORY = timedelta(days=1)


def forget_old_events(services: Services) -> int:
    """Drop the event_ids remembered for deduplication once Slack can no longer retry them."""
    with write_transaction(services.engine) as session:
        return prune_events(session=session, before=services.clock.now() - EVENT_MEMORY)


# -- starting and stopping --------------------------------------------------------------------

@dataclass
class SchedulerHandle:
    """A running scheduler; `shutdown()` stops its jobs and gives the lease up."""

    runtime_id: str
    runtime: SchedulerRuntime
    scheduler: BackgroundScheduler

    @property
    def lease(self) -> Lease:
        return self.runtime.lease

    def shutdown(self, *, wait: bool = True) -> None:
        """Stop the jobs (waiting for running ones) and release the lease for a standby."""
        if self.scheduler.running:
            self.scheduler.shutdown(wait=wait)
        with _runtimes_lock:
            _runtimes.pop(self.runtime_id, None)
        try:
            self.runtime.lease.release()
        except Exception:  # the lease then expires by itself
            log.exception("scheduler: releasing the lease failed")

    def deliver_now(self) -> None:
        """Deliver the due alerts at once (the console, before a piped session ends)."""
        relay_job(self.runtime_id)

    def stop(self) -> None:
        """Shut down (the name `serve`'s background hook calls)."""
        self.shutdown()


def build_runtime(services: Services, client: WebClient, settings: Settings, *,
                  holder: str | None = None, lease_ttl: timedelta) -> SchedulerRuntime:
    """The lease, the relay (with a client that never retries by itself) and the sweep's
    services of one scheduler."""
    lease = Lease(services.engine, services.clock, ttl=lease_ttl, holder=holder)
    relay = Relay(services.engine, services.clock, SlackSender(relay_client(client)),
                  default_channel=settings.credits_alert_channel,
                  admins=settings.credits_admins)
    return SchedulerRuntime(services=services, lease=lease, relay=relay)


def start_scheduler(services: Services, client: WebClient, settings: Settings, *,
                    holder: str | None = None, heartbeat_seconds: float | None = None,
                    lease_ttl_seconds: float | None = None) -> SchedulerHandle:
    """Start the jobs in background threads and return their handle.

    The heartbeat defaults to CREDITS_OUTBOX_SECONDS, at most 5 s, and the lease lives three
    heartbeats: a standby takes over at most `ttl + heartbeat` after the holder's last renewal.
    """
    heartbeat = heartbeat_seconds or min(HEARTBEAT_SECONDS, settings.credits_outbox_seconds)
    ttl = timedelta(seconds=lease_ttl_seconds or heartbeat * TTL_HEARTBEATS)
    runtime = build_runtime(services, client, settings, holder=holder, lease_ttl=ttl)
    runtime_id = f"scheduler-{next(_ids)}"
    # APScheduler logs every run of every job at INFO (a line a second with short intervals);
    # the jobs log what they did themselves.
    logging.getLogger("apscheduler.executors").setLevel(logging.WARNING)
    with _runtimes_lock:
        _runtimes[runtime_id] = runtime
    heartbeat_job(runtime_id)  # take the lease now, so the first sweep need not wait
    scheduler = BackgroundScheduler(
        executors={"default": ThreadPoolExecutor(4)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        timezone="UTC")
    # APScheduler runs on the wall clock whatever clock the services use; the first sweep and
    # relay run at once, then at their intervals.
    start = SystemClock().now()
    scheduler.add_job(heartbeat_job, "interval", args=[runtime_id], id=HEARTBEAT_JOB,
                      seconds=heartbeat, replace_existing=True)
    scheduler.add_job(sweep_job, "interval", args=[runtime_id], id=SWEEP_JOB,
                      seconds=settings.credits_sweep_seconds, next_run_time=start,
                      replace_existing=True)
    scheduler.add_job(relay_job, "interval", args=[runtime_id], id=RELAY_JOB,
                      seconds=settings.credits_outbox_seconds, next_run_time=start,
                      replace_existing=True)
    if services.graph.connected:
        scheduler.add_job(graph_job, "interval", args=[runtime_id], id=GRAPH_JOB,
                          seconds=settings.credits_graph_sync_minutes * 60,
                          next_run_time=start, replace_existing=True)

        def reschedule(job_id: str, seconds: float) -> None:
            scheduler.modify_job(job_id, next_run_time=SystemClock().now()
                                 + timedelta(seconds=seconds))

        runtime.reschedule = reschedule
    scheduler.start()
    log.info("scheduler started as %s (lease %s): sweep every %ss, outbox every %ss, "
             "heartbeat every %ss", runtime.lease.holder,
             "held" if runtime.lease.held() else "on standby", settings.credits_sweep_seconds,
             settings.credits_outbox_seconds, heartbeat)
    return SchedulerHandle(runtime_id=runtime_id, runtime=runtime, scheduler=scheduler)
