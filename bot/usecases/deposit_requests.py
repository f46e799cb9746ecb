"""Deposits asked for in Slack: `/credits deposit` (the ack's request, the payment after it) and
the Confirm, Cancel and Check again buttons of a deposit, over `bot.deposits`.

The ledger and gateway keys of Slack's deposits are made here and nowhere else. Keys already in
the database must keep matching: never change their format.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.accounts import AccountView
from bot.deposits import Attempt, DepositOutcome, DepositQuote, Deposits, attempt_id_for
from bot.money import Money

MAX_ATTEMPT_ID = 36  # attempt ids are UUIDs: anything longer is not one

Paying = Callable[[Attempt], None]  # told just before the gateway is asked (it may take seconds)


def command_key(attempt_id: str) -> str:
    """The ledger and gateway key of a `/credits deposit`: one per attempt."""
    return f"deposit:op:{attempt_id}"


def alert_key(alert_key: str) -> str:
    """The ledger and gateway key of the purchase made from one alert ("Recharge now")."""
    return f"deposit:alert:{alert_key}"


@dataclass(frozen=True)
class DepositRequested:
    """A `/credits deposit` written as an attempt (or found again, for a replayed request)."""

    quote: DepositQuote
    outcome: DepositOutcome
    confirm_above: Money  # deposits above it wait for a Confirm

    @property
    def awaiting_confirmation(self) -> bool:
        return self.outcome.status == "awaiting_confirmation"

    @property
    def paying_next(self) -> bool:
        """Written now, to be paid right after the ack."""
        return self.outcome.status == "created" and self.outcome.now


@dataclass(frozen=True)
class Confirmed:
    """What a Confirm click did: `moved` is None for an id that is no deposit of this account;
    `paid` is None when the attempt was confirmed, cancelled or expired before."""

    moved: DepositOutcome | None
    paid: DepositOutcome | None = None


@dataclass(frozen=True)
class Checked:
    """What Check again found: `attempt` None for a foreign or unknown id; `paid` None while
    the attempt still awaits its confirmation (nothing to ask the gateway)."""

    attempt: Attempt | None
    paid: DepositOutcome | None = None


@dataclass(frozen=True)
class Cancellation:
    """What Cancel did: `outcome` None for a foreign or unknown id; `cancelled` when it was
    cancelled now; otherwise where the attempt stands (checked with the gateway when it was in
    flight: only the gateway knows whether the card was charged)."""

    outcome: DepositOutcome | None
    cancelled: bool = False


class DepositRequests:
    """The use cases of a deposit asked for in Slack."""

    def __init__(self, deposits: Deposits) -> None:
        self.deposits = deposits

    @staticmethod
    def attempt_id(team_id: str, trigger: str) -> str:
        """The attempt of one Slack request: the same trigger (kept by Slack's retries) gives
        the same id."""
        return attempt_id_for(team_id, trigger)

    def request(self, account: AccountView, amount: Money, *, trigger: str, actor: str,
                memo: str | None) -> DepositRequested:
        """Within the ack: check the rules and write the attempt (raises a CreditsError when
        the deposit may not go ahead)."""
        team_id = account.team_id
        quote = self.deposits.quote_for(account, amount)
        attempt_id = self.attempt_id(team_id, trigger)
        outcome = self.deposits.request(team_id, amount, attempt_id=attempt_id,
                                        key=command_key(attempt_id), actor=actor, memo=memo)
        return DepositRequested(quote, outcome,
                                Money(self.deposits.confirm_above, amount.currency))

    def pay_requested(self, team_id: str, *, trigger: str) -> DepositOutcome | None:
        """After the ack: pay the attempt the ack wrote; None when there is none to pay
        (refused in the ack, waiting for its button, or paid by a replay)."""
        attempt = self.deposits.get(self.attempt_id(team_id, trigger))
        if attempt is None or attempt.status != "created":
            return None
        return self.deposits.pay(attempt.id)

    def confirm(self, attempt_id: str, *, account_id: int, actor: str,
                paying: Paying) -> Confirmed:
        """Confirm a large deposit once, and pay it."""
        moved = (self.deposits.confirm(attempt_id, account_id=account_id, actor=actor)
                 if len(attempt_id) <= MAX_ATTEMPT_ID else None)
        if moved is None or not moved.now:
            return Confirmed(moved)
        paying(moved.attempt)
        return Confirmed(moved, self.deposits.pay(moved.attempt.id))

    def check(self, attempt_id: str, *, account_id: int) -> Checked:
        """Ask the gateway about a payment whose outcome is unknown, and book it if it went
        through."""
        attempt = self.deposits.get(attempt_id) if len(attempt_id) <= MAX_ATTEMPT_ID else None
        if attempt is None or attempt.account_id != account_id:
            return Checked(None)
        if attempt.status == "awaiting_confirmation":
            return Checked(attempt)
        return Checked(attempt, self.deposits.pay(attempt.id))

    def cancel(self, attempt_id: str, *, account_id: int) -> Cancellation:
        """Cancel a deposit that awaits its confirmation; on one in flight, ask the gateway (when
        no worker holds the payment now) instead of ever saying "nothing was deposited"."""
        cancelled = (self.deposits.cancel(attempt_id, account_id=account_id)
                     if len(attempt_id) <= MAX_ATTEMPT_ID else None)
        if cancelled is None:
            return Cancellation(None)
        if cancelled.now:
            return Cancellation(cancelled, cancelled=True)
        if cancelled.attempt.in_flight:
            return Cancellation(self.deposits.pay(cancelled.attempt.id))
        return Cancellation(cancelled)
