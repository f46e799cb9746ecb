"""`/credits deposit <amount> [memo]` (admin): a one-time deposit, large ones confirmed first.

Every deposit has an operation id derived from the slash command's trigger_id, which Slack
keeps when it retries the same request, and its ledger and gateway key comes from that id: a
replayed delivery deposits once. A large deposit becomes a pending operation whose id rides in
the Confirm and Cancel buttons. So does a payment whose outcome is unknown (the gateway timed
out): its "Check again" button settles that same payment, where a new command would start
another one.
"""

from __future__ import annotations

import uuid

from bot.confirmations import PendingOp, operation_id_for
from bot.errors import CreditsError, PaymentFailed
from bot.payments import GatewayTimeout
from bot.redaction import redact_card_numbers
from handlers.blocks.deposit import (
    deposit_confirm_reply,
    deposit_done_reply,
    deposit_unknown_reply,
    refusal_text,
)
from handlers.commands.amounts import read_amount
from handlers.commands.base import Invocation, Subcommand, UsageError
from handlers.context import HandlerContext
from handlers.reply import Reply

USAGE = "deposit <amount> [memo]"
MAX_MEMO = 200
KIND = "deposit"


def operation_key(operation_id: str) -> str:
    """The ledger and gateway key of a confirmed deposit: one per pending operation."""
    return f"deposit:op:{operation_id}"


def run(ctx: HandlerContext, invocation: Invocation) -> Reply:
    if not invocation.args:
        raise UsageError("Give the amount to deposit, for example `/credits deposit 1000`.")
    services = ctx.services
    account = services.accounts.ensure(invocation.team_id)
    locale = ctx.directory.locale(invocation.user_id)
    amount = read_amount(invocation.args[0], currency=account.currency, locale=locale)
    # Redacted before anything keeps or echoes it (and before cutting, which could leave
    # most of a card number): an admin may type one into the memo.
    memo = redact_card_numbers(" ".join(invocation.args[1:]))[:MAX_MEMO] or None
    quote = services.deposits.quote(invocation.team_id, amount)
    operation_id = (operation_id_for(invocation.team_id, invocation.trigger_id)
                    if invocation.trigger_id else str(uuid.uuid4()))

    def keep_operation() -> PendingOp:
        return services.confirmations.create(
            account_id=quote.account_id, kind=KIND,
            payload={"amount": str(amount), "memo": memo}, requested_by=invocation.user_id,
            operation_id=operation_id)

    if quote.needs_confirmation:
        op = keep_operation()
        return deposit_confirm_reply(quote, operation_id=op.id,
                                     limit=services.deposits.confirm_above,
                                     expires_at_text=f"{op.expires_at:%H:%M}", locale=locale)
    try:
        result = services.deposits.deposit(
            invocation.team_id, amount, key=operation_key(operation_id),
            actor=invocation.user_id, memo=memo)
    except GatewayTimeout as exc:
        op = keep_operation()
        return deposit_unknown_reply(str(exc), operation_id=op.id,
                                     expires_at_text=f"{op.expires_at:%H:%M}", locale=locale)
    except PaymentFailed as exc:
        raise CreditsError(refusal_text(exc.reason, locale=locale)) from exc
    return deposit_done_reply(result, memo=memo, locale=locale)


SUBCOMMAND = Subcommand(name="deposit", usage=USAGE, run=run, admin=True,
                        summary="a one-time deposit through the payment method on file")
