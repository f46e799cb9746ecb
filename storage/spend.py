"""Queries on what an account spent: per UTC day, from call records or from `charge` entries."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from storage.models import CallRecord, LedgerEntry


def _day(value: Any) -> date:
    # SQLite's date() gives 'YYYY-MM-DD' text, PostgreSQL's a date.
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def daily_call_spend(*, session: Session, account_id: int, since: datetime,
                     until: datetime) -> dict[date, int]:
    """Micro-units charged for calls, by UTC day of the call's start, in [since, until)."""
    day = func.date(CallRecord.start_at)  # times are stored as naive UTC
    rows = session.exec(
        select(day, func.sum(CallRecord.charge_micros))
        .where(CallRecord.account_id == account_id, col(CallRecord.start_at) >= since,
               col(CallRecord.start_at) < until)
        .group_by(day)).all()
    return {_day(when): int(total) for when, total in rows}


def daily_ledger_charges(*, session: Session, account_id: int, since: datetime,
                         until: datetime) -> dict[date, int]:
    """Micro-units of `charge` entries (as positive spend), by UTC day of booking."""
    day = func.date(LedgerEntry.created_at)
    rows = session.exec(
        select(day, func.sum(LedgerEntry.amount_micros))
        .where(LedgerEntry.account_id == account_id, LedgerEntry.kind == "charge",
               col(LedgerEntry.created_at) >= since, col(LedgerEntry.created_at) < until)
        .group_by(day)).all()
    return {_day(when): -int(total) for when, total in rows}


def first_call_at(*, session: Session, account_id: int) -> datetime | None:
    """When the account's earliest call started."""
    return session.exec(select(func.min(CallRecord.start_at))
                        .where(CallRecord.account_id == account_id)).one()


def first_charge_at(*, session: Session, account_id: int) -> datetime | None:
    """When the account's earliest `charge` entry was booked."""
    return session.exec(select(func.min(LedgerEntry.created_at))
                        .where(LedgerEntry.account_id == account_id,
                               LedgerEntry.kind == "charge")).one()
