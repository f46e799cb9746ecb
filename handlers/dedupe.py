"""Answer each Slack event once: Slack redelivers an event (same `event_id`, with an
X-Slack-Retry-Num header) when the first delivery was not acknowledged in 3 seconds."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from slack_bolt import BoltRequest, BoltResponse

from handlers.context import HandlerContext
from storage.db import read_session
from storage.events import claim_event, release_event

log = logging.getLogger(__name__)


def event_key(body: dict[str, Any]) -> str | None:
    """The dedupe key of an Events API delivery, or None for other requests."""
    if body.get("type") != "event_callback" or not body.get("event_id"):
        return None
    return f"event:{body['event_id']}"


def make_dedupe(ctx: HandlerContext) -> Callable[..., BoltResponse]:
    """A global middleware that claims each event id before the listeners run."""
    engine, clock = ctx.services.engine, ctx.services.clock

    def dedupe_events(req: BoltRequest, resp: BoltResponse,
                      next: Callable[[], BoltResponse]) -> BoltResponse:  # noqa: A002 - Bolt's name
        key = event_key(req.body)
        if key is None:
            return next()
        with read_session(engine) as session:
            first = claim_event(session=session, key=key, team_id=str(req.body.get("team_id", "")),
                                now=clock.now())
        if not first:
            log.info("event %s delivered again (retry %s): already handled", key,
                     req.headers.get("x-slack-retry-num", ["?"])[0])
            return BoltResponse(status=200, body="")
        return next()

    return dedupe_events


@contextmanager
def retry_on_error(ctx: HandlerContext, body: dict[str, Any]) -> Iterator[None]:
    """Release the event's claim when the listener fails, so that Slack's retry is answered."""
    try:
        yield
    except Exception:
        key = event_key(body)
        if key is not None:
            with read_session(ctx.services.engine) as session:
                release_event(session=session, key=key)
        raise
