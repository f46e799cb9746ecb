"""Events: DMs and mentions (answered by intent), deduplicated by `event_id`."""

from __future__ import annotations

from slack_bolt import App

from handlers.context import HandlerContext


def register(app: App, ctx: HandlerContext) -> None:
    """Attach the event listeners (DM intents arrive with the DM issue work)."""
