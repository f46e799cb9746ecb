"""`/credits help`: the usage of every subcommand, in the user's language."""

from __future__ import annotations

from collections.abc import Sequence

from handlers.blocks.common import context, header, section
from handlers.commands.base import Subcommand
from handlers.i18n import t
from handlers.reply import Reply


def help_reply(subcommands: Sequence[Subcommand], locale: str | None) -> Reply:
    admin = t(" (admin)", locale)
    lines = [f"`/credits {sub.usage}`{admin if sub.admin else ''}: {_summary(sub, locale)}"
             for sub in subcommands]
    text = t("*Credits Bot* runs your prepaid Communications Credits.", locale) + "\n" + \
        "\n".join(lines)
    blocks = [header("Credits Bot"), section("\n".join(lines)),
              context(t("Amounts: `1000`, `1,000` or `$1,000.00`. Periods: `this-month`, "
                        "`last-month`, `last-30-days`, `2026-10`, `2026-10-01..2026-10-15`. "
                        "You can also DM me: _what's our balance?_", locale))]
    return Reply(text=text, blocks=blocks)


def _summary(sub: Subcommand, locale: str | None) -> str:
    """A subcommand's summary: a marked sentence, or a `Sentence` with its values."""
    return sub.summary(locale) if callable(sub.summary) else t(sub.summary, locale)
