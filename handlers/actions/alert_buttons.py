"""The buttons of alert messages: Recharge now, Turn on auto-recharge, Show usage (admins only).

A button's value is the alert's dedupe key. "Recharge now" buys through a deposit attempt whose
id and key are derived from it, so double clicks, Slack's replays and two admins clicking their
own copies of the alert buy once. Every click is acknowledged at once and worked on after the
ack (a payment, or a recharge, may take seconds); the answer comes through `respond`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from typing import Any

from slack_bolt import App

from bot.accounts import AccountView, purchase_refusal
from bot.deposits import attempt_id_for
from bot.errors import CreditsError, IdempotencyConflict, InvalidAmount
from bot.money import parse_amount, round_cents
from bot.recommend import recharge_now_amount, recommended_setting
from bot.services import Services
from handlers.actions.autorecharge_setup import open_modal
from handlers.actions.click import Click, answer, require_admin
from handlers.blocks.alert_messages import (
    AMOUNT_MARK,
    AUTORECHARGE_ON_ACTION,
    RECHARGE_NOW_ACTION,
    SHOW_USAGE_ACTION,
    already_bought_reply,
    autorecharge_already_reply,
)
from handlers.blocks.common import error_reply
from handlers.blocks.deposit import deposit_confirm_reply, deposit_paying_reply, outcome_reply
from handlers.commands import usage as usage_command
from handlers.commands.base import Invocation
from handlers.context import HandlerContext
from handlers.i18n import error_text

Respond = Callable[..., Any]
MAX_VALUE = 150  # alert keys are short; anything longer is not one of ours
MEMO = "Recharge now, from an alert"
USAGE_OF_AN_ALERT = "usage last-7-days by destination"


def register(app: App, ctx: HandlerContext) -> None:
    """Attach the listeners of the alert buttons."""

    def listener(run: Callable[..., None]) -> Callable[..., None]:
        def on_click(body: dict[str, Any], respond: Respond) -> None:
            click = Click.from_body(body)
            if not require_admin(ctx, click, respond):
                return
            if not click.value or len(click.value) > MAX_VALUE:
                ctx.services.audit.record(
                    team_id=click.team_id, actor=click.user_id,
                    action=f"action.{click.action_id}", result="refused",
                    arguments={"alert": click.value[:80]}, detail="not an alert's key")
                answer(respond, error_reply("That button is not from a Credits Bot alert."),
                       replace_original=False)
                return
            if run is autorecharge_on:  # its modal needs the click's trigger id (valid 3 s)
                run(ctx, click, respond, trigger_id=str(body.get("trigger_id") or ""))
            else:
                run(ctx, click, respond)
        return on_click

    def acknowledge(ack: Callable[[], None]) -> None:
        ack()

    for action_id, run in ((RECHARGE_NOW_ACTION, recharge_now),
                           (AUTORECHARGE_ON_ACTION, autorecharge_on),
                           (SHOW_USAGE_ACTION, show_usage)):
        app.action(action_id)(ack=acknowledge, lazy=[listener(run)])


def recharge_key(alert_key: str) -> str:
    """The ledger and gateway key of the purchase made from one alert."""
    return f"deposit:alert:{alert_key}"


def named_amount(value: str, currency: str) -> tuple[str, Decimal | None]:
    """(alert key, the amount its button named, if any) from a Recharge now value."""
    key, mark, named = value.partition(AMOUNT_MARK)
    if not mark:
        return key, None
    try:
        amount = parse_amount(named, currency=currency)
    except InvalidAmount:
        return key, None
    return key, amount


def recharge_now(ctx: HandlerContext, click: Click, respond: Respond) -> None:
    """Buy the amount the button's confirmation named (else the auto-recharge amount or the
    recommended one) once per alert."""
    services = ctx.services
    locale = ctx.directory.locale(click.user_id)
    account = services.accounts.ensure(click.team_id)
    alert_key, named = named_amount(click.value, account.currency)
    click = replace(click, value=alert_key)
    amount = named if named is not None else purchase_amount(
        services, account, min_deposit=ctx.settings.credits_min_deposit)
    attempt_id = attempt_id_for(click.team_id, "alert", click.value)
    try:
        quote = services.deposits.quote(click.team_id, amount)
        requested = services.deposits.request(click.team_id, amount, attempt_id=attempt_id,
                                              key=recharge_key(click.value),
                                              actor=click.user_id, memo=MEMO)
    except IdempotencyConflict:
        # Bought from this alert before, with another amount (the setting changed since).
        _audit(ctx, click, "ok", {"amount": str(amount)}, "bought before")
        answer(respond, already_bought_reply(amount=amount, currency=account.currency),
               replace_original=False)
        return
    except CreditsError as exc:
        _audit(ctx, click, "error", {"amount": str(amount)}, str(exc))
        answer(respond, error_reply(error_text(exc, locale)), replace_original=False)
        return
    attempt = requested.attempt
    if attempt.status == "awaiting_confirmation":
        # A large amount waits for the deposit's own Confirm button, like /credits deposit.
        expires = f"{attempt.expires_at:%H:%M}" if attempt.expires_at else "—"
        answer(respond, deposit_confirm_reply(
            quote, operation_id=attempt.id, limit=services.deposits.confirm_above,
            expires_at_text=expires, locale=locale), replace_original=False)
        return
    if not requested.now:
        _audit(ctx, click, "ok", {"amount": str(amount)}, "bought before")
        reply = (already_bought_reply(amount=attempt.amount, currency=attempt.currency)
                 if attempt.status == "succeeded" else outcome_reply(requested, locale=locale))
        answer(respond, reply, replace_original=False)
        return
    answer(respond, deposit_paying_reply(attempt.amount, attempt.currency, attempt.method,
                                         locale=locale), replace_original=False)
    paid = services.deposits.pay(attempt.id)
    result = {"succeeded": "ok", "failed": "error"}.get(paid.status, "pending")
    _audit(ctx, click, result, {"amount": str(amount), "entry": paid.attempt.entry_id},
           paid.attempt.reason)
    answer(respond, outcome_reply(paid, locale=locale), replace_original=False)


def purchase_amount(services: Services, account: AccountView, *,
                    min_deposit: Decimal) -> Decimal:
    """The auto-recharge amount, else the recommendation from the spend, else the table's."""
    return recharge_now_amount(services.recommender, account.id,
                               autorecharge_amount=account.autorecharge_amount,
                               min_deposit=min_deposit)


def recommended(services: Services, account: AccountView) -> tuple[Decimal, Decimal, str]:
    """(recharge amount, trigger, why) from bot/recommend.py: the spend, else the table."""
    return recommended_setting(services.recommender.recommend(account.id))


def autorecharge_on(ctx: HandlerContext, click: Click, respond: Respond, *,
                    trigger_id: str) -> None:
    """Open the auto-recharge modal, prefilled with the recommendation; nothing is set before
    the admin submits it."""
    services = ctx.services
    account = services.accounts.ensure(click.team_id)
    if account.autorecharge_enabled:
        answer(respond, autorecharge_already_reply(
            amount=account.autorecharge_amount, below=account.autorecharge_below,
            currency=account.currency), replace_original=False)
        return
    refusal = purchase_refusal(account)
    if refusal:
        _audit(ctx, click, "error", {}, refusal)
        answer(respond, error_reply(refusal), replace_original=False)
        return
    amount, below, basis = recommended(services, account)
    amount = max(round_cents(amount), ctx.settings.credits_min_deposit)
    _audit(ctx, click, "ok", {"amount": str(amount), "below": str(below)}, "modal opened")
    open_modal(ctx, trigger_id=trigger_id, team_id=click.team_id, user_id=click.user_id,
               amount=amount, below=round_cents(below), basis=basis, alert_key=click.value)


def show_usage(ctx: HandlerContext, click: Click, respond: Respond) -> None:
    """Answer with the usage the alerts point to: the last 7 days by destination, as
    `/credits usage last-7-days by destination` shows it to this user."""
    words = USAGE_OF_AN_ALERT.split()
    invocation = Invocation(team_id=click.team_id, user_id=click.user_id, channel_id="",
                            text=" ".join(words), args=tuple(words[1:]))
    try:
        reply = usage_command.run(ctx, invocation)
    except CreditsError as exc:
        reply = error_reply(str(exc))
    _audit(ctx, click, "ok", {}, None)
    answer(respond, reply, replace_original=False)


def _audit(ctx: HandlerContext, click: Click, result: str, arguments: dict[str, Any],
           detail: str | None) -> None:
    ctx.services.audit.record(team_id=click.team_id, actor=click.user_id,
                              action=f"action.{click.action_id}", result=result,
                              arguments={"alert": click.value, **arguments}, detail=detail)
