"""`/credits help`: the usage of every subcommand."""

from __future__ import annotations

from collections.abc import Sequence

from handlers.blocks.common import context, header, section
from handlers.commands.base import Subcommand
from handlers.reply import Reply


def help_reply(subcommands: Sequence[Subcommand]) -> Reply:
    lines = [f"`/credits {sub.usage}`{' (admin)' if sub.admin else ''}: {sub.summary}"
             for sub in subcommands]
    text = "*Credits Bot* runs your prepaid Communications Credits.\n" + "\n".join(lines)
    blocks = [header("Credits Bot"), section("\n".join(lines)),
              context("Amounts: `1000`, `1,000` or `$1,000.00`. Periods: `this-month`, "
                      "`last-month`, `last-30-days`, `2026-10`, `2026-10-01..2026-10-15`. "
                      "You can also DM me: _what's our balance?_")]
    return Reply(text=text, blocks=blocks)
