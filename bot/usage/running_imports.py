"""DM imports that a crash interrupted are reported to their admin (DESIGN §5, §7).

While a DM import runs, a row says so and a heartbeat thread keeps it fresh; the row goes when
the import ends, however it ends, short of the process dying. A SIGKILL (or a lost machine)
leaves the row with a heartbeat that stopped: the scheduler's sweep finds it and, in one
transaction, deletes it and puts the admin's notice in the outbox ("the import of cdr.csv
stopped; send it again: calls already charged are not charged twice"), which delivers it once,
with retries, like an alert. The notice is written in the admin's language when the import
starts, so the sweep needs nothing from Slack.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import Engine

from bot.clock import Clock
from storage import imports as imports_db
from storage.db import read_session, write_transaction
from storage.models import OutboxMessage, RunningImport
from storage.outbox import insert_message

log = logging.getLogger(__name__)

# Four missed heartbeats (CREDITS_IMPORT_HEARTBEAT_SECONDS, 15 s by default): a live import is
# never reported, a dead one within about a minute (plus the sweep's interval).
MISSED_BEATS = 4
KIND = "import_stopped"


class RunningImports:
    """Records the DM imports that run, and reports those whose process died."""

    def __init__(self, engine: Engine, clock: Clock, *, beat_seconds: float) -> None:
        self.engine = engine
        self.clock = clock
        self.beat_seconds = beat_seconds
        self.stale_after = timedelta(seconds=MISSED_BEATS * beat_seconds)

    @contextmanager
    def watch(self, *, account_id: int, user_id: str, channel: str, name: str,
              notice: str) -> Iterator[int]:
        """Record the import for the duration of the block, with a heartbeat; its id."""
        now = self.clock.now()
        with write_transaction(self.engine) as session:
            import_id = imports_db.insert_running_import(session=session, running=RunningImport(
                account_id=account_id, user_id=user_id, channel=channel, name=name[:200],
                notice=notice, started_at=now, heartbeat_at=now))
        stop = threading.Event()
        beating = threading.Thread(target=self._beat, args=(import_id, stop), daemon=True,
                                   name=f"import-heartbeat-{import_id}")
        beating.start()
        try:
            yield import_id
        finally:
            stop.set()
            beating.join()
            with write_transaction(self.engine) as session:
                imports_db.delete_running_import(session=session, import_id=import_id)

    def _beat(self, import_id: int, stop: threading.Event) -> None:
        while not stop.wait(self.beat_seconds):
            try:
                with read_session(self.engine) as session:
                    imports_db.beat_running_import(session=session, import_id=import_id,
                                                   now=self.clock.now())
            except Exception:  # a missed beat is harmless; many make the import look dead
                log.exception("import heartbeat failed")

    def report_stopped(self) -> int:
        """Queue the notice of every import whose heartbeat stopped; how many were found.

        Safe to run twice at once: only the run that deletes a row queues its notice, and the
        notice's dedupe key names the row."""
        now = self.clock.now()
        reported = 0
        with write_transaction(self.engine) as session:
            for running in imports_db.list_stale_imports(session=session,
                                                         before=now - self.stale_after):
                assert running.id is not None
                if not imports_db.delete_running_import(session=session, import_id=running.id):
                    continue
                key = f"{KIND}:{running.id}:{running.started_at.isoformat()}"
                insert_message(session=session, message=OutboxMessage(
                    account_id=running.account_id, dedupe_key=key, kind=KIND,
                    channel=running.channel, text=running.notice, next_attempt_at=now,
                    created_at=now))
                log.warning("the import of %s for %s stopped with its process; told them",
                            running.name, running.user_id)
                reported += 1
        return reported
