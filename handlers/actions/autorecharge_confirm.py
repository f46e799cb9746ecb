"""The Confirm and Cancel buttons of an auto-recharge setting that warned (a trigger at or above
the balance, or an amount that does not lift the balance above it).

The value is the pending operation's id: the first admin click claims it, so a double click or
a replayed delivery changes the setting once.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from slack_bolt import App

from bot.errors import CreditsError
from handlers.actions.click import Click, answer, register_decision, require_admin
from handlers.blocks.autorecharge import CANCEL_ACTION, CONFIRM_ACTION
from handlers.blocks.common import error_reply, section
from handlers.commands.autorecharge import CONFIRM_KIND, turn_on
from handlers.context import HandlerContext
from handlers.i18n import t
from handlers.reply import Reply

Respond = Callable[..., Any]


def register(app: App, ctx: HandlerContext) -> None:
    """Attach the Confirm and Cancel listeners."""
    register_decision(app, ctx, (CONFIRM_ACTION, CANCEL_ACTION), decide)


def decide(ctx: HandlerContext, click: Click, respond: Respond) -> None:
    """Carry out (Confirm) or drop (Cancel) the pending setting, once."""
    if not require_admin(ctx, click, respond):
        return
    services = ctx.services
    locale = ctx.directory.locale(click.user_id)
    account = services.accounts.ensure(click.team_id)
    confirmations = services.confirmations
    move = confirmations.claim if click.action_id == CONFIRM_ACTION else confirmations.cancel
    claim = move(click.value[:64], account_id=account.id)
    op = claim.operation
    if not claim.won or op is None or op.kind != CONFIRM_KIND:
        text = t("This request was answered already or has expired; run `/credits autorecharge "
                 "on …` again.", locale)
        answer(respond, Reply(text=text, blocks=[section(text)]), replace_original=False)
        return
    arguments = {"operation": op.id, **op.payload}
    if click.action_id == CANCEL_ACTION:
        services.audit.record(team_id=click.team_id, actor=click.user_id,
                              action="action.autorecharge_cancel", result="ok",
                              arguments=arguments)
        text = t("Cancelled by <@{user}>: auto-recharge was not changed.",
                 locale, user=click.user_id)
        answer(respond, Reply(text=text, blocks=[section(text)]), replace_original=True)
        return
    try:
        reply = turn_on(ctx, click.team_id, amount=Decimal(op.payload["amount"]),
                        below=Decimal(op.payload["below"]), locale=locale)
    except CreditsError as exc:
        confirmations.finish(op.id, result={"error": str(exc)}, status="failed")
        services.audit.record(team_id=click.team_id, actor=click.user_id,
                              action="action.autorecharge_confirm", result="error",
                              arguments=arguments, detail=str(exc))
        answer(respond, error_reply(str(exc)), replace_original=False)
        return
    confirmations.finish(op.id, result={"ok": True})
    services.audit.record(team_id=click.team_id, actor=click.user_id,
                          action="action.autorecharge_confirm", result="ok",
                          arguments=arguments)
    answer(respond, reply, replace_original=True)
