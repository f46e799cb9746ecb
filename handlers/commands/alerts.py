"""`/credits alerts`: the low-balance thresholds and the alert channel; admins change them."""

from __future__ import annotations

from bot.alert_settings import DuplicateThreshold, UnknownThreshold
from bot.errors import CreditsError
from bot.money import format_money
from handlers.blocks.alerts import (
    alerts_reply,
    channel_set_reply,
    levels_text,
    threshold_added_reply,
    threshold_removed_reply,
)
from handlers.commands.amounts import read_amount
from handlers.commands.base import Invocation, Subcommand, UsageError, parse_channel
from handlers.context import HandlerContext
from handlers.i18n import t
from handlers.reply import Reply

USAGE = "alerts [add <amount> | remove <amount> | channel <#channel>]"
CHANGES = ("add", "remove", "channel")


def run(ctx: HandlerContext, invocation: Invocation) -> Reply:
    args = invocation.args
    locale = ctx.directory.locale(invocation.user_id)
    settings = ctx.services.alert_settings
    account = ctx.services.accounts.ensure(invocation.team_id)
    if not args:
        return alerts_reply(settings.thresholds(account_id=account.id), settings.channel(account),
                            account.currency, locale=locale)
    word = args[0].lower()
    if word not in CHANGES or len(args) != 2:
        raise UsageError("Say what to change: `alerts add 500`, `alerts remove 500` or "
                         "`alerts channel #billing`.")
    if word == "channel":
        channel = parse_channel(args[1], USAGE)
        settings.set_channel(invocation.team_id, channel)
        return channel_set_reply(channel, locale=locale)
    amount = read_amount(args[1], currency=account.currency, locale=locale)
    money = format_money(amount, account.currency, locale)
    if word == "add":
        try:
            added = settings.add_threshold(account_id=account.id, amount=amount)
        except DuplicateThreshold as exc:
            raise CreditsError(t("alerts_duplicate", locale, amount=money)) from exc
        return threshold_added_reply(
            added, balance=account.balance, thresholds=settings.thresholds(account_id=account.id),
            channel=settings.channel(account), currency=account.currency, locale=locale)
    try:
        settings.remove_threshold(account_id=account.id, amount=amount)
    except UnknownThreshold as exc:
        levels = levels_text(settings.thresholds(account_id=account.id), account.currency,
                             locale=locale, states=False)
        raise CreditsError(t("alerts_unknown", locale, amount=money, levels=levels)) from exc
    return threshold_removed_reply(
        amount, thresholds=settings.thresholds(account_id=account.id),
        channel=settings.channel(account), currency=account.currency, locale=locale)


def _changes(args: tuple[str, ...]) -> bool:
    return bool(args) and args[0].lower() in CHANGES


SUBCOMMAND = Subcommand(name="alerts", usage=USAGE, run=run, admin_when=_changes,
                        summary="low-balance thresholds and the alert channel; admins change them")
