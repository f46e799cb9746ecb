"""`/credits payment`: the payment method on file and whether the card expires soon."""

from __future__ import annotations

from bot.alerts.rules import CARD_WARN_DAYS, card_state
from bot.deposits import HOW_TO_SET_PAYMENT
from handlers.blocks.payment import payment_reply
from handlers.commands.base import Invocation, Subcommand, UsageError
from handlers.context import HandlerContext
from handlers.i18n import N_
from handlers.reply import Reply

USAGE = "payment"


def run(ctx: HandlerContext, invocation: Invocation) -> Reply:
    if invocation.args:
        raise UsageError(N_("It takes no arguments."))
    account = ctx.services.accounts.ensure(invocation.team_id)
    method = account.payment
    return payment_reply(method, state=card_state(method, ctx.services.clock.now()),
                         warn_days=CARD_WARN_DAYS, how_to_set=HOW_TO_SET_PAYMENT,
                         locale=ctx.directory.locale(invocation.user_id))


SUBCOMMAND = Subcommand(name="payment", usage=USAGE, run=run,
                        summary=N_("the payment method on file and whether it expires soon"))
