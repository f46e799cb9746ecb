"""Low-balance thresholds and the alert channel of an account (the settings, not the alerts).

A threshold is `armed` when the balance is above it: only then can the balance cross it and
alert. A threshold added at or above the current balance starts disarmed (it would otherwise
alert at once about a level the admin just chose knowing the balance), and is armed again when
the balance rises above it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine

from bot.accounts import Accounts, AccountView, currency_of
from bot.clock import Clock
from bot.errors import CreditsError
from bot.money import Money
from storage import accounts as accounts_db
from storage import outbox as outbox_db
from storage.db import read_session, write_transaction

MAX_THRESHOLDS = 10
UNDELIVERED_SHOWN = 10


class DuplicateThreshold(CreditsError):
    """The account has that threshold already."""


class UnknownThreshold(CreditsError):
    """The account has no such threshold."""


@dataclass(frozen=True)
class Threshold:
    amount: Money
    armed: bool


@dataclass(frozen=True)
class UndeliveredAlert:
    """An alert Slack has not taken yet (pending) or that was given up on (dead)."""

    created_at: datetime
    headline: str
    target: str | None  # a channel id, "@U…" for a DM, None: the admins at delivery
    given_up: bool
    attempts: int
    next_attempt_at: datetime
    last_error: str | None


class AlertSettings:
    """Adds, removes and lists thresholds; reads and sets the alert channel."""

    def __init__(self, engine: Engine, clock: Clock, accounts: Accounts, *,
                 default_channel: str | None = None) -> None:
        self.engine = engine
        self.clock = clock
        self.accounts = accounts
        self.default_channel = default_channel

    def thresholds(self, *, account_id: int) -> list[Threshold]:
        """The thresholds, highest first."""
        with read_session(self.engine) as session:
            currency = currency_of(session, account_id)
            return [Threshold(Money.from_micros(row.amount_micros, currency), row.armed)
                    for row in accounts_db.list_thresholds(session=session,
                                                           account_id=account_id)]

    def add_threshold(self, *, account_id: int, amount: Money) -> Threshold:
        """Add a low-balance level, armed when the balance is above it now."""
        _check(amount)
        with write_transaction(self.engine) as session:
            account = accounts_db.lock_account(session=session, account_id=account_id)
            existing = accounts_db.list_thresholds(session=session, account_id=account_id)
            amount.in_currency(account.currency)
            micros = amount.micros
            if any(row.amount_micros == micros for row in existing):
                raise DuplicateThreshold("That threshold is set already.")
            if len(existing) >= MAX_THRESHOLDS:
                raise CreditsError(f"An account can have at most {MAX_THRESHOLDS} thresholds: "
                                   "remove one first.")
            armed = account.balance_micros > micros
            accounts_db.add_threshold(session=session, account_id=account_id,
                                      amount_micros=micros, armed=armed, now=self.clock.now())
            return Threshold(amount, armed)

    def remove_threshold(self, *, account_id: int, amount: Money) -> None:
        """Remove a low-balance level."""
        _check(amount)
        with write_transaction(self.engine) as session:
            account = accounts_db.lock_account(session=session, account_id=account_id)
            amount.in_currency(account.currency)
            if not accounts_db.remove_threshold(session=session, account_id=account_id,
                                                amount_micros=amount.micros):
                raise UnknownThreshold("There is no such threshold.")

    def channel(self, account: AccountView) -> str | None:
        """Where the account's alerts go: its own channel, or CREDITS_ALERT_CHANNEL."""
        return account.alert_channel or self.default_channel

    def set_channel(self, team_id: str, channel: str) -> AccountView:
        """Send the account's alerts to this channel."""
        if not channel or len(channel) > 32:
            raise CreditsError("That is not a Slack channel id.")
        account = self.accounts.set_alert_channel(team_id, channel)
        # Alerts that found nobody to go to (written by a CLI with no admins known) go now.
        with write_transaction(self.engine) as session:
            outbox_db.hasten_unaddressed(session=session, account_id=account.id,
                                         now=self.clock.now())
        return account

    def undelivered(self, *, account_id: int,
                    limit: int = UNDELIVERED_SHOWN) -> tuple[int, list[UndeliveredAlert]]:
        """(how many, the newest `limit`) alerts of the account not delivered to anyone."""
        with read_session(self.engine) as session:
            total, rows = outbox_db.list_undelivered(session=session, account_id=account_id,
                                                     limit=limit)
            return total, [UndeliveredAlert(
                created_at=row.created_at, headline=row.text.split("\n", 1)[0],
                target=row.channel, given_up=row.status == outbox_db.DEAD,
                attempts=row.attempts, next_attempt_at=row.next_attempt_at,
                last_error=row.last_error) for row in rows]


def _check(amount: Money) -> None:
    if not amount.is_positive:
        raise CreditsError("A threshold must be a positive amount.")
    if amount != amount.rounded():
        raise CreditsError("Use at most 2 decimals for money.")
