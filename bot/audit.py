"""Record who asked for what, and how it ended, with secrets redacted."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Engine

from bot.clock import Clock
from bot.redaction import REDACTED, redact_secrets
from storage.audit import insert_audit_event
from storage.db import write_transaction
from storage.models import AuditEvent

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
