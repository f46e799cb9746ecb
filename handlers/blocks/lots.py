"""Blocks of the purchased credits (lots): what is left of each and when it expires."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from bot.ledger import LotView
from bot.money import Money
from handlers.blocks.common import section
from handlers.i18n import format_day, t, tn
from handlers.reply import Reply

PER_SECTION = 20


def lots_reply(lots: Sequence[LotView], *, currency: str, today: datetime,
               locale: str | None) -> Reply:
    """`/credits credits`: the total left, then one line per lot, oldest first."""
    if not lots:
        text = t("There are no purchased credits left.", locale)
        return Reply(text=text, blocks=[section(text)])
    money = lambda value: value.format(locale)  # noqa: E731
    total = Money.total((lot.remaining for lot in lots), currency)
    head = tn("*{total}* of purchased credits left, in {count} lot; calls use the oldest "
              "first, and what is left of a lot 12 months after its purchase expires:",
              "*{total}* of purchased credits left, in {count} lots; calls use the oldest "
              "first, and what is left of a lot 12 months after its purchase expires:",
              len(lots), locale, total=money(total))
    lines = []
    for lot in lots:
        days = (lot.expires_at.astimezone(UTC).date() - today.astimezone(UTC).date()).days
        when = (t("today", locale) if days <= 0
                else tn("in {count} day", "in {count} days", days, locale))
        lines.append("• " + t("*{remaining}* left of {purchased} bought {bought}, expires "
                              "{expires} ({when})", locale, remaining=money(lot.remaining),
                              purchased=money(lot.purchased),
                              bought=format_day(lot.purchased_at.astimezone(UTC), locale),
                              expires=format_day(lot.expires_at.astimezone(UTC), locale),
                              when=when))
    blocks = [section(head)] + [section("\n".join(lines[i:i + PER_SECTION]))
                                for i in range(0, len(lines), PER_SECTION)]
    return Reply(text="\n".join([head, *lines]), blocks=blocks)
