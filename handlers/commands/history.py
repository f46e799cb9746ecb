"""`/credits history [n]`: the last n ledger entries (10 by default, at most 50)."""

from __future__ import annotations

from bot.errors import Sentence
from bot.history import DEFAULT_ENTRIES, MAX_ENTRIES
from handlers.blocks.history import history_reply
from handlers.commands.base import Invocation, Subcommand, UsageError
from handlers.context import HandlerContext
from handlers.i18n import N_
from handlers.reply import Reply

USAGE = "history [n]"


def run(ctx: HandlerContext, invocation: Invocation) -> Reply:
    count = entries_wanted(invocation.args)
    account = invocation.asker.account
    entries = ctx.services.history.recent(account_id=account.id, limit=count)
    return history_reply(entries, currency=account.currency, timezone=account.timezone,
                         locale=invocation.asker.locale)


def entries_wanted(args: tuple[str, ...]) -> int:
    """How many entries: none given is the default; a whole number from 1 to MAX_ENTRIES."""
    if not args:
        return DEFAULT_ENTRIES
    if len(args) > 1 or not args[0].isascii() or not args[0].isdigit():
        raise UsageError(N_("Give how many entries as a whole number from 1 to {most}."),
                         most=MAX_ENTRIES)
    # Checked before int(): Python refuses (ValueError) to convert more than 4,300 digits.
    if len(args[0]) > len(str(MAX_ENTRIES)) + 2:
        raise UsageError(N_("Ask for 1 to {most} entries."), most=MAX_ENTRIES)
    count = int(args[0])
    if not 1 <= count <= MAX_ENTRIES:
        raise UsageError(N_("Ask for 1 to {most} entries."), most=MAX_ENTRIES)
    return count


SUBCOMMAND = Subcommand(name="history", usage=USAGE, run=run,
                        summary=Sentence.of(N_("the last n ledger entries ({default} by "
                                               "default, at most {most})"),
                                            default=DEFAULT_ENTRIES, most=MAX_ENTRIES))
