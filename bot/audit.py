"""Record who asked for what, and how it ended, with secrets redacted."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from bot.clock import Clock
from bot.redaction import REDACTED, redact_secrets
from storage.audit import insert_audit_event, list_audit_events
from storage.db import read_session, write_transaction
from storage.models import AuditEvent

ALL_TEAMS = "*"  # the team of changes to every account (the rate deck loaded by an operator)
SUMMARY_CHARS = 160


@dataclass(frozen=True)
class AuditEntry:
    """One audit event as people read it."""

    at: datetime
    team_id: str
    actor: str
    action: str
    result: str
    summary: str  # the arguments (and the detail of a denial or error), shortened


_SECRET_KEYS = re.compile(r"token|secret|password|card_number|pan|cvc|cvv", re.IGNORECASE)


def redact(value: Any) -> Any:
    """Return a copy of `value` with secrets and card-like numbers replaced by `[redacted]`."""
    if isinstance(value, Mapping):
        return {key: REDACTED if _SECRET_KEYS.search(str(key)) else redact(item)
                for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [redact(item) for item in value]
    if isinstance(value, str):
        return redact_secrets(value)
    return value


class AuditLog:
    """Writes audit events in their own short transaction."""

    def __init__(self, engine: Engine, clock: Clock) -> None:
        self.engine = engine
        self.clock = clock

    def record(self, *, team_id: str, actor: str, action: str, result: str,
               arguments: Mapping[str, Any] | None = None, detail: str | None = None) -> None:
        event = AuditEvent(
            team_id=team_id, actor=actor, action=action, result=result,
            arguments=json.dumps(redact(dict(arguments or {})), default=str, sort_keys=True),
            detail=redact(detail)[:500] if detail else None, created_at=self.clock.now())
        with write_transaction(self.engine) as session:
            insert_audit_event(session=session, event=event)

    def recent(self, *, team_id: str | None, limit: int) -> list[AuditEntry]:
        """The newest `limit` events of a team (with the operator's changes to every team),
        or of all teams."""
        with read_session(self.engine) as session:
            events = list_audit_events(session=session, team_id=team_id, limit=limit,
                                       also=(ALL_TEAMS,))
            return [AuditEntry(at=event.created_at, team_id=event.team_id, actor=event.actor,
                               action=event.action, result=event.result,
                               summary=_summary(event.arguments, event.detail))
                    for event in events]


def _summary(arguments: str, detail: str | None) -> str:
    try:
        loaded = json.loads(arguments)
    except ValueError:
        loaded = {}
    parts = [f"{key}={value}" for key, value in sorted(loaded.items()) if value is not None] \
        if isinstance(loaded, dict) else [str(loaded)]
    text = ", ".join(parts)
    if detail:
        text = f"{text}: {detail}" if text else detail
    return text if len(text) <= SUMMARY_CHARS else text[:SUMMARY_CHARS - 1] + "…"
