"""The services the Slack handlers and the scheduler call, built once by the composition root
(bot/app.py `build_services`), in order, and never changed after."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from bot.accounts import Accounts
from bot.alerts.monitor import AlertMonitor
from bot.alerts.settings import AlertSettings
from bot.audit import AuditLog
from bot.clock import Clock
from bot.confirmations import Confirmations
from bot.deposits import Deposits
from bot.forecast import Forecaster
from bot.graph.connection import Microsoft365
from bot.history import History
from bot.ledger import Ledger
from bot.licenses import Licenses
from bot.payments import PaymentGateway
from bot.rates.service import Rates
from bot.recharge import Recharger
from bot.recommend import Recommender
from bot.summary import AccountSummaries
from bot.usage.importer import UsageImporter
from bot.usage.reports import UsageReports
from bot.usage.running_imports import RunningImports


@dataclass(frozen=True)
class Services:
    """Everything with rules in it, wired to one engine, one clock and one payment gateway.

    The ledger's hooks are the alert monitor's and the recharger's: every money change, the
    imports' included, writes its alerts and decides its recharge in its own transaction."""

    engine: Engine
    clock: Clock
    accounts: Accounts
    ledger: Ledger
    audit: AuditLog
    gateway: PaymentGateway
    deposits: Deposits
    licenses: Licenses
    alert_settings: AlertSettings
    history: History
    forecaster: Forecaster
    summaries: AccountSummaries
    confirmations: Confirmations
    recommender: Recommender
    rates: Rates
    usage_reports: UsageReports
    usage_importer: UsageImporter
    running_imports: RunningImports
    alerts: AlertMonitor
    recharger: Recharger
    # The Microsoft 365 connection (DESIGN §10); NotConnected without the MS_* settings.
    graph: Microsoft365
