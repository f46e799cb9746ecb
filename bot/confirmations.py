"""Operations that wait for a confirmation button: created with an id, done at most once.

A large deposit is not made when asked: it becomes a pending operation whose id travels in the
Confirm and Cancel buttons. The first admin click claims it (one conditional UPDATE, so a double
click or a replayed delivery claims nothing the second time); a cancelled or expired operation
can no longer be claimed.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from bot.clock import Clock
from storage import pending as pending_db
from storage.db import read_session, write_transaction
from storage.models import PendingOperation

DEFAULT_TTL = timedelta(minutes=15)
# Names the operation ids derived from a Slack request (so a replayed request finds its own).
_NAMESPACE = uuid.UUID("6f1c9a56-3a0e-4c43-9a55-2f0f6f6b7a10")


@dataclass(frozen=True)
class PendingOp:
    """An operation waiting for (or past) its confirmation."""

    id: str
    account_id: int
    kind: str
    payload: Mapping[str, Any]
    requested_by: str
    status: str  # pending | processing | done | cancelled | expired
    result: Mapping[str, Any] | None
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class Claim:
    """The outcome of a click: `won` is True only for the one click that gets to act."""

    won: bool
    state: str  # the operation's status after the click, or "unknown"
    operation: PendingOp | None


def operation_id_for(*parts: str) -> str:
    """A stable operation id for a request (the same Slack trigger gives the same id)."""
    return str(uuid.uuid5(_NAMESPACE, ":".join(parts)))


class Confirmations:
    """Creates, claims, cancels and finishes pending operations."""

    def __init__(self, engine: Engine, clock: Clock, *, ttl: timedelta = DEFAULT_TTL) -> None:
        self.engine = engine
        self.clock = clock
        self.ttl = ttl

    def create(self, *, account_id: int, kind: str, payload: Mapping[str, Any],
               requested_by: str, operation_id: str | None = None) -> PendingOp:
        """Store an operation to confirm; the same `operation_id` again returns the first one."""
        op_id = operation_id or str(uuid.uuid4())
        now = self.clock.now()
        with write_transaction(self.engine) as session:
            found = pending_db.get_pending_operation(session=session, operation_id=op_id)
            if found is not None:
                if (found.account_id, found.kind) != (account_id, kind):
                    raise ValueError(f"operation {op_id} exists for another request")
                return _view(found)
            return _view(pending_db.insert_pending_operation(session=session, operation=(
                PendingOperation(id=op_id, account_id=account_id, kind=kind,
                                 payload=json.dumps(dict(payload), default=str, sort_keys=True),
                                 requested_by=requested_by, status="pending", created_at=now,
                                 expires_at=now + self.ttl))))

    def get(self, operation_id: str) -> PendingOp | None:
        with read_session(self.engine) as session:
            found = pending_db.get_pending_operation(session=session, operation_id=operation_id)
            return _view(found) if found is not None else None

    def claim(self, operation_id: str, *, account_id: int) -> Claim:
        """Take a pending operation to carry it out; only the first claim wins."""
        return self._move(operation_id, account_id=account_id, status="processing")

    def cancel(self, operation_id: str, *, account_id: int) -> Claim:
        """Cancel a pending operation; a done, cancelled or expired one stays as it is."""
        return self._move(operation_id, account_id=account_id, status="cancelled")

    def decide(self, operation_id: str, *, account_id: int, kind: str,
               confirm: bool) -> PendingOp | None:
        """A Confirm (claim) or Cancel click on a pending operation of `kind`: the operation
        when this click won it; None when it was answered already, expired or is another
        kind (an id from a button is cut to the longest one there is)."""
        move = self.claim if confirm else self.cancel
        claim = move(operation_id[:64], account_id=account_id)
        op = claim.operation
        if not claim.won or op is None or op.kind != kind:
            return None
        return op

    def finish(self, operation_id: str, *, result: Mapping[str, Any],
               status: str = "done") -> None:
        """Record how a claimed operation ended."""
        with write_transaction(self.engine) as session:
            pending_db.finish_pending_operation(
                session=session, operation_id=operation_id, status=status,
                result=json.dumps(dict(result), default=str, sort_keys=True))

    def _move(self, operation_id: str, *, account_id: int, status: str) -> Claim:
        now = self.clock.now()
        with write_transaction(self.engine) as session:
            won = pending_db.claim_pending_operation(
                session=session, operation_id=operation_id, account_id=account_id,
                status=status, now=now)
            if not won:
                pending_db.expire_pending_operation(session=session, operation_id=operation_id,
                                                    now=now)
            found = pending_db.get_pending_operation(session=session, operation_id=operation_id)
        if found is None or found.account_id != account_id:
            return Claim(won=False, state="unknown", operation=None)
        return Claim(won=won, state=found.status, operation=_view(found))


def _view(row: PendingOperation) -> PendingOp:
    return PendingOp(
        id=row.id, account_id=row.account_id, kind=row.kind, payload=json.loads(row.payload),
        requested_by=row.requested_by, status=row.status,
        result=json.loads(row.result) if row.result else None, created_at=row.created_at,
        expires_at=row.expires_at)
