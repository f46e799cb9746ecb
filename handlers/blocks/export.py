"""The answer to `/credits export`: what was exported, as which files, and where they are."""

from __future__ import annotations

from collections.abc import Sequence

from bot.usage.periods import Period
from bot.usage.reports import ExportFile
from handlers.blocks.common import section
from handlers.reply import Reply
from handlers.uploads import DM, DM_FALLBACK
from handlers.usage_text import calls, entries, period_label, say

WHERE = {DM: "export_dm", DM_FALLBACK: "export_dm_fallback"}


def export_comment(period: Period, *, email: str | None, locale: str | None) -> str:
    """The message the uploaded files come with."""
    label = period_label(period, locale)
    if email is None:
        return say("export_comment_all", locale, period=label)
    return say("export_comment_own", locale, period=label, email=email)


def export_reply(files: Sequence[ExportFile], *, period: Period, call_count: int,
                 email: str | None, where: str, locale: str | None) -> Reply:
    """Everyone's calls and ledger (`email` None), or a member's own calls."""
    names = ", ".join(f"`{f.filename}`" for f in files)
    label = period_label(period, locale)
    if email is None:
        entry_count = sum(f.rows for f in files) - call_count
        text = say("export_done_all", locale, calls=calls(call_count, locale),
                   entries=entries(entry_count, locale), period=label, files=names)
    else:
        text = say("export_done_own", locale, calls=calls(call_count, locale), period=label,
                   files=names)
    text += " " + say(WHERE.get(where, "export_here"), locale)
    return Reply(text=text, blocks=[section(text)])
