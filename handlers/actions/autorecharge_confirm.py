"""The Confirm and Cancel buttons of an auto-recharge setting that warned (a trigger at or above
the balance, or an amount that does not lift the balance above it).

The value is the pending operation's id: the first admin click claims it, so a double click or
a replayed delivery changes the setting once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import App

from handlers.actions.click import Click, answer, register_decision, require_admin
from handlers.blocks.autorecharge import CANCEL_ACTION, CONFIRM_ACTION, turned_on_reply
from handlers.blocks.common import error_reply, section
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
    locale = click.asker.locale
    decision = ctx.use_cases.autorecharge_setup.decide(
        click.value, account=click.asker.account, confirm=click.action_id == CONFIRM_ACTION)
    op = decision.operation
    if op is None:
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
    if decision.turned_on is None:
        error = str(decision.error)
        services.audit.record(team_id=click.team_id, actor=click.user_id,
                              action="action.autorecharge_confirm", result="error",
                              arguments=arguments, detail=error)
        answer(respond, error_reply(error), replace_original=False)
        return
    services.audit.record(team_id=click.team_id, actor=click.user_id,
                          action="action.autorecharge_confirm", result="ok",
                          arguments=arguments)
    answer(respond, turned_on_reply(decision.turned_on, locale=locale), replace_original=True)
