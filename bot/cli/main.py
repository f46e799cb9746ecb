"""The `credits-bot` command: run the bot, and the operator's commands (DESIGN §9)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.engine import make_url
from sqlalchemy.exc import InterfaceError, OperationalError

from bot.accounts import AccountView
from bot.audit import AuditLog
from bot.cli import context as cli_context
from bot.cli import graph as cli_graph
from bot.cli import rates as cli_rates
from bot.cli import scheduler as cli_scheduler
from bot.cli import usage as cli_usage
from bot.config import Settings
from bot.errors import CreditsError
from bot.ledger import check_balances
from bot.money import Money
from storage.db import read_session
from storage.migrate import current_revision

if TYPE_CHECKING:
    from bot.runtime.server import BackgroundStart

app = typer.Typer(help="Credits Bot: prepaid Communications Credits, run from Slack.",
                  add_completion=False,
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
    # soft_wrap: one sentence stays one line (rich would cut it at 80 columns in a pipe).
    err.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


@dataclass
class AuditedChange:
    team_id: str | None  # set once the command knows the account it changes


@contextmanager
def audited(action: str, arguments: Mapping[str, Any],
            team_id: str | None) -> Iterator[AuditedChange]:
    """Audit an operator's change as it ends: `ok`, or `error` with the refusal (when the
    account is known), which the operator reads as the command's error."""
    change = AuditedChange(team_id)
    try:
        yield change
    except CreditsError as exc:
        if change.team_id:
            cli_context.audit(team_id=change.team_id, action=action, result="error",
                              arguments=arguments, detail=str(exc))
        raise fail(str(exc)) from None
    assert change.team_id is not None  # resolved, or resolving it refused
    cli_context.audit(team_id=change.team_id, action=action, arguments=arguments)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the database migrations (the server also does this on start)."""
    engine = cli_context.engine()
    out.print(f"Database at revision {current_revision(engine)}.")


@account_app.command("show")
def account_show(team: TeamOption = None) -> None:
    """Show an account: balance, state, billing, auto-recharge and payment method."""
    try:
        account = cli_context.resolve_account(team)
    except CreditsError as exc:
        raise fail(str(exc)) from None
    out.print(account_table(account))


@account_app.command("list")
def account_list() -> None:
    """List every account: team, name, balance, state and alert channel."""
    accounts = cli_context.accounts().list()
    if not accounts:
        out.print("No accounts yet: one is created when a workspace first uses the bot.")
        return
    table = Table(title="Credits accounts")
    for column in ("Team", "Name", "Balance", "State", "Alert channel"):
        table.add_column(column)
    for account in accounts:
        table.add_row(account.team_id, account.name or "", account.balance.format(),
                      "suspended" if account.suspended else "active",
                      account.alert_channel or "none (admins get DMs)")
    out.print(table)


def account_table(account: AccountView) -> Table:
    def money(value: Money) -> str:
        return value.format()
    table = Table(title=f"Credits account {account.team_id}", show_header=False)
    table.add_row("Balance", money(account.balance))
    table.add_row("State", "post-paid (never suspended)" if account.postpaid
                  else "SUSPENDED (balance at or below zero)" if account.suspended
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
    table.add_row("Alert language", account.language)
    return table


@account_app.command("set")
def account_set(
    team: TeamOption = None,
    region: Annotated[str | None, typer.Option(help="Country of the account (ISO code).")] = None,
    billing_region: Annotated[str | None, typer.Option(help="Country it is billed in.")] = None,
    billing_type: Annotated[str | None, typer.Option(help="mosa, ea, mca or csp.")] = None,
    currency: Annotated[str | None, typer.Option(help="ISO 4217 code, e.g. USD.")] = None,
    timezone: Annotated[str | None, typer.Option(help="IANA time zone, e.g. UTC.")] = None,
    language: Annotated[str | None, typer.Option(
        help="Language of the alerts and their dates: en-US or de-DE.")] = None,
) -> None:
    """Change an account's region, billing, currency and alert language (created if the team
    has none)."""
    accounts = cli_context.accounts()
    changes = {"region": region, "billing_region": billing_region,
               "billing_type": billing_type, "currency": currency, "timezone": timezone,
               "language": language}
    with audited("cli.account_set", changes, team) as record:
        record.team_id = team_id = team or cli_context.resolve_account(None).team_id
        change = accounts.change_settings(
            team_id, region=region, billing_region=billing_region, billing_type=billing_type,
            currency=currency, timezone=timezone, language=language)
    out.print(account_table(change.account))
    for notice in change.notices:
        out.print(f"[yellow]note:[/yellow] {notice}", highlight=False)


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
    arguments = {"kind": kind, "brand": brand, "last4": last4, "expires": expires, "po": po}
    with audited("cli.set_payment_method", arguments, team) as record:
        record.team_id = team_id = team or cli_context.resolve_account(None).team_id
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
    out.print(f"Payment method: {account.payment.describe() if account.payment else 'none'}")


AUDIT_MAX = 500


@app.command("audit")
def audit(
    count: Annotated[int, typer.Argument(help="How many of the newest events.", min=1,
                                         max=AUDIT_MAX)] = 20,
    team: TeamOption = None,
) -> None:
    """Show the newest audit events: who asked for what, and how it ended."""
    try:
        team_id = cli_context.resolve_account(team).team_id if team else None
    except CreditsError as exc:
        raise fail(str(exc)) from None
    events = AuditLog(cli_context.engine(), cli_context.clock()).recent(team_id=team_id,
                                                                       limit=count)
    if not events:
        out.print("The audit log is empty.")
        return
    # One line per event (no table): operators grep and pipe this.
    out.print(f"The newest {len(events)} audit event(s), newest first, times in UTC:",
              highlight=False)
    for event in events:
        out.print(f"{event.at:%Y-%m-%d %H:%M:%S}  {event.team_id}  {event.actor}  "
                  f"{event.action}  {event.result}  {event.summary}", highlight=False,
                  markup=False, soft_wrap=True)


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


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "0.0.0.0",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 3000,
    no_scheduler: Annotated[bool, typer.Option(
        "--no-scheduler", help="Do not run the scheduled jobs in this process.")] = False,
) -> None:
    """Serve Slack over HTTP: /slack/events, /healthz and /metrics (uvicorn)."""

    from bot.runtime import server
    settings = cli_context.settings()
    _refuse_oauth(settings)
    if not settings.slack_signing_secret:
        raise fail("SLACK_SIGNING_SECRET is not set: `serve` verifies every request from Slack "
                   "with it (Slack app settings > Basic Information > Signing Secret).")
    if not settings.slack_bot_token:
        raise fail("SLACK_BOT_TOKEN is not set: the bot answers through the Web API with it "
                   "(Slack app settings > OAuth & Permissions > Bot User OAuth Token).")
    cli_context.configure_logging()
    clock = cli_context.clock()
    asgi = server.build_asgi(settings, engine=cli_context.engine(), clock=clock,
                             gateway=None,
                             background=_background(no_scheduler))
    server.run_server(asgi, host=host, port=port)


@app.command("socket")
def socket(no_scheduler: Annotated[bool, typer.Option(
        "--no-scheduler", help="Do not run the scheduled jobs in this process.")] = False,
) -> None:
    """Connect to Slack in Socket Mode (no public URL needed; for development)."""
    import secrets

    from pydantic import SecretStr
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.app import create_app, make_client
    from bot.config import Settings
    from bot.runtime.server import prepare_database

    settings = cli_context.settings()
    _refuse_oauth(settings)
    app_token = Settings.secret(settings.slack_app_token)
    if not app_token:
        raise fail("SLACK_APP_TOKEN is not set: Socket Mode connects with an app-level token "
                   "(xapp-…, Slack app settings > Basic Information > App-Level Tokens, "
                   "scope connections:write).")
    if not settings.slack_bot_token:
        raise fail("SLACK_BOT_TOKEN is not set: the bot answers through the Web API with it.")
    if not settings.slack_signing_secret:
        # Socket Mode requests are not signed; the app factory still wants a secret.
        settings = settings.model_copy(
            update={"slack_signing_secret": SecretStr(secrets.token_hex(32))})
    cli_context.configure_logging()
    clock, engine = cli_context.clock(), cli_context.engine()
    prepare_database(settings, engine, clock)
    client = make_client(settings)
    services = cli_context.services()
    bolt = create_app(settings, services, client=client)
    start = _background(no_scheduler)
    started = start(services, client, settings) if start else None
    try:
        SocketModeHandler(bolt, app_token).start()
    finally:
        if started is not None:
            started.stop()


@app.command("console")
def console(
    locale: Annotated[str, typer.Option(help="Your Slack locale in the console, e.g. de-DE.")]
    = "en-US",
    files_dir: Annotated[str, typer.Option(help="Where files the bot uploads are saved.")]
    = "console-files",
) -> None:
    """Chat with the bot locally: slash commands and DMs, no Slack workspace needed."""
    import sys
    from pathlib import Path

    from bot.console import session as local
    settings, clock = cli_context.settings(), cli_context.clock()
    screen = Console(soft_wrap=not sys.stdout.isatty())  # piped output: one line per line
    run = local.start_console(settings, engine=cli_context.engine(), clock=clock,
                              gateway=None, out=screen,
                              files_dir=Path(files_dir), locale=locale,
                              background=_background(False))
    screen.print(local.banner(settings, locale), highlight=False)
    try:
        if sys.stdin.isatty():
            local.run_lines(run.session, local.prompt_lines(screen), echo=False)
        else:
            local.run_lines(run.session, sys.stdin, echo=True)
    finally:
        run.close()


def _refuse_oauth(settings: Settings) -> None:
    # Bolt reads SLACK_CLIENT_ID/SECRET from the environment by itself and then answers every
    # request "please reinstall this app", while /slack/install does not exist: stop instead.
    if settings.oauth_enabled:
        raise fail("SLACK_CLIENT_ID and SLACK_CLIENT_SECRET are set, but installs for many "
                   "workspaces (/slack/install) are not built yet: unset them and run one "
                   "deployment per workspace with its SLACK_BOT_TOKEN.")


def _background(disabled: bool) -> BackgroundStart | None:
    """The scheduler's start function, unless disabled or not built yet (said once)."""
    from bot.runtime.server import scheduler_start

    if disabled:
        return None
    start = scheduler_start()
    if start is None:
        err.print("note: no scheduler yet (bot.runtime.scheduler); alerts and auto-recharge sweeps "
                  "do not run.", highlight=False)
    return start


# Registered after the run modes above, so that `credits-bot --help` lists serve, socket and
# console first.
cli_scheduler.register(app)
cli_usage.register(app)
cli_graph.register(app)
cli_rates.register(app)


def main() -> None:
    try:
        app()
    except (OperationalError, InterfaceError) as exc:
        # The database cannot be reached (down, wrong host, no such file): one sentence from
        # every command instead of SQLAlchemy's and the driver's tracebacks.
        err.print(f"[red]error:[/red] {database_unreachable(exc)}", highlight=False,
                  soft_wrap=True)
        raise SystemExit(3) from None


def database_unreachable(exc: OperationalError | InterfaceError) -> str:
    """The sentence for a database that cannot be reached, its URL without the password."""
    url = make_url(cli_context.settings().database_url).render_as_string(hide_password=True)
    reason = (str(exc.orig).strip().splitlines() or ["no answer"])[0][:200]
    return (f"cannot reach the database at {url} ({reason}); check DATABASE_URL and that the "
            "database server is running.")
