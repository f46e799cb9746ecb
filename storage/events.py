"""Claims of Slack deliveries: Slack retries an event up to 4 times, we answer it once.

A claim is a lease until it is finished: `claim_event` takes a free key, or one whose lease has
lapsed (its holder died before answering); `finish_event` marks it answered for good.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from storage.models import ProcessedEvent


class Claim(Enum):
    """What a delivery found: the claim is its own, answered before, or being answered."""

    TAKEN = "taken"
    ANSWERED = "answered"
    BUSY = "busy"


def claim_event(*, session: Session, key: str, team_id: str, now: datetime,
                lease: timedelta) -> Claim:
    """Claim `key` for `lease`, unless it was answered or another holder's lease is live."""
    # ON CONFLICT DO NOTHING rather than catching the unique violation: on PostgreSQL a failed
    # INSERT would abort the caller's whole transaction.
    dialect = session.get_bind().dialect.name
    insert: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (insert(ProcessedEvent)
                 .values(key=key, team_id=team_id, created_at=now, lease_until=now + lease)
                 .on_conflict_do_nothing(index_elements=["key"])
                 .returning(col(ProcessedEvent.key)))
    # RETURNING rather than rowcount: ORM-enabled inserts do not report a rowcount.
    if session.execute(statement).first() is not None:
        return Claim.TAKEN
    # A lapsed lease is taken over by one delivery only: the UPDATE's condition is checked
    # again under the row lock (PostgreSQL) or the write lock (SQLite).
    takeover = (update(ProcessedEvent)
                .where(col(ProcessedEvent.key) == key,
                       col(ProcessedEvent.lease_until).is_not(None),
                       col(ProcessedEvent.lease_until) <= now)
                .values(lease_until=now + lease)
                .returning(col(ProcessedEvent.key)))
    if session.execute(takeover).first() is not None:
        return Claim.TAKEN
    found = session.exec(select(ProcessedEvent).where(col(ProcessedEvent.key) == key)).first()
    if found is None:  # released by its failed holder just now: let Slack's next retry have it
        return Claim.BUSY
    return Claim.ANSWERED if found.lease_until is None else Claim.BUSY


def finish_event(*, session: Session, key: str) -> None:
    """Mark a claim answered: no retry of it is handled again."""
    session.execute(update(ProcessedEvent).where(col(ProcessedEvent.key) == key)
                    .values(lease_until=None))


def release_event(*, session: Session, key: str) -> None:
    """Forget a claim (its handling failed, so Slack's retry may try again)."""
    session.execute(delete(ProcessedEvent).where(col(ProcessedEvent.key) == key))


def prune_events(*, session: Session, before: datetime) -> int:
    """Delete claims older than `before` (Slack stops retrying after minutes); return how many."""
    result: Any = session.execute(
        delete(ProcessedEvent).where(col(ProcessedEvent.created_at) < before))
    return int(result.rowcount or 0)
