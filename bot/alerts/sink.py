"""Where an alert is put when it fires: the outbox, inside the caller's transaction.

The monitor and the Graph sync depend on this protocol, not on the outbox writer
(bot/alerts/outbox.py), which the composition root hands them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlmodel import Session

from bot.alerts.rules import Alert


class AlertSink(Protocol):
    def write(self, session: Session, alert: Alert, *, account_channel: str | None,
              now: datetime) -> int:
        """Put the alert in the caller's transaction, once per dedupe key; the rows added."""
        ...
