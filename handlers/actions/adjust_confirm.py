"""The Confirm and Cancel buttons of an adjustment (`/credits adjust`, `balance sync`).

The first admin click claims the pending operation; the ledger key is derived from its id, so
a double click, a replayed delivery or two admins book it once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import App

from handlers.actions.click import Click, answer, register_decision, require_admin
from handlers.blocks.adjust import CANCEL_ACTION, CONFIRM_ACTION, said
from handlers.blocks.history import signed_money
from handlers.context import HandlerContext

Respond = Callable[..., Any]


def register(app: App, ctx: HandlerContext) -> None:
    """Attach the Confirm and Cancel listeners."""
    register_decision(app, ctx, (CONFIRM_ACTION, CANCEL_ACTION), decide)


def decide(ctx: HandlerContext, click: Click, respond: Respond) -> None:
    """Book (Confirm) or drop (Cancel) the adjustment, once."""
    if not require_admin(ctx, click, respond):
        return
    services = ctx.services
    locale = click.asker.locale
    account = click.asker.account
    decision = ctx.use_cases.adjustments.decide(
        click.value, account=account, confirm=click.action_id == CONFIRM_ACTION,
        actor=click.user_id)
    op, posting = decision.operation, decision.posting
    if op is None:
        answer(respond, said("This request was answered already or has expired; nothing more "
                             "was booked.", locale), replace_original=False)
        return
    arguments = {"operation": op.id, **op.payload}
    action = f"action.{click.action_id}"
    if posting is None:  # cancelled
        services.audit.record(team_id=click.team_id, actor=click.user_id, action=action,
                              result="ok", arguments=arguments)
        answer(respond, said("Cancelled by <@{user}>: nothing was booked.",
                             locale, user=click.user_id),
               replace_original=True)
        return
    services.audit.record(team_id=click.team_id, actor=click.user_id, action=action,
                          result="ok", arguments={**arguments, "entry": posting.entry_id})
    answer(respond, said(":white_check_mark: <@{user}> booked an adjustment of *{amount}* "
                         "({reason}). The balance is now *{balance}*.", locale, user=click.user_id,
                         amount=signed_money(posting.amount, locale),
                         reason=op.payload["reason"],
                         balance=posting.balance_after.format(locale)),
           replace_original=True)
