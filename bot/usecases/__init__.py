"""Use cases: what one Slack request asks for (a deposit, its Confirm, Recharge now, turning
auto-recharge on), over the services, whatever surface it came from. A handler parses, calls one
use case and renders its result; the rules, the amounts and the idempotency keys live here.

Each use case takes its services as constructor arguments; `UseCases` holds one of each.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.usecases.alert_purchases import AlertPurchases
from bot.usecases.autorecharge_setup import AutoRechargeSetup
from bot.usecases.deposit_requests import DepositRequests


@dataclass(frozen=True)
class UseCases:
    deposit_requests: DepositRequests
    alert_purchases: AlertPurchases
    autorecharge_setup: AutoRechargeSetup
