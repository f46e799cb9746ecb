"""Queries on accounts and their alert thresholds."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from storage.models import Account, AlertThreshold


def get_account(*, session: Session, team_id: str) -> Account | None:
    return session.exec(select(Account).where(Account.team_id == team_id)).first()


def get_account_by_id(*, session: Session, account_id: int) -> Account | None:
    return session.get(Account, account_id)


def list_accounts(*, session: Session) -> Sequence[Account]:
    return session.exec(select(Account).order_by(col(Account.id))).all()


def create_account(*, session: Session, team_id: str, now: datetime, name: str = "",
                   currency: str = "USD") -> Account:
    # A new account holds nothing, and at zero the services are suspended.
    account = Account(team_id=team_id, name=name, currency=currency, created_at=now,
                      suspended=True, suspended_at=now)
    session.add(account)
    session.flush()
    return account


def lock_account(*, session: Session, account_id: int) -> Account:
    """Load the account row for update: `FOR UPDATE` on PostgreSQL (SQLite's lock is the
    `BEGIN IMMEDIATE` of the write transaction). The row is re-read, never taken from cache."""
    statement = (select(Account).where(Account.id == account_id)
                 .with_for_update().execution_options(populate_existing=True))
    account = session.exec(statement).one_or_none()
    if account is None:
        raise LookupError(f"no account {account_id}")
    return account


def list_thresholds(*, session: Session, account_id: int) -> Sequence[AlertThreshold]:
    statement = (select(AlertThreshold).where(AlertThreshold.account_id == account_id)
                 .order_by(col(AlertThreshold.amount_micros).desc()))
    return session.exec(statement).all()


def add_threshold(*, session: Session, account_id: int, amount_micros: int,
                  armed: bool, now: datetime) -> AlertThreshold | None:
    """Add a threshold; None when it exists already."""
    existing = session.exec(select(AlertThreshold).where(
        AlertThreshold.account_id == account_id,
        AlertThreshold.amount_micros == amount_micros)).first()
    if existing is not None:
        return None
    threshold = AlertThreshold(account_id=account_id, amount_micros=amount_micros, armed=armed,
                               created_at=now)
    session.add(threshold)
    bump_summary(session=session, account_id=account_id)
    session.flush()
    return threshold


def remove_threshold(*, session: Session, account_id: int, amount_micros: int) -> bool:
    existing = session.exec(select(AlertThreshold).where(
        AlertThreshold.account_id == account_id,
        AlertThreshold.amount_micros == amount_micros)).first()
    if existing is None:
        return False
    session.delete(existing)
    bump_summary(session=session, account_id=account_id)
    session.flush()
    return True


def bump_summary(*, session: Session, account_id: int) -> None:
    """Say that what the account's summary shows has changed (cached answers are stale)."""
    session.execute(update(Account).where(col(Account.id) == account_id)
                    .values(summary_version=col(Account.summary_version) + 1))
