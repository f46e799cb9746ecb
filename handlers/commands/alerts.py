"""`/credits alerts`: the low-balance thresholds and the alert channel; admins change them."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError

from bot.alerts.settings import DuplicateThreshold, UnknownThreshold
from bot.errors import CreditsError
from handlers.blocks.alerts import (
    alerts_reply,
    channel_set_reply,
    language_set_reply,
    levels_text,
    threshold_added_reply,
    threshold_removed_reply,
)
from handlers.commands.amounts import read_amount
from handlers.commands.base import Invocation, Subcommand, UsageError, parse_channel
from handlers.context import HandlerContext
from handlers.i18n import N_
from handlers.reply import Reply

USAGE = ("alerts [add <amount> | remove <amount> | channel <#channel> | "
         "language <en-US|de-DE>]")
CHANGES = ("add", "remove", "channel", "language")


def run(ctx: HandlerContext, invocation: Invocation) -> Reply:
    args = invocation.args
    locale = invocation.asker.locale
    settings = ctx.services.alert_settings
    account = invocation.asker.account
    if not args:
        return alerts_reply(settings.thresholds(account_id=account.id), settings.channel(account),
                            locale=locale,
                            undelivered=settings.undelivered(account_id=account.id),
                            language=account.language)
    word = args[0].lower()
    if word not in CHANGES or len(args) != 2:
        raise UsageError(N_("Say what to change: `alerts add 500`, `alerts remove 500`, "
                            "`alerts channel #billing` or `alerts language de-DE`."))
    if word == "language":
        changed = ctx.services.accounts.change_settings(invocation.team_id, language=args[1])
        return language_set_reply(changed.account.language, locale=locale)
    if word == "channel":
        channel = parse_channel(args[1], USAGE)
        _check_bot_can_post(ctx, channel, locale)
        settings.set_channel(invocation.team_id, channel)
        return channel_set_reply(channel, locale=locale)
    amount = read_amount(args[1], currency=account.currency, locale=locale)
    money = amount.format(locale)
    if word == "add":
        try:
            added = settings.add_threshold(account_id=account.id, amount=amount)
        except DuplicateThreshold as exc:
            raise CreditsError(N_("There is an alert at {amount} already: each level is alerted "
                                  "once per crossing."), amount=money) from exc
        return threshold_added_reply(
            added, balance=account.balance, thresholds=settings.thresholds(account_id=account.id),
            channel=settings.channel(account), locale=locale)
    try:
        settings.remove_threshold(account_id=account.id, amount=amount)
    except UnknownThreshold as exc:
        levels = levels_text(settings.thresholds(account_id=account.id),
                             locale=locale, states=False)
        raise CreditsError(N_("There is no alert at {amount}. The alerts are at: {levels}."),
                           amount=money, levels=levels) from exc
    return threshold_removed_reply(
        amount, thresholds=settings.thresholds(account_id=account.id),
        channel=settings.channel(account), locale=locale)


def _check_bot_can_post(ctx: HandlerContext, channel: str, locale: str | None) -> None:
    """Refuse a channel the bot cannot post in (it is not a member, cannot see it, or it is
    archived), saying how to invite it: the bot does not use chat:write.public (README)."""
    try:
        info = ctx.client.conversations_info(channel=channel)["channel"]
    except SlackApiError as exc:
        error = str(exc.response.get("error") or "error")
        if error == "channel_not_found":
            raise CreditsError(N_("I cannot see that channel: it does not exist, or it is "
                                  "private and I am not in it. Invite me there with `/invite "
                                  "@Credits Bot`, then run the command again. Nothing was "
                                  "changed.")) from exc
        raise CreditsError(N_("Slack did not let me check <#{channel}> just now ({error}). Try "
                              "again in a minute. Nothing was changed."),
                           channel=channel, error=error) from exc
    except OSError as exc:
        raise CreditsError(N_("Slack did not let me check <#{channel}> just now ({error}). Try "
                              "again in a minute. Nothing was changed."),
                           channel=channel, error="network") from exc
    if info.get("is_archived"):
        raise CreditsError(N_("<#{channel}> is archived, so alerts could not be posted there. "
                              "Choose another channel. Nothing was changed."), channel=channel)
    if not info.get("is_member"):
        raise CreditsError(N_("I am not a member of <#{channel}>, so alerts could not be posted "
                              "there. Invite me with `/invite @Credits Bot` in <#{channel}>, "
                              "then run `/credits alerts channel <#{channel}>` again. Nothing "
                              "was changed."), channel=channel)


def _changes(args: tuple[str, ...]) -> bool:
    return bool(args) and args[0].lower() in CHANGES


def _checks_a_channel(ctx: HandlerContext, args: tuple[str, ...]) -> bool:
    # conversations.info is a rate-limited Web API call: answered after the ack.
    return len(args) == 2 and args[0].lower() == "channel"


def _check(ctx: HandlerContext, invocation: Invocation) -> None:
    if _checks_a_channel(ctx, invocation.args):
        parse_channel(invocation.args[1], USAGE)


SUBCOMMAND = Subcommand(name="alerts", usage=USAGE, run=run, admin_when=_changes,
                        slow_when=_checks_a_channel, check=_check,
                        summary=N_("low-balance thresholds, the alert channel and the "
                                   "alerts' language; admins change them"))
