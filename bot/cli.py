"""The `credits-bot` command: run the bot, and the operator's commands (DESIGN §9)."""

from __future__ import annotations

import re
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from bot import cli_context
from bot.accounts import AccountView
from bot.errors import CreditsError
from bot.ledger import check_balances
from bot.money import format_money
from storage.db import read_session
from storage.migrate import current_revision

app = typer.Typer(help="Credits Bot: prepaid Communications Credits, run from Slack.",
                  no_args_is_help=True, pretty_exceptions_show_locals=False)
db_app = typer.Typer(help="The database schema.", no_args_is_help=True)
account_app = typer.Typer(help="Show and change a workspace's credits account.",
                          no_args_is_help=True)
ledger_app = typer.Typer(help="Verify the books.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(account_app, name="account")
app.add_typer(ledger_app, name="ledger")

out = Console()
err = Console(stderr=True)

TeamOption = Annotated[str | None, typer.Option("--team", help="Slack team id (T…); may be "
                                                "left out while there is only one account.")]


def fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}", highlight=False)
    return typer.Exit(code)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the database migrations (the server also does this on start)."""
    engine = cli_context.engine()
    out.print(f"Database at revision {current_revision(engine)}.")


@account_app.command("show")
def account_show(team: TeamOption = None) -> None:
    """Show an account: balance, state, billing, auto-recharge and payment method."""
    try:
        account = cli_context.accounts().resolve(team)
    except CreditsError as exc:
        raise fail(str(exc)) from None
    out.print(account_table(account))


def account_table(account: AccountView) -> Table:
    money = lambda amount: format_money(amount, account.currency)  # noqa: E731
    table = Table(title=f"Credits account {account.team_id}", show_header=False)
    table.add_row("Balance", money(account.balance))
    table.add_row("State", "SUSPENDED (balance at or below zero)" if account.suspended
                  else "active")
    table.add_row("Currency", account.currency)
    table.add_row("Region / billing region", f"{account.region} / {account.billing_region}")
    table.add_row("Billing type", account.billing_type)
    if account.autorecharge_enabled and account.autorecharge_amount is not None:
        assert account.autorecharge_below is not None
        table.add_row("Auto-recharge", f"add {money(account.autorecharge_amount)} when below "
                      f"{money(account.autorecharge_below)}")
    else:
        table.add_row("Auto-recharge", "off")
    table.add_row("Payment method", account.payment.describe() if account.payment else "none")
    table.add_row("Alert channel", account.alert_channel or "none (admins get DMs)")
    return table


@account_app.command("set")
def account_set(
    team: TeamOption = None,
    region: Annotated[str | None, typer.Option(help="Country of the account (ISO code).")] = None,
    billing_region: Annotated[str | None, typer.Option(help="Country it is billed in.")] = None,
    billing_type: Annotated[str | None, typer.Option(help="mosa, ea, mca or csp.")] = None,
    currency: Annotated[str | None, typer.Option(help="ISO 4217 code, e.g. USD.")] = None,
    timezone: Annotated[str | None, typer.Option(help="IANA time zone, e.g. UTC.")] = None,
) -> None:
    """Change an account's region, billing and currency (created if the team has none)."""
    accounts = cli_context.accounts()
    try:
        team_id = team or accounts.resolve(None).team_id
        account = accounts.update(team_id, region=region, billing_region=billing_region,
                                  billing_type=billing_type, currency=currency,
                                  timezone=timezone)
    except CreditsError as exc:
        raise fail(str(exc)) from None
    out.print(account_table(account))


EXPIRY = re.compile(r"^(\d{4})-(\d{2})$")


@account_app.command("set-payment-method")
def account_set_payment_method(
    kind: Annotated[str, typer.Argument(help="card or invoice")],
    team: TeamOption = None,
    brand: Annotated[str | None, typer.Option(help="Card brand: visa, mastercard, amex.")] = None,
    last4: Annotated[str | None, typer.Option(help="The card's last 4 digits only.")] = None,
    expires: Annotated[str | None, typer.Option(help="Card expiry as YYYY-MM.")] = None,
    po: Annotated[str | None, typer.Option(help="Invoice / purchase order number.")] = None,
) -> None:
    """Keep the payment method: a card's brand, last 4 and expiry, or an invoice PO."""
    accounts = cli_context.accounts()
    try:
        team_id = team or accounts.resolve(None).team_id
        if kind == "card":
            if not (brand and last4 and expires):
                raise CreditsError("usage: account set-payment-method card --brand visa "
                                   "--last4 4242 --expires 2027-08")
            match = EXPIRY.match(expires)
            if not match:
                raise CreditsError("--expires takes YYYY-MM, e.g. 2027-08.")
            account = accounts.set_card(team_id, brand=brand, last4=last4,
                                        exp_year=int(match[1]), exp_month=int(match[2]))
        elif kind == "invoice":
            if not po:
                raise CreditsError("usage: account set-payment-method invoice --po PO-123")
            account = accounts.set_invoice(team_id, po=po)
        else:
            raise CreditsError("the payment method is `card` or `invoice`.")
    except CreditsError as exc:
        raise fail(str(exc)) from None
    out.print(f"Payment method: {account.payment.describe() if account.payment else 'none'}")


@ledger_app.command("check")
def ledger_check() -> None:
    """Verify every balance against its entries and lots; exit 1 on any mismatch."""
    with read_session(cli_context.engine()) as session:
        checked, problems = check_balances(session)
    for problem in problems:
        err.print(f"[red]MISMATCH[/red] {problem.team_id}: {problem.problem}", highlight=False)
    if problems:
        raise typer.Exit(1)
    out.print(f"OK: {checked} account(s), every balance equals the sum of its entries.")


def main() -> None:
    app()
