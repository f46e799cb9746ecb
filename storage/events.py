"""Slack deliveries already handled: Slack retries an event up to 4 times, we answer once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col

from storage.models import ProcessedEvent


def claim_event(*, session: Session, key: str, team_id: str, now: datetime) -> bool:
    """Record `key` as handled; False when it was claimed before (a retried delivery)."""
    # ON CONFLICT DO NOTHING rather than catching the unique violation: on PostgreSQL a failed
    # INSERT would abort the caller's whole transaction.
    dialect = session.get_bind().dialect.name
    insert: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (insert(ProcessedEvent).values(key=key, team_id=team_id, created_at=now)
                 .on_conflict_do_nothing(index_elements=["key"])
                 .returning(col(ProcessedEvent.key)))
    # RETURNING rather than rowcount: ORM-enabled inserts do not report a rowcount.
    return session.execute(statement).first() is not None


def release_event(*, session: Session, key: str) -> None:
    """Forget a claim (its handling failed, so Slack's retry may try again)."""
    session.execute(delete(ProcessedEvent).where(col(ProcessedEvent.key) == key))


def prune_events(*, session: Session, before: datetime) -> int:
    """Delete claims older than `before` (Slack stops retrying after minutes); return how many."""
    result: Any = session.execute(
        delete(ProcessedEvent).where(col(ProcessedEvent.created_at) < before))
    return int(result.rowcount or 0)
