"""`credits-bot rates load FILE` and `credits-bot rates show NUMBER_OR_COUNTRY` (DESIGN §9)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from bot.audit import ALL_TEAMS
from bot.cli import context as cli_context
from bot.errors import CreditsError, InvalidRateDeck
from bot.rates.deck import RateQuote
from bot.rates.service import Rates

MAX_ERRORS_SHOWN = 50

out = Console()
err = Console(stderr=True)


def register(app: typer.Typer) -> None:
    """Add the `rates` group to the `credits-bot` command."""
    rates_app = typer.Typer(help="The rate deck that prices calls without a charge.",
                            no_args_is_help=True)
    rates_app.command("load")(rates_load)
    rates_app.command("show")(rates_show)
    app.add_typer(rates_app, name="rates")


def _rates() -> Rates:
    return Rates(cli_context.engine(), cli_context.clock(),
                 rates_file=cli_context.settings().credits_rates_file)


def rates_load(
    file: Annotated[Path, typer.Argument(help="A deck CSV: prefix,destination,number_type,"
                                              "direction,rate_per_min,connection_fee,"
                                              "initial_increment,recurring_increment,currency,"
                                              "effective_from")],
) -> None:
    """Replace the whole rate deck with FILE; a file with any bad row changes nothing."""
    try:
        result = _rates().load_file(file)
    except InvalidRateDeck as refused:
        cli_context.audit(team_id=ALL_TEAMS, action="cli.rates_load",
                          result="error", arguments={"file": file.name},
                          detail=f"{len(refused.errors)} bad row(s)")
        err.print(f"[red]refused:[/red] {refused}", highlight=False)
        for problem in refused.errors[:MAX_ERRORS_SHOWN]:
            err.print(f"  {problem}", highlight=False, markup=False)
        if len(refused.errors) > MAX_ERRORS_SHOWN:
            err.print(f"  … and {len(refused.errors) - MAX_ERRORS_SHOWN} more", highlight=False)
        raise typer.Exit(1) from None
    cli_context.audit(team_id=ALL_TEAMS, action="cli.rates_load",
                      arguments={"file": file.name, "rates": result.count})
    label = " (SAMPLE prices)" if result.sample else ""
    out.print(f"Loaded {result.count} rates from {result.source}{label}; the previous deck is "
              "replaced.", highlight=False)


def rates_show(
    query: Annotated[list[str], typer.Argument(help="A number (+44 20 7946 0000, "
                                                    "0049301234567), a country (Germany, DE) "
                                                    "or toll-free US.")],
    region: Annotated[str | None, typer.Option(
        help="Country for numbers written without a country code (default: the account's, "
             "else US).")] = None,
) -> None:
    """Show the rate of a number, a country or a country's toll-free numbers."""
    try:
        quote = _rates().quote(" ".join(query), region=(region or _account_region()).upper())
    except CreditsError as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False)
        raise typer.Exit(2) from None
    out.print(quote_table(quote))


def _account_region() -> str:
    try:
        return cli_context.accounts().resolve(None).region
    except CreditsError:
        return "US"


def quote_table(quote: RateQuote) -> Table:
    """A quote as a Rich table, labelled when the prices are the bundled samples."""
    direction = "toll-free inbound" if quote.kind == "tollfree" else "outbound"
    table = Table(title=f"Rates for {quote.place()} ({direction}, {quote.main.currency}) on "
                        f"{quote.on.isoformat()}",
                  caption="SAMPLE prices (the bundled deck): load yours with "
                          "`credits-bot rates load FILE`" if quote.sample else None)
    for column in ("Destination", "Prefix", "Type", "Per min", "Connection", "Billing",
                   "Since"):
        # Values never wrap; on a narrow terminal the destination's name folds instead.
        table.add_column(column, justify="right" if column in ("Per min", "Connection")
                         else "left", no_wrap=column != "Destination")
    for row in quote.rates:
        table.add_row(row.destination, row.display_prefix, row.number_type,
                      str(row.rate_per_min), str(row.connection_fee), row.increments,
                      row.effective_from.isoformat())
    return table
