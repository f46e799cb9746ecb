"""App Home: the live dashboard, published whenever a user opens the Home tab."""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from handlers.asking import asker_of
from handlers.blocks.home import dashboard_view, home_blocks
from handlers.context import HandlerContext


def register(app: App, ctx: HandlerContext) -> None:
    """Attach the App Home listener: the event is acknowledged at once and the dashboard is
    read and published after the ack (a lazy listener), so a slow `views.publish` or a busy
    database never holds Slack's 3-second answer."""

    def acknowledge() -> None:
        return None  # events are acknowledged by Bolt; nothing to say inside the ack

    def publish_home(event: dict[str, Any], body: dict[str, Any], context: dict[str, Any],
                     client: WebClient) -> None:
        if event.get("tab", "home") != "home":
            return  # the Messages tab needs no view
        team_id = str(body.get("team_id") or event.get("view", {}).get("team_id") or "")
        # No event claim (handlers/dedupe.py): a redelivery publishes the same view again.
        locale = asker_of(context).locale
        blocks = ctx.services.summaries.rendered(
            team_id, ("home", locale), lambda summary: home_blocks(summary, locale=locale))
        view = dashboard_view(blocks, locale=locale, now=ctx.services.clock.now())
        client.views_publish(user_id=event["user"], view=view)

    app.event("app_home_opened")(ack=acknowledge, lazy=[publish_home])
