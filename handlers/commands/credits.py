"""`/credits credits`: the purchased credits left, lot by lot, and when each expires."""

from __future__ import annotations

from handlers.blocks.lots import lots_reply
from handlers.commands.base import Invocation, Subcommand
from handlers.context import HandlerContext
from handlers.i18n import N_
from handlers.reply import Reply


def run(ctx: HandlerContext, invocation: Invocation) -> Reply:
    account = invocation.asker.account
    lots = ctx.services.ledger.lots(account_id=account.id)
    return lots_reply(lots, currency=account.currency, today=ctx.services.clock.now(),
                      locale=invocation.asker.locale)


SUBCOMMAND = Subcommand(name="credits", usage="credits", run=run, aliases=("lots",),
                        summary=N_("the purchased credits left, lot by lot, and when each "
                                   "expires"))
