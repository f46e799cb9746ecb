"""The composition root: builds the services, then the Bolt app on them, from its arguments.

The only module of bot/ that imports handlers/ (tests/test_layers.py checks it). No import-time
side effects: tests build fresh services and a fresh app per test, the CLI one per process
(bot/cli/context.py `services()`).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from slack_bolt import App, BoltResponse
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from sqlalchemy import Engine

import handlers
from bot.accounts import Accounts
from bot.alerts.monitor import AlertMonitor
from bot.alerts.outbox import OutboxWriter
from bot.alerts.settings import AlertSettings
from bot.audit import AuditLog
from bot.clock import Clock
from bot.config import Settings
from bot.confirmations import Confirmations
from bot.deposits import Deposits
from bot.forecast import Forecaster
from bot.graph.connection import connect
from bot.history import History
from bot.i18n import t
from bot.ledger import Ledger
from bot.licenses import Licenses
from bot.payments import PaymentGateway, SimulatedGateway
from bot.rates.service import Rates
from bot.recharge import Recharger
from bot.recommend import Recommender, recharge_now_amount
from bot.services import Services
from bot.summary import AccountSummaries
from bot.usage.importer import UsageImporter
from bot.usage.reports import UsageReports
from bot.usage.running_imports import RunningImports
from bot.usecases import UseCases
from bot.usecases.adjustments import Adjustments
from bot.usecases.alert_purchases import AlertPurchases
from bot.usecases.autorecharge_setup import AutoRechargeSetup
from bot.usecases.deposit_requests import DepositRequests
from handlers.auth import Rights
from handlers.blocks.alert_messages import alert_blocks
from handlers.context import HandlerContext
from handlers.directory import Directory
from handlers.tenancy import RefuseOtherTeams, Workspace

log = logging.getLogger(__name__)


class CappedRateLimitRetryHandler(RateLimitErrorRetryHandler):
    """Retries a 429 once, and only when its Retry-After is at most `max_wait` seconds: a
    request never sleeps longer than that on Slack's rate limits (a thread that sleeps 30 s
    for each of 45 requests starves the server); a longer wait fails the call at once."""

    def __init__(self, max_wait: float) -> None:
        super().__init__(max_retry_count=1)
        self.max_wait = max_wait

    def _can_retry(self, *, state: RetryState, request: HttpRequest,
                   response: HttpResponse | None = None,
                   error: Exception | None = None) -> bool:
        if response is None or response.status_code != 429:
            return False
        values = {k.lower(): v for k, v in response.headers.items()}.get("retry-after") or ["1"]
        try:
            wait = float(values[0])
        except ValueError:
            return False
        return wait + 1 <= self.max_wait  # the handler sleeps Retry-After + up to 1 s


def make_client(settings: Settings) -> WebClient:
    """The Web API client on SLACK_API_URL, retrying Slack's 429s within a bounded wait."""
    client = WebClient(token=Settings.secret(settings.slack_bot_token),
                       base_url=settings.slack_api_url)
    client.retry_handlers.append(
        CappedRateLimitRetryHandler(max_wait=settings.credits_slack_max_wait_seconds))
    return client


def build_services(settings: Settings, *, engine: Engine, clock: Clock,
                   gateway: PaymentGateway | None = None) -> Services:
    """Every service, wired in order to one engine, clock and payment gateway (the card
    simulation when none is given), and never changed after: the composition root."""
    payments = (gateway if gateway is not None
                else SimulatedGateway.from_settings(settings, engine=engine, clock=clock))
    accounts, forecaster = Accounts(engine, clock), Forecaster(engine, clock)
    recommender = Recommender(engine, clock, min_deposit=settings.credits_min_deposit)
    rates = Rates(engine, clock, rates_file=settings.credits_rates_file)
    # Alerts are written to the outbox in the transaction of the change that fires them.
    outbox = OutboxWriter(default_channel=settings.credits_alert_channel, render=alert_blocks)
    monitor = AlertMonitor(
        engine, clock, outbox, forecaster=forecaster,
        recharge_amount=lambda account: recharge_now_amount(
            recommender, account.id, autorecharge_amount=account.autorecharge_amount,
            min_deposit=settings.credits_min_deposit))
    # The ledger's hooks run inside every money change's transaction: threshold and zero-
    # balance alerts, then the recharge decision (its payment runs right after the commit).
    # The recharger posts its own entries through a ledger with the alert hook only: a
    # recharge never decides another one.
    recharger = Recharger(engine, clock, payments,
                          ledger=Ledger(engine, clock, hooks=(monitor.on_posting,)),
                          max_per_day=settings.credits_recharge_cap_per_day,
                          on_outcome=monitor.on_recharge)
    ledger = Ledger(engine, clock, hooks=(monitor.on_posting, recharger.on_posting))
    importer = UsageImporter(engine, clock, ledger=ledger, rates=rates)
    return Services(
        engine=engine, clock=clock, accounts=accounts, ledger=ledger,
        audit=AuditLog(engine, clock), gateway=payments,
        deposits=Deposits(engine, clock, payments, ledger,
                          min_deposit=settings.credits_min_deposit,
                          max_deposit=settings.credits_max_deposit,
                          confirm_above=settings.credits_confirm_above,
                          check_after=timedelta(seconds=settings.credits_payment_check_seconds)),
        licenses=Licenses(engine, clock),
        alert_settings=AlertSettings(engine, clock, accounts,
                                     default_channel=settings.credits_alert_channel),
        confirmations=Confirmations(engine, clock), history=History(engine),
        forecaster=forecaster, summaries=AccountSummaries(engine, clock, accounts),
        recommender=recommender, rates=rates, usage_reports=UsageReports(engine, clock),
        usage_importer=importer,
        running_imports=RunningImports(
            engine, clock, beat_seconds=settings.credits_import_heartbeat_seconds),
        alerts=monitor, recharger=recharger,
        graph=connect(settings, engine=engine, clock=clock, importer=importer, alerts=outbox))


def build_use_cases(services: Services) -> UseCases:
    """The use cases of Slack's requests, on the services."""
    return UseCases(
        deposit_requests=DepositRequests(services.deposits),
        alert_purchases=AlertPurchases(services.deposits, services.recommender),
        autorecharge_setup=AutoRechargeSetup(services.accounts, services.deposits,
                                             services.confirmations, services.recommender,
                                             services.recharger),
        adjustments=Adjustments(services.confirmations, services.ledger))


def handler_context(settings: Settings, services: Services, *,
                    client: WebClient) -> HandlerContext:
    """What every handler gets: the services, the settings, the Web API, the users' directory
    and rights (the console keeps it to forget a user's cached locale)."""
    directory = Directory(client)
    workspace = Workspace(client)
    return HandlerContext(services=services, settings=settings, client=client,
                          directory=directory, workspace=workspace,
                          rights=Rights(settings.credits_admins, directory, services.audit,
                                        workspace), use_cases=build_use_cases(services))


def create_app(settings: Settings, services: Services, *, client: WebClient,
               context: HandlerContext | None = None) -> App:
    """The Bolt app on the services: every listener registered, answering within the ack."""
    signing_secret = Settings.secret(settings.slack_signing_secret)
    if not signing_secret:
        raise ValueError("SLACK_SIGNING_SECRET is required: it verifies every request")
    ctx = context or handler_context(settings, services, client=client)
    app = App(client=client, signing_secret=signing_secret, process_before_response=True,
              token_verification_enabled=False, logger=log)
    app.use(RefuseOtherTeams(ctx.workspace, services.audit))
    handlers.register(app, ctx)

    @app.error
    def apologise(error: Exception, body: dict[str, Any], respond: Any) -> BoltResponse | None:
        log.exception("unexpected error while handling a Slack request", exc_info=error)
        if body.get("command") and respond is not None:
            respond(text=t(":warning: Sorry, something went wrong on our side. It has been "
                           "logged; please try again in a minute.",
                           ctx.directory.locale(str(body.get("user_id") or ""))))
        return None

    return app
