"""The composition root: builds the services and the Bolt app from its arguments.

No import-time side effects: tests build a fresh app per test, the CLI builds one per process.
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
from bot.alerts.outbox import install_alerting
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
from bot.payments import SimulatedGateway
from bot.rates.service import Rates
from bot.recommend import Recommender
from bot.services import Services
from bot.summary import AccountSummaries
from bot.usage.reports import UsageReports
from bot.usecases import UseCases
from bot.usecases.adjustments import Adjustments
from bot.usecases.alert_purchases import AlertPurchases
from bot.usecases.autorecharge_setup import AutoRechargeSetup
from bot.usecases.deposit_requests import DepositRequests
from handlers.auth import Rights
from handlers.blocks.alert_messages import alert_blocks
from handlers.context import HandlerContext
from handlers.directory import Directory
from handlers.tenancy import Workspace, refuse_other_teams

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


def build_services(settings: Settings, *, engine: Engine, clock: Clock, gateway: Any) -> Services:
    """Wire the services to one engine, clock and payment gateway (the card simulation when
    none is given)."""
    payments = (gateway if gateway is not None
                else SimulatedGateway.from_settings(settings, engine=engine, clock=clock))
    accounts, ledger = Accounts(engine, clock), Ledger(engine, clock)
    services = Services(
        settings=settings, engine=engine, clock=clock, accounts=accounts, ledger=ledger,
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
        forecaster=Forecaster(engine, clock), summaries=AccountSummaries(engine, clock, accounts),
        recommender=Recommender(engine, clock, min_deposit=settings.credits_min_deposit),
        rates=Rates(engine, clock, rates_file=settings.credits_rates_file),
        usage_reports=UsageReports(engine, clock))
    # Alerts and auto-recharge hook into the ledger: see bot/outbox.install_alerting.
    monitor = install_alerting(services, render=alert_blocks)
    services.graph = connect(settings, engine=engine, clock=clock, hooks=services.ledger.hooks,
                             write_alert=monitor.writer.write)
    return services


def build_use_cases(services: Services) -> UseCases:
    """The use cases of Slack's requests, on the services."""
    return UseCases(
        deposit_requests=DepositRequests(services.deposits),
        alert_purchases=AlertPurchases(services.deposits, services.recommender),
        autorecharge_setup=AutoRechargeSetup(services.accounts, services.deposits,
                                             services.confirmations, services.recommender,
                                             services.recharger),
        adjustments=Adjustments(services.confirmations, services.ledger))


def create_app(settings: Settings, *, engine: Engine, client: WebClient, clock: Clock,
               gateway: Any, services: Services | None = None) -> App:
    """The Bolt app: every listener registered, answering within the ack."""
    signing_secret = Settings.secret(settings.slack_signing_secret)
    if not signing_secret:
        raise ValueError("SLACK_SIGNING_SECRET is required: it verifies every request")
    services = services or build_services(settings, engine=engine, clock=clock, gateway=gateway)
    app = App(client=client, signing_secret=signing_secret, process_before_response=True,
              token_verification_enabled=False, logger=log)
    directory, workspace = Directory(client), Workspace(client)
    ctx = HandlerContext(services=services, client=client, directory=directory,
                         rights=Rights(settings.credits_admins, directory, services.audit,
                                       workspace), use_cases=build_use_cases(services))
    app.use(refuse_other_teams(workspace, services.audit))
    handlers.register(app, ctx)

    @app.error
    def apologise(error: Exception, body: dict[str, Any], respond: Any) -> BoltResponse | None:
        log.exception("unexpected error while handling a Slack request", exc_info=error)
        if body.get("command") and respond is not None:
            respond(text=t(":warning: Sorry, something went wrong on our side. It has been "
                           "logged; please try again in a minute.",
                           directory.locale(str(body.get("user_id") or ""))))
        return None

    app.credits_context = ctx  # type: ignore[attr-defined]  # for the console and tests
    return app
