"""The modal of an alert's "Turn on auto-recharge": the recommendation prefilled, the admin's
choice committed only on Submit."""

from __future__ import annotations

from typing import Any

from bot.money import Money
from handlers.blocks.common import context, section
from handlers.i18n import t

CALLBACK_ID = "autorecharge_setup"
AMOUNT_BLOCK, AMOUNT_INPUT = "autorecharge_amount", "amount"
BELOW_BLOCK, BELOW_INPUT = "autorecharge_below", "below"

View = dict[str, Any]


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text[:24]}  # Slack's limit for modal titles/buttons


def _input(block_id: str, action_id: str, label: str, initial: Money,
           hint: str) -> dict[str, Any]:
    return {"type": "input", "block_id": block_id,
            "label": {"type": "plain_text", "text": label},
            "hint": {"type": "plain_text", "text": hint},
            "element": {"type": "plain_text_input", "action_id": action_id,
                        "initial_value": f"{initial.amount:.2f}", "max_length": 20}}


def autorecharge_modal(*, amount: Money, below: Money, basis: str,
                       alert_key: str, locale: str | None) -> View:
    """The modal: recharge amount and trigger, prefilled with the recommendation and why."""
    currency = amount.currency
    return {
        "type": "modal", "callback_id": CALLBACK_ID, "private_metadata": alert_key[:150],
        "title": _plain(t("Auto-recharge", locale)),
        "submit": _plain(t("Turn on", locale)),
        "close": _plain(t("Cancel", locale)),
        "blocks": [
            section(t("Add credits automatically when the balance falls below the trigger. The "
                      "amounts below are the recommendation: change them if you like; nothing "
                      "is set before you press *Turn on*.", locale)),
            _input(AMOUNT_BLOCK, AMOUNT_INPUT,
                   t("Recharge amount ({currency})", locale, currency=currency), amount,
                   t("Bought each time the balance falls below the trigger.", locale)),
            _input(BELOW_BLOCK, BELOW_INPUT,
                   t("Trigger: when the balance is below ({currency})",
                     locale, currency=currency), below,
                   t("The lowest balance you want to keep.", locale)),
            context(basis),
        ]}


def done_view(text: str, *, locale: str | None) -> View:
    """What the modal shows once auto-recharge is on (its Submit is gone)."""
    return {"type": "modal", "callback_id": CALLBACK_ID,
            "title": _plain(t("Auto-recharge", locale)),
            "close": _plain(t("Close", locale)),
            "blocks": [section(text)]}
