"""The answer to `/credits export`: what was exported, as which files, and where they are."""

from __future__ import annotations

from collections.abc import Sequence

from bot.usage.periods import Period
from bot.usage.reports import ExportFile
from handlers.blocks.common import section
from handlers.i18n import N_, t
from handlers.reply import Reply
from handlers.uploads import DM, DM_FALLBACK
from handlers.usage_text import calls, entries, period_label

HERE_NOTE = N_("The file is in this conversation.")
WHERE = {
    DM: N_("I sent it to you in a direct message, so no one else sees it."),
    DM_FALLBACK: N_("I cannot post files in this conversation (invite me with `/invite "
                    "@Credits Bot`), so I sent it to you in a direct message."),
}


def export_comment(period: Period, *, email: str | None, locale: str | None) -> str:
    """The message the uploaded files come with."""
    label = period_label(period, locale)
    if email is None:
        return t("Credits export, {period}: call records and ledger.", locale, period=label)
    return t("Credits export, {period}: your call records ({email}).",
             locale, period=label, email=email)


def export_reply(files: Sequence[ExportFile], *, period: Period, call_count: int,
                 email: str | None, where: str, locale: str | None) -> Reply:
    """Everyone's calls and ledger (`email` None), or a member's own calls."""
    names = ", ".join(f"`{f.filename}`" for f in files)
    label = period_label(period, locale)
    if email is None:
        entry_count = sum(f.rows for f in files) - call_count
        text = t(":white_check_mark: Exported {calls} and {entries} for {period} as {files}.",
                 locale, calls=calls(call_count, locale),
                 entries=entries(entry_count, locale), period=label, files=names)
    else:
        text = t(":white_check_mark: Exported your {calls} for {period} as {files}. It holds "
                 "your own calls only; a credits admin can export everyone's and the ledger.",
                 locale, calls=calls(call_count, locale), period=label,
                 files=names)
    text += " " + t(WHERE.get(where, HERE_NOTE), locale)
    return Reply(text=text, blocks=[section(text)])
