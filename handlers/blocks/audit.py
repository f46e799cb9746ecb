"""Blocks of the audit log: one line per event, newest first."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.audit import AuditEntry
from handlers.blocks.common import section
from handlers.i18n import format_moment, t, tn
from handlers.reply import Reply

SLACK_USER = re.compile(r"^[UW][A-Z0-9]{2,}$")
LINES_PER_BLOCK = 10  # a section holds 3,000 characters; an event line is at most ~300


def audit_line(event: AuditEntry, locale: str | None = None) -> str:
    who = f"<@{event.actor}>" if SLACK_USER.match(event.actor) else event.actor
    summary = f": {event.summary}" if event.summary else ""
    return (f"`{format_moment(event.at, locale)}` {who} `{event.action}` *{event.result}*"
            f"{summary}")


def audit_reply(events: Sequence[AuditEntry], *, locale: str | None) -> Reply:
    """`/credits audit`: who asked for what, and how it ended."""
    if not events:
        text = t("The audit log is empty.", locale)
        return Reply(text=text, blocks=[section(text)])
    head = tn("The newest audit event, times in UTC:",
              "The newest *{count}* audit events, times in UTC:", len(events), locale)
    lines = [audit_line(event, locale) for event in events]
    blocks = [section(head)] + [section("\n".join(lines[i:i + LINES_PER_BLOCK]))
                                for i in range(0, len(lines), LINES_PER_BLOCK)]
    return Reply(text="\n".join([head, *lines]), blocks=blocks)
