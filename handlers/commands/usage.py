"""`/credits usage [period] [by user | by destination | by day]`: spend and minutes.

An admin sees everyone's calls; a member sees only their own, found by the e-mail Slack's
`users.info` gives (call records name people by UPN, which is that e-mail).
"""

from __future__ import annotations

from bot.errors import CreditsError
from bot.usage.reports import parse_grouping
from handlers.blocks.usage import usage_reply
from handlers.commands.base import Invocation, Subcommand, UsageError
from handlers.commands.usage_args import own_email, period_text, read_period
from handlers.context import HandlerContext
from handlers.i18n import N_
from handlers.reply import Reply

USAGE = "usage [period] [by user | by destination | by day]"


def run(ctx: HandlerContext, invocation: Invocation) -> Reply:
    text, group_by = split_arguments(invocation.args)
    account = invocation.asker.account
    period = read_period(ctx, account, text)
    email = own_email(ctx, invocation.asker)
    summary = ctx.services.usage_reports.summary(account, period, user=email, group_by=group_by)
    return usage_reply(summary, email=email, locale=invocation.asker.locale)


def split_arguments(args: tuple[str, ...]) -> tuple[str | None, str | None]:
    """(period text, grouping) from the words after `usage`, in either order."""
    words = list(args)
    lowered = [word.lower() for word in words]
    group_by = None
    if "by" in lowered:
        at = lowered.index("by")
        if at + 1 >= len(words):
            raise UsageError(N_("Say how to group: `by user`, `by destination` or `by day`."))
        try:
            group_by = parse_grouping(" ".join(words[at:at + 2]))
        except CreditsError as exc:
            raise UsageError.of(exc) from None
        del words[at:at + 2]
        if "by" in (word.lower() for word in words):
            raise UsageError(N_("One grouping at a time: `by user`, `by destination` or "
                                "`by day`. Every call, with its user and day, is in "
                                "`/credits export`."))
    return period_text(words), group_by


SUBCOMMAND = Subcommand(name="usage", usage=USAGE, run=run,
                        summary=N_("spend and minutes of a period (yours; admins see "
                                   "everyone's), by user, destination or day"))
