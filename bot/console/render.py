"""Slack messages as terminal text: mrkdwn and Block Kit to Rich markup (for the console).

Pure functions: a message in, markup lines and the buttons it carries out. Emoji names such as
`:warning:` are left for Rich, which prints the emoji itself.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rich.markup import escape

from bot.i18n import t

_CODE_BLOCK = re.compile(r"```(.+?)```", re.DOTALL)
_CODE = re.compile(r"`([^`\n]+)`")
_LINK = re.compile(r"<([^<>]+)>")
_BOLD = re.compile(r"(?<![\w*\\])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w\\])_(?=\S)([^_\n]+?)(?<=\S)_(?!\w)")
_STRIKE = re.compile(r"(?<![\w\\])~(?=\S)([^~\n]+?)(?<=\S)~(?!\w)")
_ENTITIES = (("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"))


@dataclass(frozen=True)
class Button:
    """A button the console user can click by typing `click <action_id> <value>`."""

    text: str
    action_id: str
    value: str
    block_id: str

    def hint(self, locale: str | None = None) -> str:
        command = f"click {self.action_id}" + (f" {self.value}" if self.value else "")
        typed = t("(type: {command})", locale, command=escape(command))
        return f"[bold reverse] {escape(self.text)} [/]  [dim]{typed}[/]"


@dataclass(frozen=True)
class Rendered:
    lines: tuple[str, ...]
    buttons: tuple[Button, ...]


def _link(token: str, names: Mapping[str, str]) -> str:
    target, _, label = token.partition("|")
    if target.startswith("@"):
        return "@" + (label or names.get(target[1:], target[1:]))
    if target.startswith("#"):
        return "#" + (label or target[1:])
    if target.startswith("!"):
        return label or "@" + target[1:].split("^")[0]
    return f"{label} ({target})" if label else target


def mrkdwn(text: str, names: Mapping[str, str] | None = None) -> str:
    """Slack mrkdwn as Rich markup: bold, italics, strike, code, mentions, channels, links."""
    names = names or {}
    codes: list[str] = []

    def keep(markup: str) -> str:
        codes.append(markup)
        return f"\x00{len(codes) - 1}\x00"

    text = _CODE_BLOCK.sub(lambda m: keep(f"[cyan]{escape(_unescape(m[1].strip()))}[/]"), text)
    text = _CODE.sub(lambda m: keep(f"[bold cyan]{escape(_unescape(m[1]))}[/]"), text)
    text = _LINK.sub(lambda m: keep(escape(_link(_unescape(m[1]), names))), text)
    text = escape(_unescape(text))
    text = _BOLD.sub(r"[bold]\1[/bold]", text)
    text = _ITALIC.sub(r"[italic]\1[/italic]", text)
    text = _STRIKE.sub(r"[strike]\1[/strike]", text)
    return re.sub(r"\x00(\d+)\x00", lambda m: codes[int(m[1])], text)


def _unescape(text: str) -> str:
    for entity, char in _ENTITIES:
        text = text.replace(entity, char)
    return text


def _text_of(obj: dict[str, Any] | None, names: Mapping[str, str]) -> str:
    if not obj:
        return ""
    if obj.get("type") == "mrkdwn":
        return mrkdwn(str(obj.get("text", "")), names)
    return escape(str(obj.get("text", "")))


def _element(element: dict[str, Any], block_id: str, names: Mapping[str, str],
             locale: str | None) -> tuple[str, Button | None]:
    kind = element.get("type")
    if kind == "button":
        button = Button(text=str(element.get("text", {}).get("text", "button")),
                        action_id=str(element.get("action_id", "")),
                        value=str(element.get("value", "")), block_id=block_id)
        return button.hint(locale), button
    if kind == "image":
        return f"[dim]\\[image: {escape(str(element.get('alt_text', '')))}][/]", None
    if kind in ("mrkdwn", "plain_text"):
        return _text_of(element, names), None
    placeholder = _text_of(element.get("placeholder"), names)
    return f"[dim]\\[{escape(str(kind))}{': ' + placeholder if placeholder else ''}][/]", None


def render_blocks(blocks: list[dict[str, Any]], names: Mapping[str, str] | None = None,
                  locale: str | None = None) -> Rendered:
    """The lines a terminal shows for Block Kit blocks, and their buttons."""
    names = names or {}
    lines: list[str] = []
    buttons: list[Button] = []
    for block in blocks:
        kind, block_id = block.get("type"), str(block.get("block_id", ""))
        if kind == "header":
            lines.append(f"[bold underline]{_text_of(block.get('text'), names)}[/]")
        elif kind == "section":
            if block.get("text"):
                lines.append(_text_of(block["text"], names))
            for field in block.get("fields", []):
                label, _, value = _text_of(field, names).partition("\n")
                lines.append(f"  {label}: {value}" if value else f"  {label}")
            if block.get("accessory"):
                line, button = _element(block["accessory"], block_id, names, locale)
                lines.append(line)
                buttons += [button] if button else []
        elif kind in ("context", "actions"):
            shown = []
            for element in block.get("elements", []):
                line, button = _element(element, block_id, names, locale)
                shown.append(line)
                buttons += [button] if button else []
            lines.append(("[dim]" + "  ".join(shown) + "[/]") if kind == "context"
                         else "   ".join(shown))
        elif kind == "divider":
            lines.append("[dim]" + "─" * 40 + "[/]")
        elif kind == "image":
            lines.append(f"[dim]\\[image: {escape(str(block.get('alt_text', '')))}][/]")
        else:
            lines.append(f"[dim]\\[{escape(str(kind))} block][/]")
    return Rendered(tuple(lines), tuple(buttons))


def render_message(message: Mapping[str, Any], names: Mapping[str, str] | None = None,
                   locale: str | None = None) -> Rendered:
    """A message as Slack shows it: its blocks when it has them, else its text."""
    blocks = message.get("blocks")
    if isinstance(blocks, str):  # form-encoded Web API calls carry blocks as JSON text
        blocks = json.loads(blocks)
    if blocks:
        return render_blocks(list(blocks), names, locale)
    return Rendered(tuple(mrkdwn(str(message.get("text") or ""), names).split("\n")), ())
