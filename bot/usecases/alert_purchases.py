"""Buying from an alert ("Recharge now"): which amount, under which key, and the payment.

The attempt's id and key come from the alert's dedupe key, so double clicks, Slack's replays and
two admins clicking their own copies of the alert buy once.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.accounts import AccountView
from bot.deposits import DepositOutcome, DepositQuote, Deposits, attempt_id_for
from bot.errors import CreditsError, IdempotencyConflict
from bot.money import Money
from bot.recommend import Recommender, recharge_now_amount
from bot.usecases.deposit_requests import Paying, alert_key

MEMO = "Recharge now, from an alert"


@dataclass(frozen=True)
class AlertPurchase:
    """What a Recharge now click did. Exactly one of: `refused` (the deposit rules said no,
    nothing changed), `bought_before` (this alert bought already, with another amount),
    `requested` (the request; then `paid` is the payment when it was made now)."""

    amount: Money
    confirm_above: Money  # the deposit limit above which a Confirm is asked
    quote: DepositQuote | None = None
    requested: DepositOutcome | None = None
    paid: DepositOutcome | None = None
    refused: CreditsError | None = None
    bought_before: bool = False


class AlertPurchases:
    """The use case of the Recharge now button of an alert."""

    def __init__(self, deposits: Deposits, recommender: Recommender) -> None:
        self.deposits = deposits
        self.recommender = recommender

    def amount(self, account: AccountView) -> Money:
        """The auto-recharge amount, else the recommendation from the spend, else the table's."""
        return recharge_now_amount(self.recommender, account.id,
                                   autorecharge_amount=account.autorecharge_amount,
                                   min_deposit=self.deposits.min_deposit)

    def buy(self, account: AccountView, alert: str, *, named: Money | None, actor: str,
            paying: Paying) -> AlertPurchase:
        """Buy the amount the button named (else `amount`) once per alert; a large amount waits
        for the deposit's own Confirm button, like `/credits deposit`."""
        amount = named if named is not None else self.amount(account)
        bought = AlertPurchase(amount=amount,
                               confirm_above=Money(self.deposits.confirm_above, amount.currency))
        try:
            quote = self.deposits.quote_for(account, amount)
            requested = self.deposits.request(
                account.team_id, amount, attempt_id=attempt_id_for(account.team_id, "alert", alert),
                key=alert_key(alert), actor=actor, memo=MEMO)
        except IdempotencyConflict:  # bought from this alert before, with another amount
            return replace(bought, bought_before=True)
        except CreditsError as exc:
            return replace(bought, refused=exc)
        attempt = requested.attempt
        if attempt.status == "awaiting_confirmation" or not requested.now:
            return replace(bought, quote=quote, requested=requested)
        paying(attempt)
        return replace(bought, quote=quote, requested=requested,
                     paid=self.deposits.pay(attempt.id))

