"""Queries on auto-recharge attempts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import exists, or_
from sqlmodel import Session, col, select

from storage.models import Account, LedgerEntry, RechargeAttempt

OPEN_STATUSES = ("created", "processing")


def get_attempt(*, session: Session, attempt_id: str) -> RechargeAttempt | None:
    """The attempt, re-read from the database (never a stale copy from the session)."""
    statement = (select(RechargeAttempt).where(RechargeAttempt.id == attempt_id)
                 .execution_options(populate_existing=True))
    return session.exec(statement).first()


def find_open_attempt(*, session: Session, account_id: int) -> RechargeAttempt | None:
    """The account's attempt in `created` or `processing` (the unique index allows one)."""
    statement = (select(RechargeAttempt)
                 .where(RechargeAttempt.account_id == account_id,
                        col(RechargeAttempt.status).in_(OPEN_STATUSES))
                 .execution_options(populate_existing=True))
    return session.exec(statement).first()


def find_episode_start(*, session: Session, account_id: int,
                       attempt: RechargeAttempt) -> RechargeAttempt:
    """The first try of the crossing `attempt` retries: the account's latest attempt with
    tries == 1 created no later than it (tries restart at 1 on every new crossing)."""
    if attempt.tries <= 1:
        return attempt
    statement = (select(RechargeAttempt)
                 .where(RechargeAttempt.account_id == account_id, RechargeAttempt.tries == 1,
                        col(RechargeAttempt.created_at) <= attempt.created_at)
                 .order_by(col(RechargeAttempt.created_at).desc()).limit(1))
    return session.exec(statement).first() or attempt


def find_latest_attempt(*, session: Session, account_id: int,
                        statuses: Sequence[str]) -> RechargeAttempt | None:
    """The account's newest attempt among `statuses` (by crossing, then try)."""
    statement = (select(RechargeAttempt)
                 .where(RechargeAttempt.account_id == account_id,
                        col(RechargeAttempt.status).in_(statuses))
                 .order_by(col(RechargeAttempt.account_version).desc(),
                           col(RechargeAttempt.tries).desc(),
                           col(RechargeAttempt.created_at).desc())
                 .limit(1))
    return session.exec(statement).first()


def insert_attempt(*, session: Session, attempt: RechargeAttempt) -> RechargeAttempt:
    session.add(attempt)
    session.flush()
    return attempt


def save_attempt(*, session: Session, attempt: RechargeAttempt) -> RechargeAttempt:
    session.add(attempt)
    session.flush()
    return attempt


def list_succeeded_since(*, session: Session, account_id: int,
                         since: datetime) -> Sequence[RechargeAttempt]:
    """Succeeded attempts whose recharge was booked after `since`, oldest first."""
    statement = (select(RechargeAttempt)
                 .where(RechargeAttempt.account_id == account_id,
                        RechargeAttempt.status == "succeeded",
                        col(RechargeAttempt.updated_at) > since)
                 .order_by(col(RechargeAttempt.updated_at), col(RechargeAttempt.id)))
    return session.exec(statement).all()


def balance_reached_since(*, session: Session, account_id: int, after_version: int,
                          at_least_micros: int) -> bool:
    """Whether an entry after `after_version` left the balance at or above an amount."""
    statement = select(exists().where(
        col(LedgerEntry.account_id) == account_id,
        col(LedgerEntry.account_version) > after_version,
        col(LedgerEntry.balance_after_micros) >= at_least_micros))
    return bool(session.exec(statement).one())


def list_recharge_candidates(*, session: Session) -> list[int]:
    """Accounts that may need a recharge now: auto-recharge on and the balance below its
    trigger, or an attempt still open."""
    open_attempt = exists().where(col(RechargeAttempt.account_id) == col(Account.id),
                                  col(RechargeAttempt.status).in_(OPEN_STATUSES))
    below = (col(Account.autorecharge_enabled).is_(True)
             & col(Account.autorecharge_below_micros).is_not(None)
             & (col(Account.balance_micros) < col(Account.autorecharge_below_micros)))
    statement = select(Account.id).where(or_(below, open_attempt)).order_by(col(Account.id))
    return [account_id for account_id in session.exec(statement).all() if account_id is not None]
