"""The modal of "Turn on auto-recharge": opened by the alert button with the recommendation
prefilled; Submit (by an admin, checked again) turns auto-recharge on with what was typed."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from slack_bolt import App

from bot.alerts.texts import mid_sentence
from bot.errors import CreditsError, InsufficientRights, InvalidAmount
from bot.money import parse_amount
from bot.recharge import RechargeFailed, RechargeSucceeded
from handlers.blocks.autorecharge import autorecharge_on_reply
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

Ack = Callable[..., None]


def open_modal(ctx: HandlerContext, *, trigger_id: str, team_id: str, user_id: str,
               amount: Decimal, below: Decimal, basis: str, alert_key: str) -> None:
    """Open the modal (views.open needs the click's trigger_id, valid for 3 seconds)."""
    account = ctx.services.accounts.ensure(team_id)
    ctx.client.views_open(trigger_id=trigger_id, view=autorecharge_modal(
        amount=amount, below=below, currency=account.currency, basis=basis,
        alert_key=alert_key, locale=ctx.directory.locale(user_id)))


def register(app: App, ctx: HandlerContext) -> None:
    """Attach the modal's submission listener."""

    @app.view(CALLBACK_ID)
    def submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        team_id = (body.get("team") or {}).get("id") or ""
        user_id = (body.get("user") or {}).get("id") or ""
        locale = ctx.directory.locale(user_id)
        values = (view.get("state") or {}).get("values") or {}
        typed = {block: str(((values.get(block) or {}).get(action) or {}).get("value") or "")
                 for block, action in ((AMOUNT_BLOCK, AMOUNT_INPUT), (BELOW_BLOCK, BELOW_INPUT))}
        arguments = {"alert": view.get("private_metadata"), **typed}
        try:
            ctx.rights.require_admin(team_id=team_id, user_id=user_id,
                                     action="view.autorecharge_setup", arguments=arguments)
        except InsufficientRights as exc:
            ack(response_action="errors", errors={AMOUNT_BLOCK: str(exc)[:150]})
            return
        errors: dict[str, str] = {}
        amounts: dict[str, Decimal] = {}
        currency = ctx.services.accounts.ensure(team_id).currency
        for block, text in typed.items():
            try:
                amounts[block] = parse_amount(text, currency=currency)
            except InvalidAmount as exc:  # WrongCurrency too: it names the account's currency
                errors[block] = str(exc)[:150]
        services = ctx.services
        if not errors:
            try:
                quote = services.deposits.quote(team_id, amounts[AMOUNT_BLOCK])
            except CreditsError as exc:  # out of bounds, may not buy, no payment method
                errors[AMOUNT_BLOCK] = str(exc)[:150]
        if errors:
            ack(response_action="errors", errors=errors)
            return
        account = services.accounts.set_autorecharge(
            team_id, enabled=True, amount=amounts[AMOUNT_BLOCK], below=amounts[BELOW_BLOCK])
        services.audit.record(team_id=team_id, actor=user_id, action="view.autorecharge_setup",
                              result="ok", arguments=arguments)
        outcome = None
        if account.balance < amounts[BELOW_BLOCK]:
            outcome = services.recharger.evaluate(account.id)  # below it already: buy now
            account = services.accounts.get(team_id)
        reply = autorecharge_on_reply(
            account, method=quote.method, locale=locale,
            recharged=isinstance(outcome, RechargeSucceeded),
            failure=mid_sentence(outcome.reason) if isinstance(outcome, RechargeFailed)
            else None)
        ack(response_action="update", view=done_view(reply.text, locale=locale))
