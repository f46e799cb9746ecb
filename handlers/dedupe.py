"""Answer each Slack event once, and answer it even when a process dies while answering.

Slack redelivers an event (same `event_id`, with an X-Slack-Retry-Num header) when the first
delivery got no 2xx within 3 seconds, at once, then after about 1 and 5 minutes. A delivery
claims the event id with a short lease (CREDITS_EVENT_LEASE_SECONDS, below Slack's one-minute
retry) and the listener marks it answered once its answer is posted:

- a retry of an answered event gets a 200 and nothing else happens;
- a retry while another delivery holds a live lease gets a 503, so that Slack comes back later
  (a 200 would end Slack's retries, and the event would be lost if that holder then died);
- a retry after the lease lapsed without an answer (its holder died, a SIGKILL) takes the claim
  over and answers.

What remains at least once: a holder that dies after posting its answer and before marking it
(one local UPDATE) is answered again by the retry, and so is a holder that is still working when
its lease runs out.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from slack_bolt import BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware

from handlers.context import HandlerContext
from storage.db import read_session, write_transaction
from storage.events import Claim, claim_event, finish_event, release_event

log = logging.getLogger(__name__)


# Events whose answer may safely be given twice: App Home publishes the same view again (a
# views.publish replaces the tab), so its deliveries are not claimed: no write inside the ack.
IDEMPOTENT_EVENTS = frozenset({"app_home_opened"})


def event_key(body: dict[str, Any]) -> str | None:
    """The dedupe key of an Events API delivery, or None for other requests (and for events
    whose answer is idempotent)."""
    if body.get("type") != "event_callback" or not body.get("event_id"):
        return None
    if (body.get("event") or {}).get("type") in IDEMPOTENT_EVENTS:
        return None
    return f"event:{body['event_id']}"


class DedupeEvents(Middleware):
    """A global middleware that claims each event id before the listeners run (a `Middleware`
    subclass: Bolt calls it without building keyword arguments)."""

    def __init__(self, ctx: HandlerContext) -> None:
        self.services = ctx.services
        self.lease = timedelta(seconds=ctx.settings.credits_event_lease_seconds)

    def process(self, *, req: BoltRequest, resp: BoltResponse,
                next: Callable[[], BoltResponse]) -> BoltResponse | None:  # noqa: A002 - Bolt's name
        key = event_key(req.body)
        if key is None:
            return next()
        services = self.services
        with write_transaction(services.engine) as session:
            claim = claim_event(session=session, key=key, team_id=str(req.body.get("team_id", "")),
                                now=services.clock.now(), lease=self.lease)
        retry = req.headers.get("x-slack-retry-num", ["?"])[0]
        if claim is Claim.ANSWERED:
            log.info("event %s delivered again (retry %s): already answered", key, retry)
            return BoltResponse(status=200, body="")
        if claim is Claim.BUSY:
            log.info("event %s delivered again (retry %s) while being answered: come back later",
                     key, retry)
            return BoltResponse(status=503, body="being answered")
        return next()


def mark_answered(ctx: HandlerContext, body: dict[str, Any]) -> None:
    """The event's answer is out (or handed to a durable job): its retries are not handled."""
    key = event_key(body)
    if key is not None:
        with read_session(ctx.services.engine) as session:
            finish_event(session=session, key=key)


@contextmanager
def answering(ctx: HandlerContext, body: dict[str, Any]) -> Iterator[None]:
    """Mark the event answered when the block completes; release its claim when it fails, so
    that Slack's retry is answered."""
    try:
        yield
    except Exception:
        key = event_key(body)
        if key is not None:
            with read_session(ctx.services.engine) as session:
                release_event(session=session, key=key)
        raise
    mark_answered(ctx, body)
