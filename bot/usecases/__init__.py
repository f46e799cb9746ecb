"""Use cases: what one Slack request asks for (a deposit and its buttons, Recharge now, turning
auto-recharge on, an adjustment), over the services. A handler parses, calls one use case and
renders its result; the rules' order, the amounts and the idempotency keys live here.

Each use case takes its services as constructor arguments; `UseCases` holds one of each.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.usecases.adjustments import Adjustments
from bot.usecases.alert_purchases import AlertPurchases
from bot.usecases.autorecharge_setup import AutoRechargeSetup
from bot.usecases.deposit_requests import DepositRequests


@dataclass(frozen=True)
class UseCases:
    deposit_requests: DepositRequests
    alert_purchases: AlertPurchases
    autorecharge_setup: AutoRechargeSetup
    adjustments: Adjustments
