"""The buttons of a deposit: Confirm and Cancel (large amounts), Check again (an unknown outcome).

A button's value is the deposit attempt's id. Each click is acknowledged at once; the work runs
in a lazy listener and answers through `respond` (a payment may take seconds). Confirm moves an
attempt awaiting its confirmation to `created` in one conditional UPDATE (a double click or a
replayed delivery moves nothing the second time) and pays it; Check again asks the gateway
about that same payment; Cancel cancels only an attempt never sent to the gateway, and on one
in flight says that the payment is being checked. A click on an attempt that is not this
workspace's, or not one at all, changes nothing and goes to the audit log.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import App

from bot.deposits import Attempt, DepositOutcome
from handlers.actions.click import Click, answer, require_admin
from handlers.asking import asker_of
from handlers.blocks.common import section
from handlers.blocks.deposit import (
    CANCEL_ACTION,
    CHECK_ACTION,
    CONFIRM_ACTION,
    deposit_cancel_in_flight_reply,
    deposit_cancelled_reply,
    deposit_paying_reply,
    operation_closed_reply,
    outcome_reply,
)
from handlers.context import HandlerContext
from handlers.i18n import t
from handlers.reply import Reply

Respond = Callable[..., Any]


def register(app: App, ctx: HandlerContext) -> None:
    """Attach the listeners: an empty ack, then the click's work after it."""

    def lazily(work: Callable[[HandlerContext, Click, Respond], None]) -> Callable[..., None]:
        def run(body: dict[str, Any], context: dict[str, Any], respond: Respond) -> None:
            click = Click.from_body(body, asker_of(context))
            if require_admin(ctx, click, respond):
                work(ctx, click, respond)
        return run

    def acknowledge(ack: Callable[[], None]) -> None:
        ack()

    app.action(CONFIRM_ACTION)(ack=acknowledge, lazy=[lazily(confirm)])
    app.action(CANCEL_ACTION)(ack=acknowledge, lazy=[lazily(cancel)])
    app.action(CHECK_ACTION)(ack=acknowledge, lazy=[lazily(check)])


def confirm(ctx: HandlerContext, click: Click, respond: Respond) -> None:
    """Confirm a large deposit once, and pay it."""
    locale = click.asker.locale

    def paying(attempt: Attempt) -> None:
        answer(respond, deposit_paying_reply(attempt.amount, attempt.method,
                                             locale=locale), replace_original=True)

    confirmed = ctx.use_cases.deposit_requests.confirm(
        click.value, account_id=click.asker.account.id, actor=click.user_id, paying=paying)
    moved = confirmed.moved
    if moved is None:
        _refuse_unknown(ctx, click, respond, locale)
        return
    if confirmed.paid is None:
        _audit(ctx, click, "ok", moved, "clicked after it was " + moved.status)
        state = "done" if moved.status == "succeeded" else moved.status
        answer(respond, operation_closed_reply(state, locale=locale),
               replace_original=moved.status in ("expired", "cancelled", "failed"))
        return
    _settle(ctx, click, respond, confirmed.paid, locale)


def check(ctx: HandlerContext, click: Click, respond: Respond) -> None:
    """Ask the gateway about a payment whose outcome is unknown, and book it if it went through."""
    locale = click.asker.locale
    checked = ctx.use_cases.deposit_requests.check(click.value,
                                                   account_id=click.asker.account.id)
    if checked.attempt is None:
        _refuse_unknown(ctx, click, respond, locale)
        return
    if checked.paid is None:  # it awaits its confirmation: nothing to ask the gateway
        answer(respond, operation_closed_reply("unknown", locale=locale), replace_original=False)
        return
    _settle(ctx, click, respond, checked.paid, locale)


def cancel(ctx: HandlerContext, click: Click, respond: Respond) -> None:
    """Cancel a deposit that awaits its confirmation; on one in flight, say the truth."""
    locale = click.asker.locale
    cancellation = ctx.use_cases.deposit_requests.cancel(click.value,
                                                         account_id=click.asker.account.id)
    outcome = cancellation.outcome
    if outcome is None:
        _refuse_unknown(ctx, click, respond, locale)
        return
    attempt = outcome.attempt
    if cancellation.cancelled:
        _audit(ctx, click, "ok", outcome, "cancelled")
        answer(respond, deposit_cancelled_reply(attempt.amount,
                                                user_id=click.user_id, locale=locale),
               replace_original=True)
        return
    if attempt.in_flight:  # checked with the gateway, and still being checked
        _audit(ctx, click, "ok", outcome, "not cancelled: the payment is being checked")
        answer(respond, deposit_cancel_in_flight_reply(attempt, locale=locale),
               replace_original=False)
        return
    _audit(ctx, click, "ok", outcome, "not cancelled: it was " + outcome.status)
    reply = outcome_reply(outcome, locale=locale)
    if outcome.status == "succeeded":
        reply = _prefixed(t("This deposit could not be cancelled: the payment had gone through.",
                            locale), reply)
    answer(respond, reply, replace_original=False)


def _settle(ctx: HandlerContext, click: Click, respond: Respond, outcome: DepositOutcome,
            locale: str | None) -> None:
    result = {"succeeded": "ok", "failed": "error"}.get(outcome.status, "pending")
    _audit(ctx, click, result, outcome, outcome.attempt.reason)
    answer(respond, outcome_reply(outcome, locale=locale),
           replace_original=not outcome.attempt.in_flight)


def _refuse_unknown(ctx: HandlerContext, click: Click, respond: Respond,
                    locale: str | None) -> None:
    """A forged, foreign or stale id: nothing is done, and the click is audited."""
    ctx.services.audit.record(team_id=click.team_id, actor=click.user_id,
                              action=f"action.{click.action_id}", result="refused",
                              arguments={"operation": click.value[:80]},
                              detail="no deposit of this workspace has this id")
    answer(respond, Reply(text=t("This button belongs to no deposit of this workspace; nothing "
                                 "was done.", locale)), replace_original=False)


def _prefixed(sentence: str, reply: Reply) -> Reply:
    return Reply(text=f"{sentence}\n{reply.text}",
                 blocks=[section(sentence), *(reply.blocks or [])])


def _audit(ctx: HandlerContext, click: Click, result: str, outcome: DepositOutcome,
           detail: str | None) -> None:
    attempt = outcome.attempt
    ctx.services.audit.record(team_id=click.team_id, actor=click.user_id,
                              action=f"action.{click.action_id}", result=result,
                              arguments={"operation": attempt.id,
                                         "amount": str(attempt.amount.amount),
                                         "memo": attempt.memo}, detail=detail)
