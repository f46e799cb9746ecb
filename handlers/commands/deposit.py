"""`/credits deposit <amount> [memo]` (admin): a one-time deposit, large ones confirmed first.

No payment runs inside the ack (Slack gives up after 3 seconds, and an admin who sees a
time-out types the command again): the ack checks the rules and writes the payment attempt,
then says what happens next ("paying…", or the Confirm and Cancel buttons of a large amount);
the payment itself runs in the lazy listener, which answers through `respond`.

The attempt's id is derived from the slash command's trigger_id, which Slack keeps when it
retries the same request, and its ledger and gateway key from that id: a replayed delivery
finds the first attempt and deposits once.
"""

from __future__ import annotations

from bot.deposits import DepositOutcome, attempt_id_for
from bot.errors import CreditsError
from bot.redaction import redact_card_numbers
from handlers.blocks.deposit import (
    deposit_confirm_reply,
    deposit_paying_reply,
    outcome_reply,
    refusal_text,
)
from handlers.commands.amounts import read_amount
from handlers.commands.base import Invocation, Subcommand, UsageError
from handlers.context import HandlerContext
from handlers.i18n import N_
from handlers.reply import Reply

USAGE = "deposit <amount> [memo]"
MAX_MEMO = 200


def operation_key(attempt_id: str) -> str:
    """The ledger and gateway key of a deposit: one per attempt."""
    return f"deposit:op:{attempt_id}"


def attempt_id_of(invocation: Invocation) -> str:
    """The attempt of this command: the same Slack request gives the same id."""
    trigger = invocation.trigger_id or invocation.response_url or invocation.text
    return attempt_id_for(invocation.team_id, trigger)


def acknowledge(ctx: HandlerContext, invocation: Invocation) -> Reply:
    """Within the ack: check, write the attempt, and say what happens next."""
    if not invocation.args:
        raise UsageError(N_("Give the amount to deposit, for example `/credits deposit 1000`."))
    services = ctx.services
    account = services.accounts.ensure(invocation.team_id)
    locale = ctx.directory.locale(invocation.user_id)
    amount = read_amount(invocation.args[0], currency=account.currency, locale=locale)
    # Redacted before anything keeps or echoes it (and before cutting, which could leave
    # most of a card number): an admin may type one into the memo.
    memo = redact_card_numbers(" ".join(invocation.args[1:]))[:MAX_MEMO] or None
    quote = services.deposits.quote(invocation.team_id, amount)
    attempt_id = attempt_id_of(invocation)
    outcome = services.deposits.request(
        invocation.team_id, amount, attempt_id=attempt_id, key=operation_key(attempt_id),
        actor=invocation.user_id, memo=memo)
    attempt = outcome.attempt
    if attempt.status == "awaiting_confirmation":
        expires = f"{attempt.expires_at:%H:%M}" if attempt.expires_at else "—"
        return deposit_confirm_reply(quote, operation_id=attempt.id,
                                     limit=services.deposits.confirm_above,
                                     expires_at_text=expires, locale=locale)
    if attempt.status == "created" and outcome.now:
        return deposit_paying_reply(attempt.amount, attempt.currency, attempt.method,
                                    locale=locale)
    return outcome_reply(outcome, locale=locale)  # a replayed request: where it stands


def run(ctx: HandlerContext, invocation: Invocation) -> Reply | None:
    """After the ack: pay the attempt the ack wrote (nothing to say when there is none)."""
    deposits = ctx.services.deposits
    attempt = deposits.get(attempt_id_of(invocation))
    if attempt is None or attempt.status != "created":
        return None  # refused in the ack, waiting for its button, or paid by a replay
    outcome = deposits.pay(attempt.id)
    return answer(ctx, invocation.user_id, outcome)


def answer(ctx: HandlerContext, user_id: str, outcome: DepositOutcome) -> Reply:
    """The reply to a payment; a refusal raises, so that it is audited as an error."""
    locale = ctx.directory.locale(user_id)
    if outcome.status == "failed":
        raise CreditsError(refusal_text(outcome.attempt.reason or "", locale=locale))
    return outcome_reply(outcome, locale=locale)


SUBCOMMAND = Subcommand(name="deposit", usage=USAGE, run=run, admin=True, slow=True,
                        acknowledge=acknowledge,
                        summary=N_("a one-time deposit through the payment method on file"))
