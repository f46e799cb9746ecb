"""`/credits sync` (the last Graph sync) and `/credits sync now` (admin; slow, lazy listener).

Without the Microsoft 365 connection it says how to connect (DESIGN §10).
"""

from __future__ import annotations

from handlers.blocks.sync import not_connected_reply, sync_reply
from handlers.commands.base import Invocation, Subcommand, UsageError
from handlers.context import HandlerContext
from handlers.i18n import N_
from handlers.reply import Reply

USAGE = "sync [now]"


def run(ctx: HandlerContext, invocation: Invocation) -> Reply:
    check(ctx, invocation)
    locale = invocation.asker.locale
    graph = ctx.services.graph
    if not graph.connected:
        return not_connected_reply(locale=locale)
    account = invocation.asker.account
    if _now(invocation.args):
        graph.sync.run(account.id, force=True)  # its outcome, error included, is on the row
    return sync_reply(graph.sync.view(account.id), currency=account.currency,
                      overlap_hours=ctx.settings.credits_graph_overlap_hours, locale=locale)


def check(ctx: HandlerContext, invocation: Invocation) -> None:
    args = invocation.args
    if args and not _now(args):
        raise UsageError(N_("Say `/credits sync` to see the last sync, or `/credits sync now`."))


def _now(args: tuple[str, ...]) -> bool:
    return len(args) == 1 and args[0].lower() == "now"


def _slow(ctx: HandlerContext, args: tuple[str, ...]) -> bool:
    return _now(args) and ctx.services.graph.connected


SUBCOMMAND = Subcommand(name="sync", usage=USAGE, run=run, admin_when=_now, check=check,
                        slow_when=_slow,
                        summary=N_("the last sync of call records from Microsoft 365; admins: "
                                   "`sync now`"))
