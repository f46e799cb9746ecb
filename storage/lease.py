"""The scheduler lease: one row per lease name that says who runs the scheduled jobs.

Taking the lease is one atomic statement (an UPDATE guarded by "expired, or mine already", or the
INSERT of the first row with ON CONFLICT DO NOTHING), so two processes can never both hold it.
Each takeover by another holder increments the fencing token; a job that writes checks the token
in its own transaction, so a stale holder (paused, partitioned) can no longer write once another
process took over.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from storage.models import SchedulerLease


def acquire_lease(*, session: Session, name: str, holder: str, now: datetime,
                  ttl: timedelta) -> int | None:
    """Take or renew the lease when it is free, expired or ours; return its token, or None."""
    expires = now + ttl
    dialect = session.get_bind().dialect.name
    insert: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
    created = session.execute(
        insert(SchedulerLease)
        .values(name=name, holder=holder, token=1, heartbeat_at=now, expires_at=expires)
        .on_conflict_do_nothing(index_elements=["name"])
        .returning(col(SchedulerLease.token))).first()
    if created is not None:
        return int(created[0])
    # The CASE reads the row before the update: our own renewal keeps the token, a takeover
    # from another holder increments it. On PostgreSQL a concurrent taker waits for our row lock
    # and then re-checks the WHERE against the new row, which no longer matches.
    taken = session.execute(
        update(SchedulerLease)
        .where(col(SchedulerLease.name) == name,
               or_(col(SchedulerLease.expires_at) <= now, col(SchedulerLease.holder) == holder))
        .values(token=case((col(SchedulerLease.holder) == holder, col(SchedulerLease.token)),
                           else_=col(SchedulerLease.token) + 1),
                holder=holder, heartbeat_at=now, expires_at=expires)
        .returning(col(SchedulerLease.token))
        .execution_options(synchronize_session=False)).first()
    return None if taken is None else int(taken[0])


def release_lease(*, session: Session, name: str, holder: str, token: int,
                  now: datetime) -> bool:
    """Give the lease up now, so that another process can take it at once."""
    released = session.execute(
        update(SchedulerLease)
        .where(col(SchedulerLease.name) == name, col(SchedulerLease.holder) == holder,
               col(SchedulerLease.token) == token)
        .values(expires_at=now)
        .returning(col(SchedulerLease.token))
        .execution_options(synchronize_session=False)).first()
    return released is not None


def check_lease(*, session: Session, name: str, token: int, now: datetime) -> bool:
    """True when `token` still holds an unexpired lease, checked inside the caller's transaction.

    On PostgreSQL the row is share-locked until the caller commits, so a takeover waits for the
    caller's writes instead of racing them; SQLite's write transaction holds the database lock.
    """
    statement = (select(SchedulerLease)
                 .where(col(SchedulerLease.name) == name, col(SchedulerLease.token) == token,
                        col(SchedulerLease.expires_at) > now))
    if session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update(read=True)
    return session.exec(statement).first() is not None
