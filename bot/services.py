"""The services the Slack handlers and the scheduler call, built once by the app factory."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from bot.accounts import Accounts
from bot.alerts.settings import AlertSettings
from bot.audit import AuditLog
from bot.clock import Clock
from bot.config import Settings
from bot.confirmations import Confirmations
from bot.deposits import Deposits
from bot.forecast import Forecaster
from bot.history import History
from bot.ledger import Ledger
from bot.licenses import Licenses
from bot.payments import PaymentGateway
from bot.rates.service import Rates
from bot.recommend import Recommender
from bot.summary import AccountSummaries
from bot.usage.reports import UsageReports

if TYPE_CHECKING:  # both import this module for its type: no cycle at run time
    from bot.alerts.outbox import AlertMonitor
    from bot.graph.connection import GraphConnection
    from bot.recharge import Recharger


@dataclass
class Services:
    """Everything with rules in it, wired to one engine, one clock and one payment gateway."""

    settings: Settings
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
    # Set by bot.alerts.outbox.install_alerting, which wires them into the ledger's hooks.
    alerts: AlertMonitor | None = None
    recharger: Recharger | None = None
    # The Microsoft 365 connection (DESIGN §10); None without the MS_* settings.
    graph: GraphConnection | None = None
