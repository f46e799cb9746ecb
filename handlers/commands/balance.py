"""`/credits balance`: balance, service state, auto-recharge, last recharge and forecast.
`/credits balance sync <amount>` (admins): book the difference to the balance Microsoft's admin
center shows as an adjustment, after a confirmation."""

from __future__ import annotations

from bot.errors import InvalidAmount
from bot.money import parse_amount
from handlers.blocks.adjust import said
from handlers.blocks.balance import balance_reply
from handlers.blocks.history import signed_money
from handlers.commands import adjust
from handlers.commands.base import Invocation, Subcommand, UsageError
from handlers.context import HandlerContext
from handlers.i18n import N_, t
from handlers.reply import Reply


def run(ctx: HandlerContext, invocation: Invocation) -> Reply:
    if _syncs(invocation.args):
        return sync(ctx, invocation)
    locale = invocation.asker.locale
    return ctx.services.summaries.rendered(
        invocation.team_id, ("balance", locale),
        lambda summary: balance_reply(summary, locale=locale))


def sync(ctx: HandlerContext, invocation: Invocation) -> Reply:
    """Ask to book (Microsoft's balance - the bot's) as an adjustment."""
    locale = invocation.asker.locale
    if len(invocation.args) != 2:
        raise UsageError(N_("Write it as `balance sync 1234.56`: the balance Microsoft's Teams "
                           "admin center shows."))
    account = invocation.asker.account
    try:
        target = parse_amount(invocation.args[1], currency=account.currency)
    except InvalidAmount as exc:
        raise UsageError(N_("{error} Write it as `balance sync 1234.56`: the balance "
                            "Microsoft's Teams admin center shows."), error=exc.text) from exc
    difference = target - account.balance
    if difference.is_zero:
        return said("The balance is *{balance}* already, as Microsoft shows: nothing to book.",
                    locale, balance=account.balance.format(locale))
    question = t("Microsoft shows *{target}*, the bot *{balance}*. Book the difference, "
                 "*{amount}*, as an adjustment?",
                 locale, target=target.format(locale), balance=account.balance.format(locale),
                 amount=signed_money(difference, locale))
    reason = t("balance sync: Microsoft shows {target}", None, target=target.format())
    return adjust.ask(ctx, invocation, amount=difference, reason=reason, question=question,
                      locale=locale)


def _syncs(args: tuple[str, ...]) -> bool:
    return bool(args) and args[0].lower() == "sync"


SUBCOMMAND = Subcommand(name="balance", usage="balance [sync <amount Microsoft shows>]", run=run,
                        admin_when=_syncs,
                        summary=N_("balance, state, auto-recharge, last recharge and forecast; "
                                   "admins bring it in line with Microsoft's with `sync`"))
