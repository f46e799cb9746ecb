"""Blocks of alert messages (posted by the outbox relay) and of the answers to their buttons.

Pure functions: the composition root hands `alert_blocks` to the outbox writer, which stores the
blocks with the alert in the transaction that caused it. (The blocks of the alert *settings*,
`/credits alerts`, are in handlers/blocks/alerts.py.)
"""

from __future__ import annotations

from typing import Any

from bot.alerts.rules import AUTORECHARGE_ON, CHANGE_PAYMENT, RECHARGE_NOW, SHOW_USAGE, Alert
from bot.money import Money
from handlers.blocks.common import Block, actions, button, context, section
from handlers.blocks.payment_modal import CHANGE_ACTION
from handlers.i18n import t
from handlers.reply import Reply

RECHARGE_NOW_ACTION = "alert_recharge_now"
AUTORECHARGE_ON_ACTION = "alert_autorecharge_on"
SHOW_USAGE_ACTION = "alert_show_usage"
ACTIONS_BLOCK = "alert_actions"
ACTION_IDS = (RECHARGE_NOW_ACTION, AUTORECHARGE_ON_ACTION, SHOW_USAGE_ACTION)
AMOUNT_MARK = "#"  # "<alert key>#<amount>": the Recharge now of an alert that named its amount

_EMOJI = {"info": ":information_source:", "warning": ":warning:",
          "critical": ":rotating_light:"}


def alert_blocks(alert: Alert) -> list[Block]:
    """The alert as Slack blocks, in the account's language (`alert.locale`): what happened
    and the balance, what to do, and its buttons."""
    loc = alert.locale
    headline = f"{_EMOJI.get(alert.severity, '')} *{alert.headline}*".strip()
    lines = [headline, t("Balance: *{balance}*", loc, balance=alert.money(alert.balance))]
    if alert.detail:
        lines.append(alert.detail)
    blocks = [section("\n".join(lines)), context(t("*Next:* {step}", loc, step=alert.next_step))]
    elements = [_button(name, alert) for name in alert.buttons]
    if elements:
        blocks.append(actions(ACTIONS_BLOCK, *elements))
    return blocks


def _button(name: str, alert: Alert) -> Block:
    # The value is the alert's dedupe key: the purchase of "Recharge now" is keyed on it, so
    # double clicks (or two admins clicking their own copies) buy once.
    loc = alert.locale
    if name == RECHARGE_NOW:
        amount = alert.recharge_amount
        label = t("Recharge now", loc)
        if amount is None:
            element = button(label, RECHARGE_NOW_ACTION, alert.key, style="primary")
            title = t("Buy credits now?", loc)
            text = t("This buys the auto-recharge amount (or the recommended amount) with the "
                     "payment method on file.", loc)
        else:
            # The amount rides in the value (the bare number, as parse_amount reads it), so the
            # click buys what the dialog named.
            element = button(label, RECHARGE_NOW_ACTION,
                             f"{alert.key}{AMOUNT_MARK}{amount.amount}", style="primary")
            title = t("Buy {amount}?", loc, amount=alert.money(amount))
            text = t("This buys *{amount}* of credits now with the payment method on file.",
                     loc, amount=alert.money(amount))
        element["confirm"] = _confirm(title, text, t("Buy", loc), t("Cancel", loc))
        return element
    if name == AUTORECHARGE_ON:
        return button(t("Turn on auto-recharge", loc), AUTORECHARGE_ON_ACTION, alert.key)
    if name == SHOW_USAGE:
        return button(t("Show usage", loc), SHOW_USAGE_ACTION, alert.key)
    if name == CHANGE_PAYMENT:  # answered by handlers/actions/payment_method.py
        return button(t("Change the payment method", loc), CHANGE_ACTION, alert.key)
    raise ValueError(f"unknown alert button {name!r}")


def _confirm(title: str, text: str, yes: str, no: str) -> dict[str, Any]:
    return {"title": {"type": "plain_text", "text": title},
            "text": {"type": "mrkdwn", "text": text},
            "confirm": {"type": "plain_text", "text": yes},
            "deny": {"type": "plain_text", "text": no}}


def autorecharge_already_reply(*, amount: Money | None, below: Money | None,
                               locale: str | None = None) -> Reply:
    """Auto-recharge was on already: nothing changed."""
    if amount and below:
        text = t("Auto-recharge is already on (add {amount} when below {below}); nothing "
                 "changed.", locale, amount=amount.format(locale),
                 below=below.format(locale))
    else:
        text = t("Auto-recharge is already on; nothing changed.", locale)
    return Reply(text=text, blocks=[section(text)])


def already_bought_reply(*, amount: Money, locale: str | None = None) -> Reply:
    """The Recharge now of this alert was clicked before: it bought once."""
    text = t("Credits were already bought from this alert ({amount}); nothing was charged "
             "again.", locale, amount=amount.format(locale))
    return Reply(text=text, blocks=[section(text)])
