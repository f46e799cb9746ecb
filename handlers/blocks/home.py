"""The App Home dashboard: balance, state, auto-recharge, thresholds, purchases, licenses and
forecast, as a `home` view."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.money import Money
from bot.summary import AccountSummary
from handlers.blocks.balance import balance_reply
from handlers.blocks.common import context, divider, fields, header, section
from handlers.i18n import N_, format_day, format_moment, t

# How App Home names each kind of purchase.
PURCHASE_KINDS = {
    "deposit": N_("deposit"),
    "recharge": N_("auto-recharge"),
}


def dashboard_view(blocks: list[dict[str, Any]], *, locale: str | None,
                   now: datetime) -> dict[str, Any]:
    """The App Home view: an account's blocks, and when they were shown."""
    updated = context(t("Updated {when}. `/credits help` lists every command.",
                        locale, when=format_moment(now, locale) + " UTC"))
    return {"type": "home", "blocks": [*blocks, updated]}


def home_blocks(summary: AccountSummary, *, locale: str | None) -> list[dict[str, Any]]:
    """The dashboard of an account (the same until the account changes or the day does)."""
    def money(value: Money) -> str:
        return value.format(locale)
    balance = balance_reply(summary, locale=locale)
    thresholds = (", ".join(money(amount) for amount in summary.thresholds)
                  or t("none", locale))
    purchases = "\n".join(
        f"{format_day(purchase.at, locale)}  {money(purchase.amount)}  "
        f"{t(PURCHASE_KINDS[purchase.kind], locale)}"
        for purchase in summary.recent_purchases) or t("No deposits or recharges yet.", locale)
    recent = t("Last recharges and deposits", locale)
    blocks = [
        header(t("Communications Credits", locale)),
        *(balance.blocks or []),
        fields([(t("Low-balance alerts", locale), thresholds),
                (t("Licensed users", locale), str(summary.license_count))]),
        divider(),
        section(f"*{recent}*\n{purchases}"),
    ]
    return blocks
