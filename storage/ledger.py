"""Queries on ledger entries and lots."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from storage.models import LedgerEntry, Lot


def find_entry(*, session: Session, idempotency_key: str) -> LedgerEntry | None:
    return session.exec(
        select(LedgerEntry).where(LedgerEntry.idempotency_key == idempotency_key)).first()


def insert_entry(*, session: Session, entry: LedgerEntry) -> LedgerEntry:
    session.add(entry)
    session.flush()
    return entry


def list_entries(*, session: Session, account_id: int, limit: int | None = None,
                 kinds: Sequence[str] | None = None, since: datetime | None = None,
                 until: datetime | None = None) -> Sequence[LedgerEntry]:
    """Entries of an account, newest first."""
    statement = select(LedgerEntry).where(LedgerEntry.account_id == account_id)
    if kinds:
        statement = statement.where(col(LedgerEntry.kind).in_(kinds))
    if since is not None:
        statement = statement.where(col(LedgerEntry.created_at) >= since)
    if until is not None:
        statement = statement.where(col(LedgerEntry.created_at) < until)
    statement = statement.order_by(col(LedgerEntry.id).desc())
    if limit is not None:
        statement = statement.limit(limit)
    return session.exec(statement).all()


def last_entry(*, session: Session, account_id: int,
               kinds: Sequence[str] | None = None) -> LedgerEntry | None:
    entries = list_entries(session=session, account_id=account_id, limit=1, kinds=kinds)
    return entries[0] if entries else None


def ledger_totals(*, session: Session) -> dict[int, tuple[int, int]]:
    """Per account: (sum of entry amounts, number of entries)."""
    rows = session.exec(
        select(LedgerEntry.account_id, func.coalesce(func.sum(LedgerEntry.amount_micros), 0),
               func.count()).group_by(col(LedgerEntry.account_id))).all()
    return {account_id: (int(total), int(count)) for account_id, total, count in rows}


def lot_totals(*, session: Session) -> dict[int, int]:
    """Per account: the sum of what its lots still hold."""
    rows = session.exec(
        select(Lot.account_id, func.coalesce(func.sum(Lot.remaining_micros), 0))
        .group_by(col(Lot.account_id))).all()
    return {account_id: int(total) for account_id, total in rows}


def open_lots(*, session: Session, account_id: int) -> Sequence[Lot]:
    """Lots with credit left, oldest purchase first (the order charges draw on them)."""
    statement = (select(Lot).where(Lot.account_id == account_id, col(Lot.remaining_micros) > 0)
                 .order_by(col(Lot.purchased_at), col(Lot.id)))
    return session.exec(statement).all()


def lots_expired_by(*, session: Session, account_id: int, now: datetime) -> Sequence[Lot]:
    statement = (select(Lot).where(Lot.account_id == account_id, col(Lot.remaining_micros) > 0,
                                   col(Lot.expires_at) <= now)
                 .order_by(col(Lot.expires_at), col(Lot.id)))
    return session.exec(statement).all()


def lots_expiring_between(*, session: Session, account_id: int, start: datetime,
                          end: datetime) -> Sequence[Lot]:
    statement = (select(Lot).where(Lot.account_id == account_id, col(Lot.remaining_micros) > 0,
                                   col(Lot.expires_at) > start, col(Lot.expires_at) <= end)
                 .order_by(col(Lot.expires_at), col(Lot.id)))
    return session.exec(statement).all()


def insert_lot(*, session: Session, lot: Lot) -> Lot:
    session.add(lot)
    session.flush()
    return lot
