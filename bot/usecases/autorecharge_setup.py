"""Turning auto-recharge on: from `/credits autorecharge on … below …`, from its Confirm button
(a setting that warned), and from the modal an alert's "Turn on auto-recharge" opens.

A recharge is a purchase, so the amount obeys the deposit rules first. A trigger at or above the
balance buys at once: the command then asks for a confirmation (a pending operation, claimed
once) before it changes anything. Turned on below the trigger already, the first recharge is
bought now rather than at the next sweep.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from bot.accounts import Accounts, AccountView, purchase_refusal
from bot.confirmations import Confirmations, PendingOp, operation_id_for
from bot.deposits import Deposits
from bot.errors import CreditsError
from bot.money import Money
from bot.recharge import DEFAULT_MAX_PER_DAY, RechargeFailed, Recharger, RechargeSucceeded
from bot.recommend import Recommender, recommended_setting

CONFIRM_KIND = "autorecharge"


@dataclass(frozen=True)
class TurnedOn:
    """Auto-recharge is on: the account after it, the payment method, and what became of a
    balance below the trigger already (`recharged`, or the first recharge's `failure`)."""

    account: AccountView
    method: str
    recharged: bool = False
    failure: str | None = None


@dataclass(frozen=True)
class SetupAsked:
    """The command's answer: turned on, or `pending` a confirmation (nothing changed yet)."""

    turned_on: TurnedOn | None = None
    pending: PendingOp | None = None


@dataclass(frozen=True)
class Decision:
    """A Confirm or Cancel click on a pending setting. `operation` None: answered already,
    expired, or not such a setting. Otherwise `turned_on` (confirmed), `error` (confirmed, but
    the deposit rules refused it now), or neither (cancelled)."""

    operation: PendingOp | None
    turned_on: TurnedOn | None = None
    error: CreditsError | None = None


@dataclass(frozen=True)
class Proposal:
    """What the alert's "Turn on auto-recharge" proposes: `already` on; a `refusal` (the account
    may not buy); else the recommended amount (never below the smallest deposit), trigger and
    why."""

    already: bool = False
    refusal: str | None = None
    amount: Money | None = None
    below: Money | None = None
    basis: str = ""


class AutoRechargeSetup:
    """The use cases of turning auto-recharge on."""

    def __init__(self, accounts: Accounts, deposits: Deposits, confirmations: Confirmations,
                 recommender: Recommender, recharger: Recharger | None) -> None:
        self.accounts = accounts
        self.deposits = deposits
        self.confirmations = confirmations
        self.recommender = recommender
        self.recharger = recharger

    @property
    def cap_per_day(self) -> int:
        """How many recharges the runaway guard allows in 24 hours."""
        return self.recharger.max_per_day if self.recharger is not None else DEFAULT_MAX_PER_DAY

    def paused_until(self, account: AccountView) -> datetime | None:
        """Until when the runaway guard pauses the account's recharges, if it does."""
        return self.recharger.paused_until(account.id) if self.recharger is not None else None

    @staticmethod
    def needs_confirmation(account: AccountView, *, below: Money) -> bool:
        """A trigger at or above the balance buys at once (and may buy again at every charge)."""
        return below >= account.balance

    def ask(self, account: AccountView, *, amount: Money, below: Money, actor: str,
            request: str) -> SetupAsked:
        """`/credits autorecharge on`: the deposit rules first (a CreditsError), then turn it on,
        or keep a setting that buys at once for its Confirm button (one per Slack request)."""
        quote = self.deposits.quote_for(account, amount)
        if not self.needs_confirmation(account, below=below):
            return SetupAsked(turned_on=self._turn_on(account.team_id, amount=amount,
                                                      below=below, method=quote.method))
        return SetupAsked(pending=self.confirmations.create(
            account_id=account.id, kind=CONFIRM_KIND,
            payload={"amount": str(amount.amount), "below": str(below.amount)},
            requested_by=actor,
            operation_id=operation_id_for(account.team_id, CONFIRM_KIND, actor,
                                          str(amount.amount), str(below.amount), request)))

    def decide(self, operation_id: str, *, account: AccountView, confirm: bool) -> Decision:
        """Carry out (confirm) or drop the pending setting, once."""
        op = self.confirmations.decide(operation_id, account_id=account.id, kind=CONFIRM_KIND,
                                       confirm=confirm)
        if op is None or not confirm:
            return Decision(op)
        try:
            # The payload keeps bare amounts: the account's currency is theirs.
            turned_on = self.turn_on(
                account.team_id, amount=Money(Decimal(op.payload["amount"]), account.currency),
                below=Money(Decimal(op.payload["below"]), account.currency))
        except CreditsError as exc:
            self.confirmations.finish(op.id, result={"error": str(exc)}, status="failed")
            return Decision(op, error=exc)
        self.confirmations.finish(op.id, result={"ok": True})
        return Decision(op, turned_on=turned_on)

    def turn_on(self, team_id: str, *, amount: Money, below: Money) -> TurnedOn:
        """Turn it on now (the deposit rules checked first: a CreditsError changes nothing)."""
        quote = self.deposits.quote(team_id, amount)
        return self._turn_on(team_id, amount=amount, below=below, method=quote.method)

    def propose(self, account: AccountView) -> Proposal:
        """What the alert's modal is prefilled with (nothing is set before it is submitted)."""
        if account.autorecharge_enabled:
            return Proposal(already=True)
        refusal = purchase_refusal(account)
        if refusal:
            return Proposal(refusal=refusal)
        amount, below, basis = recommended_setting(self.recommender.recommend(account.id))
        floor = Money(self.deposits.min_deposit, amount.currency)
        return Proposal(amount=max(amount.rounded(), floor), below=below, basis=basis)

    def _turn_on(self, team_id: str, *, amount: Money, below: Money,
                 method: str) -> TurnedOn:
        account = self.accounts.set_autorecharge(team_id, enabled=True, amount=amount,
                                                 below=below)
        if self.recharger is None or account.balance >= below:
            return TurnedOn(account, method)
        outcome = self.recharger.evaluate(account.id)  # below the trigger already: buy now
        return TurnedOn(self.accounts.get(team_id), method,
                        recharged=isinstance(outcome, RechargeSucceeded),
                        failure=outcome.reason if isinstance(outcome, RechargeFailed) else None)
