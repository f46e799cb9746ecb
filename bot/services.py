"""The services the Slack handlers and the scheduler call, built once by the app factory."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from bot.accounts import Accounts
from bot.alert_settings import AlertSettings
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
from bot.recommend import Recommender


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
    confirmations: Confirmations
    history: History
    forecaster: Forecaster
    recommender: Recommender
    extras: dict[str, Any] = field(default_factory=dict)
