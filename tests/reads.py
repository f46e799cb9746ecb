"""Reads the tests make to look at the database; the product never needs them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from storage.models import CallRecord, OutboxMessage, SchedulerLease


def count_calls(*, session: Session, account_id: int) -> int:
    return int(session.exec(select(func.count()).select_from(CallRecord)
                            .where(CallRecord.account_id == account_id)).one())


def get_calls(*, session: Session, account_id: int, keys: Sequence[str]) -> list[CallRecord]:
    """The account's call records with these keys, in key order."""
    if not keys:
        return []
    statement = (select(CallRecord).where(CallRecord.account_id == account_id,
                                          col(CallRecord.record_key).in_(list(keys)))
                 .order_by(col(CallRecord.record_key)))
    return list(session.exec(statement).all())


def list_calls(*, session: Session, account_id: int, since: datetime | None = None,
               until: datetime | None = None) -> list[CallRecord]:
    """The account's call records that started in [since, until), oldest first."""
    statement = select(CallRecord).where(CallRecord.account_id == account_id)
    if since is not None:
        statement = statement.where(col(CallRecord.start_at) >= since)
    if until is not None:
        statement = statement.where(col(CallRecord.start_at) < until)
    return list(session.exec(statement.order_by(col(CallRecord.start_at),
                                                col(CallRecord.id))).all())


def sum_charges(*, session: Session, account_id: int) -> int:
    """The micro-units charged for all of an account's call records."""
    return int(session.exec(select(func.coalesce(func.sum(CallRecord.charge_micros), 0))
                            .where(CallRecord.account_id == account_id)).one())


def list_messages(*, session: Session, account_id: int | None = None,
                  status: str | None = None, kind: str | None = None) -> Sequence[OutboxMessage]:
    """Outbox messages oldest first, optionally of one account, status or kind."""
    statement = select(OutboxMessage).order_by(col(OutboxMessage.id))
    if account_id is not None:
        statement = statement.where(col(OutboxMessage.account_id) == account_id)
    if status is not None:
        statement = statement.where(col(OutboxMessage.status) == status)
    if kind is not None:
        statement = statement.where(col(OutboxMessage.kind) == kind)
    return session.exec(statement).all()


def get_lease(*, session: Session, name: str) -> SchedulerLease | None:
    return session.get(SchedulerLease, name, populate_existing=True)
