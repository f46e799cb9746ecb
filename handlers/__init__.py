"""Slack I/O only: parse what Slack sends, call a service, render, answer."""

from __future__ import annotations

from slack_bolt import App

from handlers import actions, commands, events, file_import, home
from handlers.asking import WhoIsAsking
from handlers.commands.base import Invocation
from handlers.context import HandlerContext


def register(app: App, ctx: HandlerContext) -> None:
    """Attach who is asking (a middleware, once per request) and every listener of the app."""
    app.use(WhoIsAsking(ctx.services.accounts, ctx.directory, ctx.rights,
                        parse_command=Invocation.from_payload))
    commands.register(app, ctx)
    # Bolt tries the listeners in order, each at some cost, until one matches: App Home (the
    # most frequent event, matching nothing else) comes right after the commands.
    home.register(app, ctx)
    file_import.register(app, ctx)  # before events: Bolt runs the first matching listener
    events.register(app, ctx)
    actions.register(app, ctx)
