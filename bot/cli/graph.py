"""`credits-bot sync [--since DATE] [--team T…]`: the Graph usage sync now, with a progress bar.

The same sync the scheduler runs (bot/graph/sync.py); `--since` reads from that date instead of
the high-water mark (a first import of older calls; nothing is charged twice).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from bot.cli import context as cli_context
from bot.errors import CreditsError
from bot.graph.sync import SyncReport
from bot.money import Money

out = Console()
err = Console(stderr=True)

NOT_CONNECTED = ("The Microsoft 365 connection is not configured: set MS_TENANT_ID, "
                 "MS_CLIENT_ID and MS_CLIENT_SECRET (or MS_CLIENT_CERTIFICATE_PATH and "
                 "MS_CLIENT_CERTIFICATE_THUMBPRINT) of an Entra app registration with the "
                 "application permissions CallRecord-PstnCalls.Read.All, "
                 "LicenseAssignment.ReadWrite.All and User.Read.All (admin consent granted). "
                 "The README says how.")


def register(app: typer.Typer) -> None:
    """Add `sync` to the `credits-bot` command."""
    app.command("sync")(sync_command)


def parse_since(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise CreditsError(f"--since takes a date (YYYY-MM-DD) or a date and time, not "
                           f"{text!r}.") from None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def sync_command(
    since: Annotated[str | None, typer.Option(help="Read calls from this date (YYYY-MM-DD) "
                                              "instead of the high-water mark.")] = None,
    team: Annotated[str | None, typer.Option("--team", help="Slack team id (T…); may be left "
                                             "out while there is only one account.")] = None,
) -> None:
    """Bring the call logs in from Microsoft Graph now; exit 1 when Graph refused them."""
    if not cli_context.settings().graph_enabled:
        err.print(f"[red]error:[/red] {NOT_CONNECTED}", highlight=False)
        raise typer.Exit(2)
    try:
        start = parse_since(since)
        account = cli_context.accounts().resolve(team)
        graph = cli_context.services().graph
        if not graph.connected:  # the settings above said it is
            raise CreditsError(NOT_CONNECTED)
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                      console=err, transient=True) as bar:
            task = bar.add_task("Reading call logs from Microsoft Graph", total=None)

            def progress(pages: int, records: int) -> None:
                bar.update(task, description=f"Read {pages:,} pages, {records:,} records")

            report = graph.sync.run(account.id, since=start, force=True, progress=progress)
    except CreditsError as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(2) from None
    show_report(report, currency=account.currency)
    if report.error:
        raise typer.Exit(1)


def show_report(report: SyncReport, *, currency: str) -> None:
    table = Table(title="Microsoft Graph sync", show_header=False)
    for start, end in report.windows:
        table.add_row("Window", f"{start:%Y-%m-%d %H:%M} .. {end:%Y-%m-%d %H:%M} UTC")
    table.add_row("Pages", f"{report.pages:,}")
    table.add_row("Records", f"{report.records:,}")
    table.add_row("New calls charged", f"{report.new_calls:,}")
    table.add_row("Charged", (report.charged or Money.zero(currency)).format())
    table.add_row("Skipped as duplicates", f"{report.duplicates:,}")
    table.add_row("Rejected", f"{report.rejected:,}")
    table.add_row("Direct Routing rows", f"{report.direct_routing_rows:,}")
    out.print(table)
    if report.error:
        err.print(f"[red]Microsoft Graph refused the call records:[/red] {report.error}",
                  highlight=False, markup=False)
