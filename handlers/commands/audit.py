"""`/credits audit [n]`: the newest n audit events of the workspace (admins only)."""

from __future__ import annotations

from bot.errors import Sentence
from handlers.blocks.audit import audit_reply
from handlers.commands.base import Invocation, Subcommand, UsageError
from handlers.context import HandlerContext
from handlers.i18n import N_
from handlers.reply import Reply

USAGE = "audit [n]"
DEFAULT_EVENTS = 10
MAX_EVENTS = 50


def run(ctx: HandlerContext, invocation: Invocation) -> Reply:
    locale = invocation.asker.locale
    count = events_wanted(invocation.args)
    events = ctx.services.audit.recent(team_id=invocation.team_id, limit=count)
    return audit_reply(events, locale=locale)


def events_wanted(args: tuple[str, ...]) -> int:
    """How many events: none given is the default; a whole number from 1 to MAX_EVENTS."""
    if not args:
        return DEFAULT_EVENTS
    if (len(args) > 1 or not args[0].isascii() or not args[0].isdigit()
            or not 1 <= int(args[0]) <= MAX_EVENTS):
        raise UsageError(N_("Give how many events as a whole number from 1 to {most}."),
                         most=MAX_EVENTS)
    return int(args[0])


SUBCOMMAND = Subcommand(name="audit", usage=USAGE, run=run, admin=True,
                        summary=Sentence.of(N_("the newest n audit events ({default} by "
                                               "default, at most {most}): who asked for what; "
                                               "admins only"),
                                            default=DEFAULT_EVENTS, most=MAX_EVENTS))
