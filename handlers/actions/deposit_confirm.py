"""The Confirm and Cancel buttons of a large deposit.

The button's value is the pending operation's id. The first admin click claims the operation
(a second click, or Slack replaying the click, claims nothing), and the deposit's ledger and
gateway key is derived from the operation id, so even a retried deposit is made once.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from slack_bolt import App

from bot.accounts import AccountView
from bot.confirmations import Claim, PendingOp
from bot.errors import CreditsError, PaymentFailed
from bot.payments import GatewayTimeout
from handlers.actions.click import Click, answer, require_admin
from handlers.blocks.common import error_reply
from handlers.blocks.deposit import (
    CANCEL_ACTION,
    CONFIRM_ACTION,
    deposit_cancelled_reply,
    deposit_done_reply,
    deposit_refused_reply,
    deposit_timeout_reply,
    operation_closed_reply,
)
from handlers.commands.deposit import operation_key
from handlers.context import HandlerContext
from handlers.i18n import error_text

Respond = Callable[..., Any]
# A click on an operation that is done or under way leaves the message showing that outcome.
KEEP_MESSAGE = ("done", "processing")


def register(app: App, ctx: HandlerContext) -> None:
    """Attach the Confirm and Cancel listeners."""

    def on_confirm(ack: Callable[[], None], body: dict[str, Any], respond: Respond) -> None:
        ack()
        confirm(ctx, Click.from_body(body), respond)

    def on_cancel(ack: Callable[[], None], body: dict[str, Any], respond: Respond) -> None:
        ack()
        cancel(ctx, Click.from_body(body), respond)

    app.action(CONFIRM_ACTION)(on_confirm)
    app.action(CANCEL_ACTION)(on_cancel)


def take(ctx: HandlerContext, click: Click, respond: Respond,
         move: Callable[..., Claim]) -> tuple[PendingOp, AccountView, str | None] | None:
    """The operation this admin's click wins with `move` (claim or cancel), its account and the
    user's locale; None when the click is refused or the operation is closed (both answered)."""
    if not require_admin(ctx, click, respond):
        return None
    locale = ctx.directory.locale(click.user_id)
    account = ctx.services.accounts.ensure(click.team_id)
    claim = move(click.value, account_id=account.id)
    if not claim.won or claim.operation is None:
        answer(respond, operation_closed_reply(claim.state, locale=locale),
               replace_original=claim.state not in KEEP_MESSAGE)
        return None
    return claim.operation, account, locale


def confirm(ctx: HandlerContext, click: Click, respond: Respond) -> None:
    """Carry out a pending deposit once, for an admin."""
    services = ctx.services
    taken = take(ctx, click, respond, services.confirmations.claim)
    if taken is None:
        return
    op, _, locale = taken
    amount, memo = Decimal(str(op.payload["amount"])), op.payload.get("memo")
    try:
        result = services.deposits.deposit(click.team_id, amount, key=operation_key(op.id),
                                           actor=click.user_id, memo=memo)
    except GatewayTimeout as exc:
        # Unknown outcome: the operation waits again; the next click reconciles under its key.
        services.confirmations.finish(op.id, result={"error": str(exc)}, status="pending")
        _audit(ctx, click, op, "error", str(exc))
        answer(respond, deposit_timeout_reply(str(exc), locale=locale), replace_original=False)
        return
    except PaymentFailed as exc:
        _fail(ctx, click, op, exc.reason)
        answer(respond, deposit_refused_reply(exc.reason, locale=locale), replace_original=True)
        return
    except CreditsError as exc:
        _fail(ctx, click, op, str(exc))
        answer(respond, error_reply(error_text(exc, locale)), replace_original=True)
        return
    except Exception:
        # The key makes a retry safe, so a crash gives the operation back rather than lose it.
        services.confirmations.finish(op.id, result={"error": "unexpected"}, status="pending")
        raise
    services.confirmations.finish(op.id, result={
        "entry_id": result.entry_id, "amount": result.amount,
        "balance_after": result.balance_after, "reference": result.reference})
    _audit(ctx, click, op, "ok", None)
    answer(respond, deposit_done_reply(result, memo=memo, locale=locale), replace_original=True)


def cancel(ctx: HandlerContext, click: Click, respond: Respond) -> None:
    """Cancel a pending deposit, for an admin."""
    taken = take(ctx, click, respond, ctx.services.confirmations.cancel)
    if taken is None:
        return
    op, account, locale = taken
    _audit(ctx, click, op, "ok", "cancelled")
    amount = Decimal(str(op.payload["amount"]))
    answer(respond, deposit_cancelled_reply(amount, account.currency, user_id=click.user_id,
                                            locale=locale), replace_original=True)


def _fail(ctx: HandlerContext, click: Click, op: PendingOp, reason: str) -> None:
    ctx.services.confirmations.finish(op.id, result={"error": reason}, status="failed")
    _audit(ctx, click, op, "error", reason)


def _audit(ctx: HandlerContext, click: Click, op: PendingOp, result: str,
           detail: str | None) -> None:
    ctx.services.audit.record(team_id=click.team_id, actor=click.user_id,
                              action=f"action.{click.action_id}", result=result,
                              arguments={"operation": op.id, **op.payload}, detail=detail)
