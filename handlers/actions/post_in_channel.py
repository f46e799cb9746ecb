"""The "Post in this channel" button of an export or report sent to the requester's DM: an
admin's click posts it in the channel after all, once (the pending operation is claimed)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import App

from handlers.actions.click import Click, answer, require_admin
from handlers.asking import asker_of
from handlers.blocks.common import error_reply, section
from handlers.channel_privacy import KIND, POST_HERE_ACTION
from handlers.commands import export, report
from handlers.commands.base import Invocation
from handlers.context import HandlerContext
from handlers.i18n import t
from handlers.reply import Reply

Respond = Callable[..., Any]
DELIVER = {"export": export.deliver, "report": report.deliver}


def register(app: App, ctx: HandlerContext) -> None:
    """Attach the listener: the ack at once, the upload in a lazy listener (slow)."""

    def acknowledge(ack: Callable[[], None]) -> None:
        ack()

    def post(body: dict[str, Any], context: dict[str, Any], respond: Respond) -> None:
        post_here(ctx, Click.from_body(body, asker_of(context)), respond)

    app.action(POST_HERE_ACTION)(ack=acknowledge, lazy=[post])


def post_here(ctx: HandlerContext, click: Click, respond: Respond) -> None:
    """Run the export or report again, this time into the channel it was asked in."""
    if not require_admin(ctx, click, respond):
        return
    locale = click.asker.locale
    account = click.asker.account
    op = ctx.services.confirmations.decide(click.value, account_id=account.id, kind=KIND,
                                           confirm=True)
    if op is None:
        text = t("This was posted already, or the request expired: run the command again.", locale)
        answer(respond, Reply(text=text, blocks=[section(text)]), replace_original=False)
        return
    text = str(op.payload["text"])
    words = tuple(text.split())
    deliver = DELIVER.get(words[0].lower() if words else "")
    if deliver is None:
        answer(respond, error_reply(t("That button is not from an export or report.", locale)),
               replace_original=False)
        return
    invocation = Invocation(team_id=click.team_id, user_id=click.user_id,
                            channel_id=str(op.payload["channel"]), text=text, args=words[1:],
                            asker=click.asker)
    try:
        reply = deliver(ctx, invocation, here=True)
    except Exception as exc:  # after the ack: never leave the admin waiting on silence
        ctx.services.confirmations.finish(op.id, result={"error": str(exc)[:200]},
                                          status="failed")
        raise
    ctx.services.confirmations.finish(op.id, result={"posted": True})
    ctx.services.audit.record(team_id=click.team_id, actor=click.user_id,
                              action=f"action.{POST_HERE_ACTION}", result="ok",
                              arguments={"operation": op.id, "text": text,
                                         "channel": op.payload["channel"]})
    answer(respond, reply, replace_original=False)
