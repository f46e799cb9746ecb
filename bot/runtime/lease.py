"""This process's claim to run the scheduled jobs, kept in the `scheduler_lease` row.

Several replicas may run the scheduler; only the one holding the lease runs the jobs. The holder
renews it on every heartbeat; when the holder dies, its lease expires after `ttl` and the next
heartbeat of another process takes it over (with a new fencing token). A takeover therefore
happens within `ttl + heartbeat` of the holder's last renewal.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session

from bot.clock import Clock
from storage import lease as lease_db
from storage.db import write_transaction

log = logging.getLogger(__name__)

SCHEDULER_LEASE = "scheduler"


class LeaseLost(Exception):
    """The lease was taken over by another process: this one must stop writing."""


def default_holder() -> str:
    """A name for this process that no other process shares: host, pid and a random tag."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Lease:
    """The lease as this process sees it; thread-safe (the heartbeat and the jobs share it)."""

    def __init__(self, engine: Engine, clock: Clock, *, ttl: timedelta,
                 holder: str | None = None, name: str = SCHEDULER_LEASE) -> None:
        if ttl <= timedelta(0):
            raise ValueError("a lease needs a positive time to live")
        self.engine = engine
        self.clock = clock
        self.ttl = ttl
        self.name = name
        self.holder = holder or default_holder()
        self._token: int | None = None
        self._expires_at: datetime | None = None
        self._lock = threading.Lock()

    @property
    def token(self) -> int | None:
        """The fencing token while this process believes it holds the lease."""
        with self._lock:
            return self._token if self._valid(self.clock.now()) else None

    def held(self) -> bool:
        """True while this process holds an unexpired lease (by its own last renewal)."""
        return self.token is not None

    def heartbeat(self) -> bool:
        """Renew the lease, or take it when it is free or expired; return whether we hold it."""
        now = self.clock.now()
        with write_transaction(self.engine) as session:
            token = lease_db.acquire_lease(session=session, name=self.name, holder=self.holder,
                                           now=now, ttl=self.ttl)
        with self._lock:
            before = self._token
            self._token = token
            self._expires_at = now + self.ttl if token is not None else None
        if token != before:
            if token is None:
                log.warning("scheduler lease lost by %s (token %s)", self.holder, before)
            else:
                log.info("scheduler lease held by %s (token %s)", self.holder, token)
        return token is not None

    def fence(self, session: Session, token: int) -> None:
        """Raise LeaseLost unless `token` still holds the lease, inside the caller's
        transaction (so that a stale holder's writes roll back instead of landing)."""
        if not lease_db.check_lease(session=session, name=self.name, token=token,
                                    now=self.clock.now()):
            with self._lock:
                if self._token == token:
                    self._token, self._expires_at = None, None
            raise LeaseLost(f"the scheduler lease moved on from token {token}")

    def release(self) -> None:
        """Give the lease up (on a clean shutdown) so that a standby takes over at once."""
        with self._lock:
            token, self._token, self._expires_at = self._token, None, None
        if token is None:
            return
        with write_transaction(self.engine) as session:
            lease_db.release_lease(session=session, name=self.name, holder=self.holder,
                                   token=token, now=self.clock.now())
        log.info("scheduler lease released by %s", self.holder)

    def _valid(self, now: datetime) -> bool:
        return (self._token is not None and self._expires_at is not None
                and now < self._expires_at)
