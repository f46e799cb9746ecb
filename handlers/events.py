"""Events: DMs and mentions, answered by intent in a message (a thread for mentions)."""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from handlers.asking import asker_of
from handlers.context import HandlerContext
from handlers.dedupe import DedupeEvents, answering
from handlers.messages import answer_message

# Message subtypes that are a person writing; edits, deletions, joins and bot posts are not.
ANSWERED_SUBTYPES = frozenset({None, "thread_broadcast"})


def is_question(event: dict[str, Any]) -> bool:
    """True for a message a person wrote (not a bot, not an edit or other subtype)."""
    return (event.get("subtype") in ANSWERED_SUBTYPES and not event.get("bot_id")
            and bool(event.get("user")))


def team_of(body: dict[str, Any], event: dict[str, Any]) -> str:
    return str(body.get("team_id") or event.get("team") or "")


def register(app: App, ctx: HandlerContext) -> None:
    """Attach the dedupe middleware and the DM and mention listeners."""
    app.middleware(DedupeEvents(ctx))

    @app.event("message")
    def on_direct_message(event: dict[str, Any], body: dict[str, Any], context: dict[str, Any],
                          client: WebClient) -> None:
        if event.get("channel_type") != "im" or not is_question(event):
            return
        with answering(ctx, body):
            reply = answer_message(ctx, team_id=team_of(body, event), user_id=event["user"],
                                   text=event.get("text") or "", asker=asker_of(context))
            client.chat_postMessage(channel=event["channel"], text=reply.text,
                                    blocks=reply.blocks)

    @app.event("app_mention")
    def on_mention(event: dict[str, Any], body: dict[str, Any], context: dict[str, Any],
                   client: WebClient) -> None:
        if not is_question(event):
            return
        with answering(ctx, body):
            reply = answer_message(ctx, team_id=team_of(body, event), user_id=event["user"],
                                   text=event.get("text") or "", asker=asker_of(context))
            client.chat_postMessage(channel=event["channel"], text=reply.text,
                                    blocks=reply.blocks,
                                    thread_ts=event.get("thread_ts") or event.get("ts"))
