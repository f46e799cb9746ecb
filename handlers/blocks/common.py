"""Small Block Kit pieces shared by every message."""

from __future__ import annotations

from typing import Any

from handlers.i18n import t
from handlers.reply import Reply

Block = dict[str, Any]


def section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def fields(pairs: list[tuple[str, str]]) -> Block:
    return {"type": "section",
            "fields": [{"type": "mrkdwn", "text": f"*{label}*\n{value}"}
                       for label, value in pairs][:10]}


def context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": text[:150], "emoji": True}}


def divider() -> Block:
    return {"type": "divider"}


def button(text: str, action_id: str, value: str, style: str | None = None) -> Block:
    element: Block = {"type": "button", "text": {"type": "plain_text", "text": text},
                      "action_id": action_id, "value": value}
    if style:
        element["style"] = style
    return element


def actions(block_id: str, *elements: Block) -> Block:
    return {"type": "actions", "block_id": block_id, "elements": list(elements)}


def error_reply(message: str, *, usage: str | None = None, locale: str | None = None) -> Reply:
    """A short error, with the right usage when there is one."""
    text = f":warning: {message}"
    if usage and usage not in message:
        text += "\n" + t("Usage: `/credits {usage}`", locale, usage=usage)
    return Reply(text=text, blocks=[section(text)])
