"""`credits-bot import-usage FILE [--team T…]` (DESIGN §5, §9).

Imports a Teams PSTN usage export (CSV or its zip), Graph getPstnCalls JSON or a CDR CSV, told
apart by content, with a progress bar; prints what was charged, skipped and rejected, and exits 1
when any row was rejected (the good rows are charged all the same).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from bot.cli import context as cli_context
from bot.errors import CreditsError
from bot.money import CENT, Money
from bot.usage.formats.records import RowError
from bot.usage.importer import ImportSummary

MAX_SHOWN = 50
log = logging.getLogger(__name__)

out = Console()
err = Console(stderr=True)


def register(app: typer.Typer) -> None:
    """Add `import-usage` to the `credits-bot` command."""
    app.command("import-usage")(import_usage_command)


def import_usage_command(
    file: Annotated[Path, typer.Argument(help="Teams PSTN usage export (CSV or zip), Graph "
                                              "getPstnCalls JSON, or a CDR CSV.",
                                         exists=True, dir_okay=False, readable=True)],
    team: Annotated[str | None, typer.Option("--team", help="Slack team id (T…); may be left "
                                             "out while there is only one account.")] = None,
) -> None:
    """Import call records and charge them; exit 1 when any row was rejected."""
    try:
        account = cli_context.resolve_account(team)
        importer = cli_context.services().usage_importer
        with Progress(TextColumn("[progress.description]{task.description}"), BarColumn(),
                      MofNCompleteColumn(), TimeElapsedColumn(), console=err,
                      transient=True) as bar:
            task = bar.add_task(f"Importing {file.name}", total=None)

            def progress(done: int, total: int | None) -> None:
                bar.update(task, completed=done, total=total)

            summary = importer.run(file, account_id=account.id, progress=progress,
                                   actor="cli")
    except CreditsError as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(2) from None
    except Exception:  # a bug of ours: a sentence for the admin, the traceback in the log
        log.exception("importing %s failed", file)
        err.print(f"[red]error:[/red] importing {file.name} failed on our side (logged). Batches "
                  "that finished are charged; import the file again and only the rest is "
                  "charged.", highlight=False)
        raise typer.Exit(2) from None
    cli_context.audit(team_id=account.team_id, action="cli.import_usage",
                      result="ok" if summary.ok else "error",
                      arguments={"file": file.name, "new_calls": summary.new_calls,
                                 "charged": str(summary.charged.amount),
                                 "rejected": summary.rejected_count})
    show_summary(summary)
    if not summary.ok:
        raise typer.Exit(1)


def show_summary(summary: ImportSummary) -> None:
    """Print an import's summary: totals, then rejected rows, unlicensed users, differences."""
    def money(amount: Money) -> str:
        shown = amount.format()
        exact = exact_amount(amount.amount)
        # Rated calls cost fractions of a cent: show the exact amount where rounding hides it.
        return shown if exact == f"{amount.amount.quantize(CENT)}" else f"{shown} ({exact})"

    table = Table(title=f"Imported {summary.name} ({summary.format})", show_header=False)
    table.add_row("Rows read", f"{summary.rows:,}")
    table.add_row("New calls charged", f"{summary.new_calls:,}")
    table.add_row("Charged", money(summary.charged))
    table.add_row("Skipped as duplicates", f"{summary.duplicates:,}")
    table.add_row("Rejected", f"{summary.rejected_count:,}")
    table.add_row("Calls by unlicensed users", f"{summary.unlicensed_calls:,}")
    table.add_row("Differences from the rate deck", f"{summary.difference_count:,}")
    table.add_row("Direct Routing calls (not charged)", f"{summary.direct_routing:,}")
    table.add_row("Skipped: already imported from another source", f"{summary.other_source:,}")
    out.print(table)
    if summary.more_pages:
        out.print("[yellow]This file is one page of more:[/yellow] it ends with "
                  "@odata.nextLink, so Microsoft Graph has more calls for this period; fetch "
                  "the next pages and import them too.", highlight=False)
    if summary.other_source:
        out.print(f"[yellow]{summary.other_source:,} calls match calls already imported from "
                  "another source[/yellow] (same call id and start time): not charged a second "
                  "time.", highlight=False)
    if summary.flagged:
        _rows(f"[yellow]Kept with a note[/yellow] ({summary.flagged_count:,}; the record's own "
              "charge is booked):", summary.flagged, summary.flagged_count)
    if summary.rejected:
        _rows(f"[red]Rejected rows[/red] ({summary.rejected_count:,}; fix them and import the "
              "file again: only what was not charged is charged):", summary.rejected,
              summary.rejected_count)
    if summary.unlicensed_users:
        out.print("[yellow]Calls by users without a Communications Credits license:[/yellow]")
        for upn, calls in summary.unlicensed_users[:MAX_SHOWN]:
            out.print(f"  {upn or '(no user)'}: {calls:,} call(s)", highlight=False,
                      markup=False)
        _more(len(summary.unlicensed_users), MAX_SHOWN)
    if summary.differences:
        out.print(f"[yellow]Charges that differ from the rate deck[/yellow] (total difference "
                  f"{money(summary.difference_total)}):", highlight=False)
        unit = "record" if summary.format == "graph" else "line"
        for difference in summary.differences[:MAX_SHOWN]:
            out.print(f"  {unit} {difference.line}: {difference.destination_number or '?'}"
                      f" {difference.duration_seconds}s charged {money(difference.charged)}, "
                      f"deck {money(difference.deck_price)}", highlight=False, markup=False)
        _more(summary.difference_count, MAX_SHOWN)


def exact_amount(amount: Decimal) -> str:
    """An amount with all its decimals, but at least two (`20.65`, `15.8693`)."""
    text = f"{amount.normalize():f}"
    whole, _, fraction = text.partition(".")
    return f"{whole}.{fraction.ljust(2, '0')}"


def _rows(head: str, rows: Sequence[RowError], count: int) -> None:
    """A heading, the first MAX_SHOWN rows (as they are, no markup), and how many more."""
    out.print(head, highlight=False)
    for row in rows[:MAX_SHOWN]:
        out.print(f"  {row}", highlight=False, markup=False)
    _more(count, MAX_SHOWN)


def _more(count: int, shown: int) -> None:
    if count > shown:
        out.print(f"  … and {count - shown:,} more", highlight=False)
