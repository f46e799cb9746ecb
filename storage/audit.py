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
                      limit: int = 100, also: Sequence[str] = ()) -> Sequence[AuditEvent]:
    """The newest events first, of one team (and of the teams in `also`) or of all."""
    statement = select(AuditEvent)
    if team_id is not None:
        statement = statement.where(col(AuditEvent.team_id).in_((team_id, *also)))
    return session.exec(statement.order_by(col(AuditEvent.id).desc()).limit(limit)).all()
