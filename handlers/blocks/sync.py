"""Blocks of `/credits sync`: the last Graph sync, or how to connect."""

from __future__ import annotations

from datetime import datetime

from bot.graph.sync import SyncView
from bot.money import format_money
from handlers.blocks.common import section
from handlers.i18n import t
from handlers.reply import Reply


def _when(moment: datetime | None, fallback: str) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else fallback


def not_connected_reply(*, locale: str | None) -> Reply:
    text = t("sync_not_connected", locale)
    return Reply(text=text, blocks=[section(text)])


def sync_reply(view: SyncView | None, *, currency: str, overlap_hours: float,
               locale: str | None) -> Reply:
    """The last run, the high-water mark and the last error."""
    if view is None:
        text = t("sync_never", locale)
        return Reply(text=text, blocks=[section(text)])
    lines = [t("sync_last", locale, started=_when(view.last_started_at, "?"),
               finished=_when(view.last_finished_at, t("sync_running", locale)),
               windows=(view.windows or "-").replace("T", " ").replace("+00:00", ""),
               new=f"{view.new_calls:,}", charged=format_money(view.charged, currency),
               duplicates=f"{view.duplicates:,}", rejected=f"{view.rejected:,}",
               direct=f"{view.direct_routing_rows:,}",
               mark=_when(view.high_water_at, t("sync_no_mark", locale)),
               overlap=f"{overlap_hours:g}")]
    if view.last_error:
        lines.append(t("sync_error", locale, error=view.last_error[:500]))
    if view.retry_at:
        lines.append(t("sync_retry", locale, time=_when(view.retry_at, "")))
    text = "\n".join(lines)
    return Reply(text=text, blocks=[section(line) for line in lines])
