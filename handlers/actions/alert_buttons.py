"""The buttons of alert messages: Recharge now, Turn on auto-recharge, Show usage (admins only).

A button's value is the alert's dedupe key. "Recharge now" buys through a deposit attempt whose
id and key are derived from it (bot/usecases/alert_purchases.py), so double clicks, Slack's
replays and two admins clicking their own copies of the alert buy once. Every click is
acknowledged at once and worked on after the ack (a payment, or a recharge, may take seconds);
the answer comes through `respond`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from slack_bolt import App

from bot.deposits import Attempt
from bot.errors import CreditsError, InvalidAmount
from bot.money import Money, parse_amount
from handlers.actions.autorecharge_setup import open_modal
from handlers.actions.click import Click, answer, require_admin
from handlers.asking import asker_of
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
from handlers.i18n import error_text, t

Respond = Callable[..., Any]
MAX_VALUE = 150  # alert keys are short; anything longer is not one of ours
USAGE_OF_AN_ALERT = "usage last-7-days by destination"


def register(app: App, ctx: HandlerContext) -> None:
    """Attach the listeners of the alert buttons."""

    def listener(run: Callable[..., None]) -> Callable[..., None]:
        def on_click(body: dict[str, Any], context: dict[str, Any], respond: Respond) -> None:
            click = Click.from_body(body, asker_of(context))
            if not require_admin(ctx, click, respond):
                return
            if not click.value or len(click.value) > MAX_VALUE:
                ctx.services.audit.record(
                    team_id=click.team_id, actor=click.user_id,
                    action=f"action.{click.action_id}", result="refused",
                    arguments={"alert": click.value[:80]}, detail="not an alert's key")
                answer(respond, error_reply(t(
                           "That button is not from a Credits Bot alert.",
                           ctx.directory.locale(click.user_id))),
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


def named_amount(value: str, currency: str) -> tuple[str, Money | None]:
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
    locale, account = click.asker.locale, click.asker.account
    alert_key, named = named_amount(click.value, account.currency)
    click = replace(click, value=alert_key)

    def paying(attempt: Attempt) -> None:
        answer(respond, deposit_paying_reply(attempt.amount, attempt.method,
                                             locale=locale), replace_original=False)

    bought = ctx.use_cases.alert_purchases.buy(account, alert_key, named=named,
                                               actor=click.user_id, paying=paying)
    amount = {"amount": str(bought.amount.amount)}
    if bought.bought_before:  # from this alert before, with another amount (it changed since)
        _audit(ctx, click, "ok", amount, "bought before")
        answer(respond, already_bought_reply(amount=bought.amount,
                                             locale=locale),
               replace_original=False)
        return
    if bought.refused is not None:
        _audit(ctx, click, "error", amount, str(bought.refused))
        answer(respond, error_reply(error_text(bought.refused, locale)), replace_original=False)
        return
    assert bought.requested is not None and bought.quote is not None
    attempt = bought.requested.attempt
    if attempt.status == "awaiting_confirmation":
        # A large amount waits for the deposit's own Confirm button, like /credits deposit.
        expires = f"{attempt.expires_at:%H:%M}" if attempt.expires_at else "—"
        answer(respond, deposit_confirm_reply(
            bought.quote, operation_id=attempt.id, limit=bought.confirm_above,
            expires_at_text=expires, locale=locale), replace_original=False)
        return
    if bought.paid is None:
        _audit(ctx, click, "ok", amount, "bought before")
        reply = (already_bought_reply(amount=attempt.amount,
                                       locale=locale)
                 if attempt.status == "succeeded"
                 else outcome_reply(bought.requested, locale=locale))
        answer(respond, reply, replace_original=False)
        return
    paid = bought.paid
    result = {"succeeded": "ok", "failed": "error"}.get(paid.status, "pending")
    _audit(ctx, click, result, {**amount, "entry": paid.attempt.entry_id}, paid.attempt.reason)
    answer(respond, outcome_reply(paid, locale=locale), replace_original=False)


def autorecharge_on(ctx: HandlerContext, click: Click, respond: Respond, *,
                    trigger_id: str) -> None:
    """Open the auto-recharge modal, prefilled with the recommendation; nothing is set before
    the admin submits it."""
    account = click.asker.account
    proposal = ctx.use_cases.autorecharge_setup.propose(account)
    if proposal.already:
        answer(respond, autorecharge_already_reply(
            amount=account.autorecharge_amount, below=account.autorecharge_below,
            locale=ctx.directory.locale(click.user_id)),
            replace_original=False)
        return
    if proposal.refusal:
        _audit(ctx, click, "error", {}, proposal.refusal)
        answer(respond, error_reply(proposal.refusal), replace_original=False)
        return
    assert proposal.amount is not None and proposal.below is not None  # neither on nor refused
    _audit(ctx, click, "ok", {"amount": str(proposal.amount.amount),
                              "below": str(proposal.below.amount)}, "modal opened")
    open_modal(ctx, click.asker, trigger_id=trigger_id, amount=proposal.amount,
               below=proposal.below.rounded(), basis=proposal.basis, alert_key=click.value)


def show_usage(ctx: HandlerContext, click: Click, respond: Respond) -> None:
    """Answer with the usage the alerts point to: the last 7 days by destination, as
    `/credits usage last-7-days by destination` shows it to this user."""
    words = USAGE_OF_AN_ALERT.split()
    invocation = Invocation(team_id=click.team_id, user_id=click.user_id, channel_id="",
                            text=" ".join(words), args=tuple(words[1:]), asker=click.asker)
    try:
        reply = usage_command.run(ctx, invocation)
    except CreditsError as exc:
        reply = error_reply(error_text(exc, click.asker.locale))
    _audit(ctx, click, "ok", {}, None)
    answer(respond, reply, replace_original=False)


def _audit(ctx: HandlerContext, click: Click, result: str, arguments: dict[str, Any],
           detail: str | None) -> None:
    ctx.services.audit.record(team_id=click.team_id, actor=click.user_id,
                              action=f"action.{click.action_id}", result=result,
                              arguments={"alert": click.value, **arguments}, detail=detail)
