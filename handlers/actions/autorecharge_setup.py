"""The modal of "Turn on auto-recharge": opened by the alert button with the recommendation
prefilled; Submit (by an admin, checked again) turns auto-recharge on with what was typed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import App

from bot.errors import CreditsError, InsufficientRights, InvalidAmount
from bot.money import Money, parse_amount
from handlers.asking import Asker, asker_of
from handlers.blocks.autorecharge import turned_on_reply
from handlers.blocks.autorecharge_modal import (
    AMOUNT_BLOCK,
    AMOUNT_INPUT,
    BELOW_BLOCK,
    BELOW_INPUT,
    CALLBACK_ID,
    autorecharge_modal,
    done_view,
)
from handlers.context import HandlerContext
from handlers.i18n import error_text

Ack = Callable[..., None]


def open_modal(ctx: HandlerContext, asker: Asker, *, trigger_id: str, amount: Money,
               below: Money, basis: str, alert_key: str) -> None:
    """Open the modal (views.open needs the click's trigger_id, valid for 3 seconds)."""
    ctx.client.views_open(trigger_id=trigger_id, view=autorecharge_modal(
        amount=amount, below=below, basis=basis,
        alert_key=alert_key, locale=asker.locale))


def register(app: App, ctx: HandlerContext) -> None:
    """Attach the modal's submission listener."""

    @app.view(CALLBACK_ID)
    def submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any],
                  context: dict[str, Any]) -> None:
        asker = asker_of(context)
        team_id = (body.get("team") or {}).get("id") or ""
        user_id = (body.get("user") or {}).get("id") or ""
        locale = asker.locale
        values = (view.get("state") or {}).get("values") or {}
        typed = {block: str(((values.get(block) or {}).get(action) or {}).get("value") or "")
                 for block, action in ((AMOUNT_BLOCK, AMOUNT_INPUT), (BELOW_BLOCK, BELOW_INPUT))}
        arguments = {"alert": view.get("private_metadata"), **typed}
        try:
            asker.require_admin(action="view.autorecharge_setup", arguments=arguments)
        except InsufficientRights as exc:
            ack(response_action="errors", errors={AMOUNT_BLOCK: error_text(exc, locale)[:150]})
            return
        errors: dict[str, str] = {}
        amounts: dict[str, Money] = {}
        currency = asker.account.currency
        for block, text in typed.items():
            try:
                amounts[block] = parse_amount(text, currency=currency)
            except InvalidAmount as exc:  # WrongCurrency too: it names the account's currency
                errors[block] = error_text(exc, locale)[:150]
        if errors:
            ack(response_action="errors", errors=errors)
            return
        try:
            turned_on = ctx.use_cases.autorecharge_setup.turn_on(
                team_id, amount=amounts[AMOUNT_BLOCK], below=amounts[BELOW_BLOCK])
        except CreditsError as exc:  # out of bounds, may not buy, no payment method
            ack(response_action="errors", errors={AMOUNT_BLOCK: error_text(exc, locale)[:150]})
            return
        ctx.services.audit.record(team_id=team_id, actor=user_id,
                                  action="view.autorecharge_setup", result="ok",
                                  arguments=arguments)
        reply = turned_on_reply(turned_on, locale=locale)
        ack(response_action="update", view=done_view(reply.text, locale=locale))
