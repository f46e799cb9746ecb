"""Queries on deposit attempts (one-time deposits as durable payment attempts)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import or_, update
from sqlmodel import Session, col, select

from storage.models import DepositAttempt

AWAITING = "awaiting_confirmation"
IN_FLIGHT = ("created", "processing")


def get_deposit_attempt(*, session: Session, attempt_id: str) -> DepositAttempt | None:
    """The attempt, re-read from the database (never a stale copy from the session)."""
    return session.get(DepositAttempt, attempt_id, populate_existing=True)


def find_deposit_attempt_by_key(*, session: Session, key: str) -> DepositAttempt | None:
    statement = (select(DepositAttempt).where(DepositAttempt.idempotency_key == key)
                 .execution_options(populate_existing=True))
    return session.exec(statement).first()


def insert_deposit_attempt(*, session: Session, attempt: DepositAttempt) -> DepositAttempt:
    session.add(attempt)
    session.flush()
    return attempt


def save_deposit_attempt(*, session: Session, attempt: DepositAttempt) -> DepositAttempt:
    session.add(attempt)
    session.flush()
    return attempt


def move_deposit_attempt(*, session: Session, attempt_id: str, account_id: int,
                         from_statuses: Sequence[str], to_status: str, now: datetime,
                         check_at: datetime | None = None, due_by: datetime | None = None,
                         confirmed_by: str | None = None) -> bool:
    """Move an attempt from one of `from_statuses` to `to_status` in one conditional UPDATE;
    False when it was not in one of them (another click or worker was first).

    With `due_by`, only an attempt whose claim lapsed (`check_at` null or at most `due_by`)
    moves: of two concurrent claims exactly one changes the row (PostgreSQL re-checks the WHERE
    after the first commits; SQLite serialises writers).
    """
    conditions = [col(DepositAttempt.id) == attempt_id,
                  col(DepositAttempt.account_id) == account_id,
                  col(DepositAttempt.status).in_(tuple(from_statuses))]
    if due_by is not None:
        conditions.append(or_(col(DepositAttempt.check_at).is_(None),
                              col(DepositAttempt.check_at) <= due_by))
    values: dict[str, object] = {"status": to_status, "updated_at": now, "check_at": check_at}
    if confirmed_by is not None:
        values["confirmed_by"] = confirmed_by
    result = session.exec(update(DepositAttempt).where(*conditions).values(**values))
    return bool(result.rowcount == 1)


def list_due_deposit_attempts(*, session: Session, now: datetime,
                              limit: int = 200) -> list[str]:
    """Attempts the sweep must settle now: in flight with a lapsed claim (their worker may have
    died between the gateway's charge and the ledger entry), or awaiting a confirmation past
    their expiry."""
    in_flight = (col(DepositAttempt.status).in_(IN_FLIGHT)
                 & (col(DepositAttempt.check_at).is_(None) | (col(DepositAttempt.check_at) <= now)))
    expired = (col(DepositAttempt.status) == AWAITING) & (col(DepositAttempt.expires_at) <= now)
    statement = (select(DepositAttempt.id).where(or_(in_flight, expired))
                 .order_by(col(DepositAttempt.created_at)).limit(limit))
    return list(session.exec(statement).all())
