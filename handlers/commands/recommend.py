"""`/credits recommend`: Microsoft's table by licensed users, and a recommendation from spend."""

from __future__ import annotations

from handlers.blocks.recommend import recommend_reply
from handlers.commands.base import Invocation, Subcommand, UsageError
from handlers.context import HandlerContext
from handlers.reply import Reply

USAGE = "recommend"


def run(ctx: HandlerContext, invocation: Invocation) -> Reply:
    if invocation.args:
        raise UsageError("It takes no arguments.")
    account = ctx.services.accounts.ensure(invocation.team_id)
    recommender = ctx.services.recommender
    return recommend_reply(recommender.recommend(account.id),
                           window_days=recommender.window_days,
                           locale=ctx.directory.locale(invocation.user_id))


SUBCOMMAND = Subcommand(name="recommend", usage=USAGE, run=run,
                        summary="recommended deposit and trigger: Microsoft's table and your spend")
