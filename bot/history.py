"""The ledger's recent entries, as `/credits history` shows them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine

from bot.accounts import currency_of
from bot.money import Money
from bot.redaction import redact_card_numbers
from storage.db import read_session
from storage.ledger import list_entries

DEFAULT_ENTRIES = 10
MAX_ENTRIES = 50


@dataclass(frozen=True)
class HistoryEntry:
    """One ledger entry: what changed the balance, by how much, and what it left."""

    kind: str  # deposit | recharge | charge | expiry | adjustment
    amount: Money  # signed: credits in are positive
    balance_after: Money
    memo: str | None
    actor: str
    created_at: datetime


class History:
    """Reads an account's ledger, newest first."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def recent(self, *, account_id: int, limit: int = DEFAULT_ENTRIES) -> list[HistoryEntry]:
        """The last `limit` entries (1 to MAX_ENTRIES), newest first."""
        if not 1 <= limit <= MAX_ENTRIES:
            raise ValueError(f"limit must be 1 to {MAX_ENTRIES}")
        with read_session(self.engine) as session:
            currency = currency_of(session, account_id)
            rows = list_entries(session=session, account_id=account_id, limit=limit)
            return [HistoryEntry(kind=row.kind,
                                 amount=Money.from_micros(row.amount_micros, currency),
                                 balance_after=Money.from_micros(row.balance_after_micros,
                                                                 currency),
                                 # Entries booked before memos were redacted may hold one.
                                 memo=redact_card_numbers(row.memo) if row.memo else None,
                                 actor=row.actor, created_at=row.created_at)
                    for row in rows]
