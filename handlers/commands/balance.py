"""`/credits balance`: balance, service state, auto-recharge, last recharge and forecast."""

from __future__ import annotations

from bot.summary import account_summary
from handlers.blocks.balance import balance_reply
from handlers.commands.base import Invocation, Subcommand
from handlers.context import HandlerContext
from handlers.reply import Reply


def run(ctx: HandlerContext, invocation: Invocation) -> Reply:
    summary = account_summary(ctx.services, invocation.team_id)
    return balance_reply(summary, locale=ctx.directory.locale(invocation.user_id))


SUBCOMMAND = Subcommand(name="balance", usage="balance", run=run,
                        summary="balance, state, auto-recharge, last recharge and forecast")
