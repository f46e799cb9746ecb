"""`/credits deposit <amount> [memo]` (admin): a one-time deposit, large ones confirmed first.

No payment runs inside the ack (Slack gives up after 3 seconds, and an admin who sees a
time-out types the command again): the ack checks the rules and writes the payment attempt,
then says what happens next ("paying…", or the Confirm and Cancel buttons of a large amount);
the payment itself runs in the lazy listener, which answers through `respond`.

The attempt's id is derived from the slash command's trigger_id, which Slack keeps when it
retries the same request, and its ledger and gateway key from that id
(bot/usecases/deposit_requests.py): a replayed delivery finds the first attempt and deposits
once.
"""

from __future__ import annotations

from bot.deposits import DepositOutcome
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


def trigger_of(invocation: Invocation) -> str:
    """What names this command's attempt: Slack keeps the trigger_id when it retries."""
    return invocation.trigger_id or invocation.response_url or invocation.text


def acknowledge(ctx: HandlerContext, invocation: Invocation) -> Reply:
    """Within the ack: check, write the attempt, and say what happens next."""
    if not invocation.args:
        raise UsageError(N_("Give the amount to deposit, for example `/credits deposit 1000`."))
    asker = invocation.asker
    amount = read_amount(invocation.args[0], currency=asker.account.currency,
                         locale=asker.locale)
    # Redacted before anything keeps or echoes it (and before cutting, which could leave
    # most of a card number): an admin may type one into the memo.
    memo = redact_card_numbers(" ".join(invocation.args[1:]))[:MAX_MEMO] or None
    requested = ctx.use_cases.deposit_requests.request(
        asker.account, amount, trigger=trigger_of(invocation), actor=invocation.user_id,
        memo=memo)
    attempt = requested.outcome.attempt
    if requested.awaiting_confirmation:
        expires = f"{attempt.expires_at:%H:%M}" if attempt.expires_at else "—"
        return deposit_confirm_reply(requested.quote, operation_id=attempt.id,
                                     limit=requested.confirm_above,
                                     expires_at_text=expires, locale=asker.locale)
    if requested.paying_next:
        return deposit_paying_reply(attempt.amount, attempt.method,
                                    locale=asker.locale)
    return outcome_reply(requested.outcome, locale=asker.locale)  # a replay: where it stands


def run(ctx: HandlerContext, invocation: Invocation) -> Reply | None:
    """After the ack: pay the attempt the ack wrote (nothing to say when there is none)."""
    outcome = ctx.use_cases.deposit_requests.pay_requested(invocation.team_id,
                                                           trigger=trigger_of(invocation))
    return answer(invocation.asker.locale, outcome) if outcome is not None else None


def answer(locale: str | None, outcome: DepositOutcome) -> Reply:
    """The reply to a payment; a refusal raises, so that it is audited as an error."""
    if outcome.status == "failed":
        raise CreditsError(refusal_text(outcome.attempt.reason or "", locale=locale))
    return outcome_reply(outcome, locale=locale)


SUBCOMMAND = Subcommand(name="deposit", usage=USAGE, run=run, admin=True, slow=True,
                        acknowledge=acknowledge,
                        summary=N_("a one-time deposit through the payment method on file"))
