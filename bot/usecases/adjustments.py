"""Adjustments asked for in Slack (`/credits adjust`, `/credits balance sync`): kept as a pending
operation until an admin presses Confirm, then booked once, under a ledger key derived from the
operation's id (a double click, a replayed delivery or two admins book it once). Keys already in
the database must keep matching: never change their format.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from bot.accounts import AccountView
from bot.confirmations import Confirmations, PendingOp, operation_id_for
from bot.ledger import Ledger, Posting
from bot.money import Money

CONFIRM_KIND = "adjust"


def ledger_key(operation_id: str) -> str:
    """The ledger key of a confirmed adjustment: one per pending operation."""
    return f"adjustment:{operation_id}"


@dataclass(frozen=True)
class AdjustmentDecision:
    """A Confirm or Cancel click. `operation` None: answered already, expired, or not an
    adjustment; else `posting` when it was booked now (None: cancelled)."""

    operation: PendingOp | None
    posting: Posting | None = None


class Adjustments:
    """The use cases of an adjustment: ask, then book or drop it once."""

    def __init__(self, confirmations: Confirmations, ledger: Ledger) -> None:
        self.confirmations = confirmations
        self.ledger = ledger

    def ask(self, account: AccountView, *, amount: Money, reason: str, actor: str,
            request: tuple[str, ...]) -> PendingOp:
        """Keep the adjustment for its Confirm button; `request` names the Slack request (the
        same request again finds the same operation)."""
        return self.confirmations.create(
            account_id=account.id, kind=CONFIRM_KIND,
            payload={"amount": str(amount.amount), "reason": reason}, requested_by=actor,
            operation_id=operation_id_for(account.team_id, CONFIRM_KIND, actor, *request))

    def decide(self, operation_id: str, *, account: AccountView, confirm: bool,
               actor: str) -> AdjustmentDecision:
        """Book (confirm) or drop the pending adjustment, once."""
        op = self.confirmations.decide(operation_id, account_id=account.id, kind=CONFIRM_KIND,
                                       confirm=confirm)
        if op is None or not confirm:
            return AdjustmentDecision(op)
        # The payload keeps the bare amount: the account's currency is its.
        amount = Money(Decimal(op.payload["amount"]), account.currency)
        posting = self.ledger.adjust(account_id=account.id, amount=amount,
                                     key=ledger_key(op.id), actor=actor,
                                     memo=str(op.payload["reason"]))
        self.confirmations.finish(op.id, result={"entry": posting.entry_id})
        return AdjustmentDecision(op, posting)
