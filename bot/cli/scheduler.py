"""`credits-bot scheduler`: run the scheduled jobs alone, without serving Slack.

For deployments that keep the jobs out of the web replicas (`serve --no-scheduler`), or run
several of them: only the lease holder runs the jobs, a standby takes over when it dies.
"""

from __future__ import annotations

import logging
import signal
import threading
from typing import Annotated, Any

import typer

from bot.cli import context as cli_context


def register(app: typer.Typer) -> None:
    """Add the `scheduler` command to the CLI."""
    app.command("scheduler")(scheduler)


def scheduler(
    heartbeat: Annotated[float | None, typer.Option(
        help="Seconds between lease heartbeats (default: CREDITS_OUTBOX_SECONDS, at most 5); "
             "the lease lives three heartbeats.", min=0.1)] = None,
    holder: Annotated[str | None, typer.Option(
        help="Name of this process in the lease (default: host:pid:random).")] = None,
) -> None:
    """Run the sweep (alerts, expiries, auto-recharge) and the alert outbox until SIGTERM/SIGINT."""
    from bot.app import make_client
    from bot.runtime.scheduler import start_scheduler

    cli_context.configure_logging()
    # cli_context.services() migrates the schema first (through its engine).
    settings, services = cli_context.settings(), cli_context.services()
    stop = threading.Event()

    def on_signal(signum: int, _frame: Any) -> None:
        logging.getLogger(__name__).info("received %s: stopping the scheduler",
                                         signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    handle = start_scheduler(services, make_client(settings), settings, holder=holder,
                             heartbeat_seconds=heartbeat)
    try:
        while not stop.wait(1.0):
            pass
    finally:
        handle.shutdown()
