"""`/credits recommend`: Microsoft's table by licensed users, and a recommendation from spend."""

from __future__ import annotations

import logging

from bot.errors import CreditsError
from handlers.blocks.recommend import recommend_reply
from handlers.commands.base import Invocation, Subcommand, UsageError
from handlers.context import HandlerContext
from handlers.i18n import N_
from handlers.reply import Reply

log = logging.getLogger(__name__)
USAGE = "recommend"


def run(ctx: HandlerContext, invocation: Invocation) -> Reply:
    if invocation.args:
        raise UsageError(N_("It takes no arguments."))
    account = invocation.asker.account
    recommender = ctx.services.recommender
    return recommend_reply(recommender.recommend(account.id, users=_tenant_users(ctx)),
                           window_days=recommender.window_days,
                           locale=invocation.asker.locale)


def _tenant_users(ctx: HandlerContext) -> int | None:
    """The tenant's licensed-user count (Microsoft 365 connection), or None: the bot's list."""
    graph = ctx.services.graph
    if not graph.connected:
        return None
    try:
        return graph.licenses.count()
    except CreditsError:
        log.warning("recommend: the tenant's license count could not be read", exc_info=True)
        return None


def _slow(ctx: HandlerContext, args: tuple[str, ...]) -> bool:
    return ctx.services.graph.connected  # Graph is asked for the count


SUBCOMMAND = Subcommand(name="recommend", usage=USAGE, run=run, slow_when=_slow,
                        summary=N_("recommended deposit and trigger: Microsoft's table and "
                                   "your spend"))
