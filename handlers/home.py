"""App Home: the live dashboard, published whenever a user opens the Home tab."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltContext
from slack_bolt.lazy_listener.thread_runner import ThreadLazyListenerRunner
from slack_sdk import WebClient

from handlers.asking import Asker, asker_of
from handlers.blocks.home import dashboard_view, home_blocks
from handlers.context import HandlerContext

log = logging.getLogger(__name__)


def register(app: App, ctx: HandlerContext) -> None:
    """Attach the App Home listener: the event is acknowledged at once and the dashboard is
    read and published after the ack, on Bolt's lazy listener pool, so a slow `views.publish`
    or a busy database never holds Slack's 3-second answer.

    The ack hands the publishing to that pool itself rather than through a Bolt lazy listener:
    Bolt would deep-copy the request (its client, its context) and build the lazy function's
    keyword arguments again, which cost more than the rest of the event's answer; the work
    needs only the team, the user, the request's Asker and its Web API client."""

    def publish_home(team_id: str, user_id: str, asker: Asker, client: WebClient) -> None:
        try:
            locale = asker.locale
            blocks = ctx.services.summaries.rendered(
                team_id, ("home", locale), lambda summary: home_blocks(summary, locale=locale))
            view = dashboard_view(blocks, locale=locale, now=ctx.services.clock.now())
            client.views_publish(user_id=user_id, view=view)
        except Exception:
            log.exception("App Home: the dashboard of %s for %s was not published", team_id,
                          user_id)

    def acknowledge(event: dict[str, Any], body: dict[str, Any], context: BoltContext) -> None:
        # Events are acknowledged by Bolt: nothing to say inside the ack.
        if event.get("tab", "home") != "home":
            return  # the Messages tab needs no view
        team_id = str(body.get("team_id") or event.get("view", {}).get("team_id") or "")
        # No event claim (handlers/dedupe.py): a redelivery publishes the same view again.
        runner = context.listener_runner.lazy_listener_runner
        assert isinstance(runner, ThreadLazyListenerRunner)
        runner.executor.submit(publish_home, team_id, event["user"], asker_of(context),
                               context.client)

    app.event("app_home_opened")(acknowledge)
