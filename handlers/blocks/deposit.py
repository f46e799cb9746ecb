"""Blocks of deposits: done, asking for a confirmation, refused, and the confirmation's end."""

from __future__ import annotations

from bot.accounts import describe_in
from bot.deposits import Attempt, DepositOutcome, DepositQuote, DepositResult
from bot.money import Money
from handlers.blocks.common import actions, button, context, section
from handlers.i18n import N_, reason_text, t
from handlers.reply import Reply

# What a click on a deposit request in each state answers.
OPERATION_STATES = {
    "expired": N_("This deposit request expired; nothing was deposited. Run `/credits deposit` "
                  "again."),
    "cancelled": N_("This deposit request was cancelled; nothing was deposited."),
    "done": N_("This deposit was confirmed already; it is not made twice."),
    "failed": N_("This deposit request failed already; nothing was deposited. Run `/credits "
                 "deposit` again."),
    "processing": N_("This deposit is being paid right now: the answer follows."),
    "created": N_("This deposit is being paid right now: the answer follows."),
}

CONFIRM_ACTION = "deposit_confirm"
CANCEL_ACTION = "deposit_cancel"
CHECK_ACTION = "deposit_check"
CONFIRM_BLOCK = "deposit_confirmation"
CLOSED_STATES = ("expired", "cancelled", "done", "failed", "processing", "created", "unknown")


def deposit_done_reply(result: DepositResult, *, memo: str | None,
                       locale: str | None) -> Reply:
    """A deposit that was paid and booked."""
    headline = t(":white_check_mark: Deposited *{amount}* ({method}). The balance is now "
                 "*{balance}*.", locale, amount=result.amount.format(locale),
                 method=describe_in(result.method, locale) or "—",
                 balance=result.balance_after.format(locale))
    lines = [headline]
    if result.resumed:
        lines.append(t(":large_green_circle: Toll-free numbers and dial-out work again.", locale))
    notes = []
    if result.reference:
        notes.append(t("Receipt {reference}", locale, reference=result.reference))
    if memo:
        notes.append(t("Memo: {memo}", locale, memo=memo))
    blocks = [section("\n".join(lines))]
    if notes:
        blocks.append(context(" · ".join(notes)))
    return Reply(text="\n".join(lines + notes), blocks=blocks)


def deposit_confirm_reply(quote: DepositQuote, *, operation_id: str, limit: Money,
                          expires_at_text: str, locale: str | None) -> Reply:
    """A large deposit waiting for an admin's Confirm (or Cancel)."""
    ask = t("Deposit *{amount}* through {method}? Deposits above {limit} need a confirmation. "
            "The balance would be *{balance}*.", locale,
            amount=quote.amount.format(locale),
            method=describe_in(quote.method, locale),
            limit=limit.format(locale),
            balance=quote.balance_after.format(locale))
    note = t("An admin can confirm until {time} UTC; nothing is deposited before.",
             locale, time=expires_at_text)
    blocks = [section(ask), actions(
        CONFIRM_BLOCK,
        button(t("Confirm", locale), CONFIRM_ACTION, operation_id, style="primary"),
        button(t("Cancel", locale), CANCEL_ACTION, operation_id, style="danger")),
        context(note)]
    return Reply(text=f"{ask}\n{note}", blocks=blocks)


def refusal_text(reason: str, *, locale: str | None) -> str:
    """The sentence of a payment the gateway refused: the reason, and that nothing changed."""
    return t("The payment was refused: {reason} Nothing was deposited.",
             locale, reason=_sentence(reason_text(reason, locale)))


def deposit_refused_reply(reason: str, *, locale: str | None) -> Reply:
    """A payment the gateway refused: nothing was deposited."""
    text = ":x: " + refusal_text(reason, locale=locale)
    return Reply(text=text, blocks=[section(text)])


def deposit_paying_reply(amount: Money, method: str | None, *,
                         locale: str | None) -> Reply:
    """What the ack says while the payment runs after it."""
    text = t(":hourglass_flowing_sand: Paying *{amount}* with {method}… The answer follows "
             "here in a moment.", locale, amount=amount.format(locale),
             method=describe_in(method, locale) or "—")
    return Reply(text=text, blocks=[section(text)])


def deposit_checking_reply(attempt: Attempt, *, locale: str | None) -> Reply:
    """A payment whose outcome is not known yet: its Check again button asks the gateway about
    that same payment, where a new command would start another one."""
    text = t(":hourglass: The payment service has not answered yet: the payment of *{amount}* "
             "is being checked. It is never charged twice, and it is booked once if it went "
             "through. Click *Check again* in a minute rather than sending the command again.",
             locale,
             amount=attempt.amount.format(locale))
    blocks = [section(text), actions(
        CONFIRM_BLOCK, button(t("Check again", locale), CHECK_ACTION, attempt.id,
                              style="primary"))]
    return Reply(text=text, blocks=blocks)


def deposit_cancel_in_flight_reply(attempt: Attempt, *, locale: str | None) -> Reply:
    """Cancel on a payment already sent: the truth, and the way to learn the outcome."""
    text = t(":hourglass: The payment of *{amount}* was already sent to the payment service "
             "and is being checked, so it cannot be cancelled now. If the card was charged, "
             "the deposit is booked once; nothing is charged twice.", locale,
             amount=attempt.amount.format(locale))
    blocks = [section(text), actions(
        CONFIRM_BLOCK, button(t("Check again", locale), CHECK_ACTION, attempt.id,
                              style="primary"))]
    return Reply(text=text, blocks=blocks)


def outcome_reply(outcome: DepositOutcome, *, locale: str | None) -> Reply:
    """Where a deposit stands after a payment, a check or a click."""
    attempt = outcome.attempt
    if outcome.result is not None:
        return deposit_done_reply(outcome.result, memo=attempt.memo, locale=locale)
    if attempt.status == "failed":
        return deposit_refused_reply(attempt.reason or "", locale=locale)
    if attempt.in_flight:
        return deposit_checking_reply(attempt, locale=locale)
    state = "done" if attempt.status == "succeeded" else attempt.status
    return operation_closed_reply(state, locale=locale)


def deposit_cancelled_reply(amount: Money, *, user_id: str,
                            locale: str | None) -> Reply:
    text = t("The deposit of {amount} was cancelled by <@{user}>. Nothing was deposited.",
             locale, amount=amount.format(locale),
             user=user_id)
    return Reply(text=text, blocks=[section(text)])


def operation_closed_reply(state: str, *, locale: str | None) -> Reply:
    """Why a click on a confirmation does nothing: expired, cancelled, done, …"""
    key = (OPERATION_STATES[state] if state in CLOSED_STATES
           else N_("This deposit request is unknown; nothing was deposited."))
    text = t(key, locale)
    return Reply(text=text, blocks=[section(text)])


def _sentence(reason: str) -> str:
    clean = reason.strip()
    return clean if clean.endswith((".", "!", "?")) else clean + "."
