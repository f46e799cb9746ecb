"""`/credits autorecharge [on <amount> below <trigger> | off]`: show or (admin) change it.

"Add this amount when the balance is below" (Microsoft's words). A recharge is a purchase, so
the amount obeys the deposit rules (bounds, who may buy, a payment method that works).
"""

from __future__ import annotations

from decimal import Decimal

from bot.alerts.texts import mid_sentence
from bot.confirmations import operation_id_for
from bot.recharge import RechargeFailed, RechargeSucceeded
from handlers.blocks.autorecharge import (
    autorecharge_off_reply,
    autorecharge_on_reply,
    autorecharge_reply,
    autorecharge_warning_reply,
    setting_warnings,
)
from handlers.commands.amounts import read_amount
from handlers.commands.base import Invocation, Subcommand, UsageError
from handlers.context import HandlerContext
from handlers.i18n import N_
from handlers.reply import Reply

USAGE = "autorecharge [on <amount> below <trigger> | off]"
CONFIRM_KIND = "autorecharge"
CHANGES = ("on", "off")


def run(ctx: HandlerContext, invocation: Invocation) -> Reply:
    args = invocation.args
    locale = ctx.directory.locale(invocation.user_id)
    accounts = ctx.services.accounts
    cap = ctx.settings.credits_recharge_cap_per_day
    if not args:
        account = accounts.ensure(invocation.team_id)
        paused = ctx.services.recharger.paused_until(account.id)
        return autorecharge_reply(account, paused_until=paused, cap=cap, locale=locale)
    word = args[0].lower()
    if word == "off" and len(args) == 1:
        accounts.ensure(invocation.team_id)
        accounts.set_autorecharge(invocation.team_id, enabled=False)
        return autorecharge_off_reply(locale=locale)
    if word != "on" or len(args) != 4 or args[2].lower() != "below":
        raise UsageError("Write it as `autorecharge on 500 below 100`: add $500 when the "
                         "balance is below $100. Or `autorecharge off`.")
    account = accounts.ensure(invocation.team_id)
    amount = read_amount(args[1], currency=account.currency, locale=locale,
                         which="recharge amount")
    below = read_amount(args[3], currency=account.currency, locale=locale, which="trigger")
    ctx.services.deposits.quote(invocation.team_id, amount)  # the deposit rules, before asking
    warnings = setting_warnings(account, amount=amount, below=below, cap=cap, locale=locale)
    if warnings:
        # A setting that buys at once, or again at every charge: confirmed by a button first.
        op = ctx.services.confirmations.create(
            account_id=account.id, kind=CONFIRM_KIND,
            payload={"amount": str(amount), "below": str(below)},
            requested_by=invocation.user_id, operation_id=operation_id_for(
                invocation.team_id, CONFIRM_KIND, invocation.user_id, str(amount), str(below),
                invocation.response_url or ""))
        return autorecharge_warning_reply(warnings, amount=amount, below=below,
                                          currency=account.currency, operation_id=op.id,
                                          locale=locale)
    return turn_on(ctx, invocation.team_id, amount=amount, below=below, locale=locale)


def turn_on(ctx: HandlerContext, team_id: str, *, amount: Decimal, below: Decimal,
            locale: str | None) -> Reply:
    """Turn auto-recharge on, and buy at once when the balance is below the trigger already."""
    accounts = ctx.services.accounts
    quote = ctx.services.deposits.quote(team_id, amount)
    account = accounts.set_autorecharge(team_id, enabled=True, amount=amount, below=below)
    outcome = None
    if account.balance < below:
        # Below the trigger already: buy now rather than at the next sweep.
        outcome = ctx.services.recharger.evaluate(account.id)
        account = accounts.get(team_id)
    return autorecharge_on_reply(account, method=quote.method, locale=locale,
                                 recharged=isinstance(outcome, RechargeSucceeded),
                                 failure=mid_sentence(outcome.reason)
                                 if isinstance(outcome, RechargeFailed) else None)


def _changes(args: tuple[str, ...]) -> bool:
    return bool(args) and args[0].lower() in CHANGES


SUBCOMMAND = Subcommand(name="autorecharge", usage=USAGE, run=run, admin_when=_changes,
                        summary=N_("show auto-recharge; admins turn it on or off"))
