"""`/credits autorecharge [on <amount> below <trigger> | off]`: show or (admin) change it.

"Add this amount when the balance is below" (Microsoft's words). A recharge is a purchase, so
the amount obeys the deposit rules (bounds, who may buy, a payment method that works).
"""

from __future__ import annotations

from bot.recharge import RechargeFailed, RechargeSucceeded
from handlers.blocks.autorecharge import (
    autorecharge_off_reply,
    autorecharge_on_reply,
    autorecharge_reply,
)
from handlers.commands.amounts import read_amount
from handlers.commands.base import Invocation, Subcommand, UsageError
from handlers.context import HandlerContext
from handlers.reply import Reply

USAGE = "autorecharge [on <amount> below <trigger> | off]"
CHANGES = ("on", "off")


def run(ctx: HandlerContext, invocation: Invocation) -> Reply:
    args = invocation.args
    locale = ctx.directory.locale(invocation.user_id)
    accounts = ctx.services.accounts
    if not args:
        return autorecharge_reply(accounts.ensure(invocation.team_id), locale=locale)
    word = args[0].lower()
    if word == "off" and len(args) == 1:
        accounts.ensure(invocation.team_id)
        accounts.set_autorecharge(invocation.team_id, enabled=False)
        return autorecharge_off_reply(locale=locale)
    if word != "on" or len(args) != 4 or args[2].lower() != "below":
        raise UsageError("Write it as `autorecharge on 500 below 100`: add $500 when the "
                         "balance is below $100. Or `autorecharge off`.")
    currency = accounts.ensure(invocation.team_id).currency
    amount = read_amount(args[1], currency=currency, locale=locale, which="recharge amount")
    below = read_amount(args[3], currency=currency, locale=locale, which="trigger")
    quote = ctx.services.deposits.quote(invocation.team_id, amount)
    account = accounts.set_autorecharge(invocation.team_id, enabled=True, amount=amount,
                                        below=below)
    outcome = None
    recharger = ctx.services.recharger
    if recharger is not None and account.balance < below:
        # Below the trigger already: buy now rather than at the next sweep.
        outcome = recharger.evaluate(account.id)
        account = accounts.get(invocation.team_id)
    return autorecharge_on_reply(account, method=quote.method, locale=locale,
                                 recharged=isinstance(outcome, RechargeSucceeded),
                                 failure=outcome.reason.rstrip(".")
                                 if isinstance(outcome, RechargeFailed) else None)


def _changes(args: tuple[str, ...]) -> bool:
    return bool(args) and args[0].lower() in CHANGES


SUBCOMMAND = Subcommand(name="autorecharge", usage=USAGE, run=run, admin_when=_changes,
                        summary="show auto-recharge; admins turn it on or off")
