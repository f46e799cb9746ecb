"""`/credits rate <number or country>`: what a call costs, from the rate deck in force.

Numbers in national format are read with the account's region; countries by English or German
name or ISO code; `toll-free US` quotes the account's own toll-free numbers.
"""

from __future__ import annotations

from bot.errors import InvalidNumber, UnknownDestination
from bot.rates.deck import RateQuote
from handlers.blocks.rate import rate_reply
from handlers.commands.base import Invocation, Subcommand, UsageError
from handlers.context import HandlerContext
from handlers.i18n import N_
from handlers.reply import Reply

USAGE = "rate <number or country>"
EXAMPLES = "`/credits rate +44 20 7946 0000`, `/credits rate Germany`, `/credits rate toll-free US`"


def run(ctx: HandlerContext, invocation: Invocation) -> Reply:
    query = " ".join(invocation.args)
    if not query:
        raise UsageError(N_("Say which number or country, for example {examples}."),
                         examples=EXAMPLES)
    account = invocation.asker.account
    quote = quote_rate(ctx, query, region=account.region)
    return rate_reply(quote, source=ctx.services.rates.deck().source,
                      locale=invocation.asker.locale)


def quote_rate(ctx: HandlerContext, query: str, *, region: str) -> RateQuote:
    """The quote of a number or country; unreadable input is a usage error."""
    try:
        return ctx.services.rates.quote(query, region=region)
    except (InvalidNumber, UnknownDestination) as exc:
        raise UsageError.of(exc) from None


SUBCOMMAND = Subcommand(name="rate", usage=USAGE, run=run, aliases=("rates",),
                        summary=N_("per-minute rate, connection fee and billing increment of a "
                                   "number or country"))
