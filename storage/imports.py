"""DM imports that are running: a row while the import runs, so a crash leaves a trace."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from storage.models import RunningImport


def insert_running_import(*, session: Session, running: RunningImport) -> int:
    """Record an import that starts now; its id."""
    session.add(running)
    session.flush()
    assert running.id is not None
    return running.id


def beat_running_import(*, session: Session, import_id: int, now: datetime) -> None:
    """The import is still alive."""
    session.execute(update(RunningImport).where(col(RunningImport.id) == import_id)
                    .values(heartbeat_at=now))


def delete_running_import(*, session: Session, import_id: int) -> bool:
    """Forget an import (it ended, or its end was reported); False when another did first."""
    result: Any = session.execute(delete(RunningImport).where(col(RunningImport.id) == import_id)
                                  .returning(col(RunningImport.id)))
    return result.first() is not None


def list_stale_imports(*, session: Session, before: datetime) -> list[RunningImport]:
    """Imports whose last heartbeat is older than `before`: their process died."""
    return list(session.exec(select(RunningImport)
                             .where(col(RunningImport.heartbeat_at) < before)
                             .order_by(col(RunningImport.id))))
