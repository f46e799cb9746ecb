"""The `/credits` slash command: one module per subcommand, routed by its first word."""

from __future__ import annotations

from slack_bolt import App

from handlers.commands import (
    adjust,
    alerts,
    audit,
    autorecharge,
    balance,
    credits,
    deposit,
    export,
    history,
    license,
    payment,
    rate,
    recommend,
    report,
    sync,
    usage,
)
from handlers.commands.base import Subcommand
from handlers.commands.help import help_reply
from handlers.commands.router import Paced, Router
from handlers.context import HandlerContext

COMMAND = "/credits"
SUBCOMMANDS: list[Subcommand] = [
    balance.SUBCOMMAND,
    deposit.SUBCOMMAND,
    autorecharge.SUBCOMMAND,
    license.SUBCOMMAND,
    rate.SUBCOMMAND,
    usage.SUBCOMMAND,
    export.SUBCOMMAND,
    report.SUBCOMMAND,
    recommend.SUBCOMMAND,
    alerts.SUBCOMMAND,
    history.SUBCOMMAND,
    payment.SUBCOMMAND,
    audit.SUBCOMMAND,
    credits.SUBCOMMAND,
    adjust.SUBCOMMAND,
    sync.SUBCOMMAND,
]


def register(app: App, ctx: HandlerContext) -> Router:
    router = Router(ctx, SUBCOMMANDS, help_reply)
    # Bolt deep-copies the request and starts a thread for a lazy listener: only the slow
    # subcommands pay that (measured: it cut `/credits help` to a quarter of the floor). The
    # fast ones, most of them, come first: Bolt checks one listener for them, not two.
    app.command(COMMAND, middleware=[Paced(router, slow=False)])(router.ack_command)
    app.command(COMMAND, middleware=[Paced(router, slow=True)])(ack=router.ack_command,
                                                                lazy=[router.finish_slow])
    return router
