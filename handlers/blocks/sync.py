"""Blocks of `/credits sync`: the last Graph sync, or how to connect."""

from __future__ import annotations

from datetime import datetime

from bot.graph.sync import SyncView
from handlers.blocks.common import section
from handlers.i18n import format_moment, t
from handlers.reply import Reply


def _when(moment: datetime | None, fallback: str, locale: str | None) -> str:
    return format_moment(moment, locale) if moment else fallback


def not_connected_reply(*, locale: str | None) -> Reply:
    text = t("The Microsoft 365 connection is off: usage comes from the files you send me. To "
             "connect, register an app in Microsoft Entra (App registrations > New "
             "registration), give it the *application* permissions "
             "`CallRecord-PstnCalls.Read.All`, `LicenseAssignment.ReadWrite.All` and "
             "`User.Read.All`, grant admin consent, and set `MS_TENANT_ID`, `MS_CLIENT_ID` and "
             "`MS_CLIENT_SECRET` (or a certificate) for the bot. The README has the steps.", locale)
    return Reply(text=text, blocks=[section(text)])


def sync_reply(view: SyncView | None, *, currency: str, overlap_hours: float,
               locale: str | None) -> Reply:
    """The last run, the high-water mark and the last error."""
    if view is None:
        text = t("No sync from Microsoft Graph has run yet. An admin can start one with "
                 "`/credits sync now`.", locale)
        return Reply(text=text, blocks=[section(text)])
    not_yet, nothing_yet = t("not yet", locale), t("nothing yet", locale)
    lines = [t("*Last sync from Microsoft Graph:* started {started}, finished {finished} UTC.\n"
               "Windows: {windows}\n"
               "Records: *{new}* new ({charged} charged), {duplicates} duplicates, {rejected} "
               "rejected; {direct} Direct Routing rows.\n"
               "Calls are in up to {mark} UTC (each sync re-reads the last {overlap} hours).",
               locale, started=_when(view.last_started_at, "?", locale),
               finished=_when(view.last_finished_at, not_yet, locale),
               windows=(view.windows or "-").replace("T", " ").replace("+00:00", ""),
               new=f"{view.new_calls:,}", charged=view.charged.format(locale),
               duplicates=f"{view.duplicates:,}", rejected=f"{view.rejected:,}",
               direct=f"{view.direct_routing_rows:,}",
               mark=_when(view.high_water_at, nothing_yet, locale),
               overlap=f"{overlap_hours:g}")]
    if view.last_error:
        lines.append(t(":warning: Last error: {error}", locale, error=view.last_error[:500]))
    if view.retry_at:
        lines.append(t("Microsoft Graph asked to wait: the next sync runs after {time} UTC.",
                       locale, time=_when(view.retry_at, "", locale)))
    text = "\n".join(lines)
    return Reply(text=text, blocks=[section(line) for line in lines])
