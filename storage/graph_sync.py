"""Queries on the Graph usage sync state (one row per account)."""

from __future__ import annotations

from sqlmodel import Session

from storage.models import GraphSync


def get_sync_state(*, session: Session, account_id: int) -> GraphSync | None:
    return session.get(GraphSync, account_id)


def lock_sync_state(*, session: Session, account_id: int) -> GraphSync:
    """The account's row, created when missing, locked for this transaction (PostgreSQL)."""
    row = session.get(GraphSync, account_id, with_for_update=True)
    if row is None:
        row = GraphSync(account_id=account_id)
        session.add(row)
        session.flush()
    return row


def save_sync_state(*, session: Session, state: GraphSync) -> None:
    session.add(state)
    session.flush()
