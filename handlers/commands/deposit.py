"""`/credits deposit <amount> [memo]` (admin): a one-time deposit, large ones confirmed first.

The ledger key of a deposit comes from the slash command's trigger_id, which Slack keeps when it
retries the same request: a replayed delivery deposits once. A large deposit becomes a pending
operation whose id (also derived from the trigger_id) rides in the Confirm and Cancel buttons.
"""

from __future__ import annotations

import uuid

from bot.confirmations import operation_id_for
from bot.errors import CreditsError, InvalidAmount, PaymentFailed
from bot.money import parse_amount
from handlers.blocks.deposit import (
    deposit_confirm_reply,
    deposit_done_reply,
    refusal_text,
)
from handlers.commands.base import Invocation, Subcommand, UsageError
from handlers.context import HandlerContext
from handlers.reply import Reply

USAGE = "deposit <amount> [memo]"
MAX_MEMO = 200
KIND = "deposit"


def deposit_key(team_id: str, trigger_id: str | None) -> str:
    """The ledger and gateway key of a slash-command deposit (stable across Slack's retries)."""
    return f"deposit:slack:{team_id}:{trigger_id or uuid.uuid4()}"


def operation_key(operation_id: str) -> str:
    """The ledger and gateway key of a confirmed deposit: one per pending operation."""
    return f"deposit:op:{operation_id}"


def run(ctx: HandlerContext, invocation: Invocation) -> Reply:
    if not invocation.args:
        raise UsageError("Give the amount to deposit, for example `/credits deposit 1000`.")
    try:
        amount = parse_amount(invocation.args[0])
    except InvalidAmount as exc:
        raise UsageError(str(exc)) from exc
    memo = " ".join(invocation.args[1:])[:MAX_MEMO] or None
    services = ctx.services
    services.accounts.ensure(invocation.team_id)
    locale = ctx.directory.locale(invocation.user_id)
    quote = services.deposits.quote(invocation.team_id, amount)
    if quote.needs_confirmation:
        op = services.confirmations.create(
            account_id=quote.account_id, kind=KIND,
            payload={"amount": str(amount), "memo": memo}, requested_by=invocation.user_id,
            operation_id=(operation_id_for(invocation.team_id, invocation.trigger_id)
                          if invocation.trigger_id else None))
        return deposit_confirm_reply(quote, operation_id=op.id,
                                     limit=services.deposits.confirm_above,
                                     expires_at_text=f"{op.expires_at:%H:%M}", locale=locale)
    try:
        result = services.deposits.deposit(
            invocation.team_id, amount, key=deposit_key(invocation.team_id, invocation.trigger_id),
            actor=invocation.user_id, memo=memo)
    except PaymentFailed as exc:
        raise CreditsError(refusal_text(exc.reason, locale=locale)) from exc
    return deposit_done_reply(result, memo=memo, locale=locale)


SUBCOMMAND = Subcommand(name="deposit", usage=USAGE, run=run, admin=True,
                        summary="a one-time deposit through the payment method on file")
