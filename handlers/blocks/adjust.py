"""Blocks of an adjustment waiting for its Confirm button (`/credits adjust`, `balance sync`)."""

from __future__ import annotations

from handlers.blocks.common import actions, button, section
from handlers.i18n import t
from handlers.reply import Reply

CONFIRM_ACTION = "adjust_confirm"
CANCEL_ACTION = "adjust_cancel"


def adjust_confirm_reply(question: str, *, operation_id: str, locale: str | None) -> Reply:
    """The question, and Confirm / Cancel buttons carrying the pending operation."""
    return Reply(text=question, blocks=[
        section(question),
        actions("adjust_confirm",
                button(t("Confirm", locale), CONFIRM_ACTION, operation_id,
                       style="primary"),
                button(t("Cancel", locale), CANCEL_ACTION, operation_id))])


def said(key: str, locale: str | None, **values: object) -> Reply:
    text = t(key, locale, **values)
    return Reply(text=text, blocks=[section(text)])
