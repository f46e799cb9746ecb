"""`/credits autorecharge [on <amount> below <trigger> | off]`: show or (admin) change it.

"Add this amount when the balance is below" (Microsoft's words). A recharge is a purchase, so
the amount obeys the deposit rules (bounds, who may buy, a payment method that works): see
bot/usecases/autorecharge_setup.py.
"""

from __future__ import annotations

from handlers.blocks.autorecharge import (
    autorecharge_off_reply,
    autorecharge_reply,
    autorecharge_warning_reply,
    setting_warnings,
    turned_on_reply,
)
from handlers.commands.amounts import read_amount
from handlers.commands.base import Invocation, Subcommand, UsageError
from handlers.context import HandlerContext
from handlers.i18n import N_
from handlers.reply import Reply

USAGE = "autorecharge [on <amount> below <trigger> | off]"
CHANGES = ("on", "off")


def run(ctx: HandlerContext, invocation: Invocation) -> Reply:
    args = invocation.args
    asker = invocation.asker
    locale = asker.locale
    setup = ctx.use_cases.autorecharge_setup
    cap = setup.cap_per_day
    if not args:
        account = asker.account
        return autorecharge_reply(account, paused_until=setup.paused_until(account), cap=cap,
                                  locale=locale)
    word = args[0].lower()
    if word == "off" and len(args) == 1:
        ctx.services.accounts.set_autorecharge(invocation.team_id, enabled=False)
        return autorecharge_off_reply(locale=locale)
    if word != "on" or len(args) != 4 or args[2].lower() != "below":
        raise UsageError(N_("Write it as `autorecharge on 500 below 100`: add $500 when the "
                         "balance is below $100. Or `autorecharge off`."))
    account = asker.account
    amount = read_amount(args[1], currency=account.currency, locale=locale,
                         which=N_("recharge amount"))
    below = read_amount(args[3], currency=account.currency, locale=locale, which=N_("trigger"))
    asked = setup.ask(account, amount=amount, below=below, actor=invocation.user_id,
                      request=invocation.response_url or "")
    if asked.pending is None:
        assert asked.turned_on is not None
        return turned_on_reply(asked.turned_on, locale=locale)
    # A setting that buys at once, or again at every charge: confirmed by a button first.
    return autorecharge_warning_reply(
        setting_warnings(account, amount=amount, below=below, cap=cap, locale=locale),
        amount=amount, below=below,
        operation_id=asked.pending.id, locale=locale)


def _changes(args: tuple[str, ...]) -> bool:
    return bool(args) and args[0].lower() in CHANGES


SUBCOMMAND = Subcommand(name="autorecharge", usage=USAGE, run=run, admin_when=_changes,
                        summary=N_("show auto-recharge; admins turn it on or off"))
