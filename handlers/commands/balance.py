"""`/credits balance`: balance, service state, auto-recharge, last recharge and forecast."""

from __future__ import annotations

from handlers.blocks.balance import balance_reply
from handlers.commands.base import Invocation, Subcommand
from handlers.context import HandlerContext
from handlers.reply import Reply


def run(ctx: HandlerContext, invocation: Invocation) -> Reply:
    locale = ctx.directory.locale(invocation.user_id)
    return ctx.services.summaries.rendered(
        invocation.team_id, ("balance", locale),
        lambda summary: balance_reply(summary, locale=locale))


SUBCOMMAND = Subcommand(name="balance", usage="balance", run=run,
                        summary="balance, state, auto-recharge, last recharge and forecast")
