"""The append-only audit log."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select

from storage.models import AuditEvent


def insert_audit_event(*, session: Session, event: AuditEvent) -> AuditEvent:
    session.add(event)
    session.flush()
    return event


def list_audit_events(*, session: Session, team_id: str | None = None,
                      limit: int = 100) -> Sequence[AuditEvent]:
    statement = select(AuditEvent)
    if team_id is not None:
        statement = statement.where(AuditEvent.team_id == team_id)
    return session.exec(statement.order_by(col(AuditEvent.id).desc()).limit(limit)).all()
