"""Blocks of the ledger history: one line per entry, newest first."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from bot.history import HistoryEntry
from bot.money import Money
from handlers.blocks.common import header, section
from handlers.i18n import N_, format_moment, t
from handlers.reply import Reply

# How the history names each kind of ledger entry.
ENTRY_KINDS = {
    "deposit": N_("deposit"),
    "recharge": N_("recharge"),
    "charge": N_("charge"),
    "expiry": N_("expiry"),
    "adjustment": N_("adjustment"),
}

PER_SECTION = 20  # keeps each section well under Block Kit's 3,000 characters
MEMO_CHARS = 80


def signed_money(amount: Money, locale: str | None) -> str:
    """`+$500.00` for credits in, `-$12.30` for credits out (adjustments read the same)."""
    text = amount.format(locale)
    return text if amount.is_negative else "+" + text


def entry_line(entry: HistoryEntry, *, currency: str, timezone: str,
               locale: str | None) -> str:
    when = format_moment(entry.created_at.astimezone(ZoneInfo(timezone)), locale)
    kind = t(ENTRY_KINDS[entry.kind], locale)
    line = (f"`{when}` {kind} *{signed_money(entry.amount, locale)}* · "
            + t("balance {balance}", locale,
                balance=entry.balance_after.format(locale)))
    if entry.memo:
        memo = entry.memo if len(entry.memo) <= MEMO_CHARS else entry.memo[:MEMO_CHARS - 1] + "…"
        line += f" · _{memo}_"
    return line


def history_reply(entries: Sequence[HistoryEntry], *, currency: str, timezone: str,
                  locale: str | None) -> Reply:
    """`/credits history`: the entries, in the account's currency and time zone."""
    if not entries:
        text = t("The ledger has no entries yet.", locale)
        return Reply(text=text, blocks=[section(text)])
    title = (t("The last ledger entry", locale) if len(entries) == 1
             else t("Last {count} ledger entries", locale, count=len(entries)))
    lines = [entry_line(e, currency=currency, timezone=timezone, locale=locale)
             for e in entries]
    blocks = [header(title), *[section("\n".join(lines[i:i + PER_SECTION]))
                               for i in range(0, len(lines), PER_SECTION)]]
    return Reply(text="\n".join([title, *lines]), blocks=blocks)
