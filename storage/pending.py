"""Queries on operations that wait for a confirmation button."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col

from storage.models import PendingOperation


def insert_pending_operation(*, session: Session,
                             operation: PendingOperation) -> PendingOperation:
    session.add(operation)
    session.flush()
    return operation


def get_pending_operation(*, session: Session, operation_id: str) -> PendingOperation | None:
    return session.get(PendingOperation, operation_id, populate_existing=True)


def claim_pending_operation(*, session: Session, operation_id: str, account_id: int,
                            status: str, now: datetime) -> bool:
    """Move a pending, unexpired operation to `status`; False when it was not pending.

    One conditional UPDATE: of two concurrent claims exactly one changes the row (PostgreSQL
    re-checks the WHERE after the first commits; SQLite serialises writers).
    """
    statement = (update(PendingOperation)
                 .where(col(PendingOperation.id) == operation_id,
                        col(PendingOperation.account_id) == account_id,
                        col(PendingOperation.status) == "pending",
                        col(PendingOperation.expires_at) > now)
                 .values(status=status))
    result = session.exec(statement)
    return bool(result.rowcount == 1)


def expire_pending_operation(*, session: Session, operation_id: str, now: datetime) -> bool:
    """Mark a pending operation past its expiry as expired; False when it was not."""
    statement = (update(PendingOperation)
                 .where(col(PendingOperation.id) == operation_id,
                        col(PendingOperation.status) == "pending",
                        col(PendingOperation.expires_at) <= now)
                 .values(status="expired"))
    result = session.exec(statement)
    return bool(result.rowcount == 1)


def finish_pending_operation(*, session: Session, operation_id: str, status: str,
                             result: str | None) -> None:
    session.exec(update(PendingOperation)
                 .where(col(PendingOperation.id) == operation_id)
                 .values(status=status, result=result))
