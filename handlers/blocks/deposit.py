"""Blocks of deposits: done, asking for a confirmation, refused, and the confirmation's end."""

from __future__ import annotations

from decimal import Decimal

from bot.deposits import DepositQuote, DepositResult
from bot.money import format_money
from handlers.blocks.common import actions, button, context, section
from handlers.i18n import t
from handlers.reply import Reply

CONFIRM_ACTION = "deposit_confirm"
CANCEL_ACTION = "deposit_cancel"
CONFIRM_BLOCK = "deposit_confirmation"
CLOSED_STATES = ("expired", "cancelled", "done", "failed", "processing", "unknown")


def deposit_done_reply(result: DepositResult, *, memo: str | None,
                       locale: str | None) -> Reply:
    """A deposit that was paid and booked."""
    headline = t("deposit_done", locale, amount=format_money(result.amount, result.currency,
                                                             locale),
                 method=result.method or "—",
                 balance=format_money(result.balance_after, result.currency, locale))
    lines = [headline]
    if result.resumed:
        lines.append(t("deposit_resumed", locale))
    notes = []
    if result.reference:
        notes.append(t("deposit_receipt", locale, reference=result.reference))
    if memo:
        notes.append(t("deposit_memo", locale, memo=memo))
    blocks = [section("\n".join(lines))]
    if notes:
        blocks.append(context(" · ".join(notes)))
    return Reply(text="\n".join(lines + notes), blocks=blocks)


def deposit_confirm_reply(quote: DepositQuote, *, operation_id: str, limit: Decimal,
                          expires_at_text: str, locale: str | None) -> Reply:
    """A large deposit waiting for an admin's Confirm (or Cancel)."""
    ask = t("deposit_confirm_ask", locale,
            amount=format_money(quote.amount, quote.currency, locale), method=quote.method,
            limit=format_money(limit, quote.currency, locale),
            balance=format_money(quote.balance_after, quote.currency, locale))
    note = t("deposit_confirm_expires", locale, time=expires_at_text)
    blocks = [section(ask), actions(
        CONFIRM_BLOCK,
        button(t("button_confirm", locale), CONFIRM_ACTION, operation_id, style="primary"),
        button(t("button_cancel", locale), CANCEL_ACTION, operation_id, style="danger")),
        context(note)]
    return Reply(text=f"{ask}\n{note}", blocks=blocks)


def refusal_text(reason: str, *, locale: str | None) -> str:
    """The sentence of a payment the gateway refused: the reason, and that nothing changed."""
    return t("deposit_refused", locale, reason=_sentence(reason))


def deposit_refused_reply(reason: str, *, locale: str | None) -> Reply:
    """A payment the gateway refused: nothing was deposited."""
    text = ":x: " + refusal_text(reason, locale=locale)
    return Reply(text=text, blocks=[section(text)])


def deposit_unknown_reply(reason: str, *, operation_id: str, expires_at_text: str,
                          locale: str | None) -> Reply:
    """A deposit whose payment outcome is unknown: one button settles that same payment."""
    text = t("deposit_unknown", locale, reason=_sentence(reason))
    note = t("deposit_confirm_expires", locale, time=expires_at_text)
    blocks = [section(text), actions(
        CONFIRM_BLOCK, button(t("button_check_again", locale), CONFIRM_ACTION, operation_id,
                              style="primary")), context(note)]
    return Reply(text=f"{text}\n{note}", blocks=blocks)


def deposit_timeout_reply(reason: str, *, locale: str | None) -> Reply:
    """A payment whose outcome is not known yet (the buttons stay for a second try)."""
    text = t("deposit_timeout", locale, reason=_sentence(reason))
    return Reply(text=text, blocks=[section(text)])


def deposit_cancelled_reply(amount: Decimal, currency: str, *, user_id: str,
                            locale: str | None) -> Reply:
    text = t("deposit_cancelled", locale, amount=format_money(amount, currency, locale),
             user=user_id)
    return Reply(text=text, blocks=[section(text)])


def operation_closed_reply(state: str, *, locale: str | None) -> Reply:
    """Why a click on a confirmation does nothing: expired, cancelled, done, …"""
    key = f"op_{state}" if state in CLOSED_STATES else "op_unknown"
    text = t(key, locale)
    return Reply(text=text, blocks=[section(text)])


def _sentence(reason: str) -> str:
    clean = reason.strip()
    return clean if clean.endswith((".", "!", "?")) else clean + "."
