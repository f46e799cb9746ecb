"""Blocks of `/credits report`: the period's totals, balances and top destinations (and, for
admins, top users); the chart itself is uploaded as a PNG beside it."""

from __future__ import annotations

from collections.abc import Sequence

from bot.money import Money
from bot.usage.reports import Report, UsageLine
from handlers.blocks.common import context, fields, header, section
from handlers.i18n import N_, t
from handlers.reply import Reply
from handlers.uploads import DM_FALLBACK, HERE
from handlers.usage_text import calls, number, period_label


def _lines(lines: Sequence[UsageLine], *, currency: str, locale: str | None) -> list[str]:
    return [f"• {line.label}: *{line.spend.format(locale)}* · "
            f"{number(line.minutes, locale)} min · {calls(line.calls, locale)}"
            for line in lines if line.calls]


def report_reply(report: Report, *, show_users: bool, where: str, locale: str | None) -> Reply:
    """The summary; members get no per-user spend (they may see only their own)."""
    def money(value: Money) -> str:
        return value.format(locale)
    title = t("Credits report: {period}", locale, period=period_label(report.period, locale))
    pairs = [(t("Spend", locale), money(report.spend)),
             (t("Calls", locale), number(report.calls, locale)),
             (t("Minutes", locale), number(report.minutes, locale)),
             (t("Deposits and recharges", locale), money(report.added)),
             *([(t("Expiries and adjustments",
                   locale), money(report.other))] if report.other else []),
             (t("Balance at the start", locale), money(report.balance_start)),
             (t("Balance at the end", locale), money(report.balance_end))]
    blocks = [header(title), fields(pairs)]
    text = [title, *(f"{label}: {value}" for label, value in pairs)]
    groups = [(N_("Top destinations"), report.top_destinations)]
    if show_users:
        groups.append((N_("Top users"), report.top_users))
    for key, lines in groups:
        listed = _lines(lines, currency=report.currency, locale=locale)
        if listed:
            heading = f"*{t(key, locale)}*"
            blocks.append(section("\n".join([heading, *listed])))
            text += [heading, *listed]
    notes = {
        HERE: N_("The chart (balance and daily spend) is in this conversation."),
        DM_FALLBACK: N_("I cannot post files in this conversation (invite me with `/invite "
                        "@Credits Bot`), so I sent it to you in a direct message."),
    }
    if where in notes:  # sent to the DM on purpose: the caller says why
        note = t(notes[where], locale)
        blocks.append(context(note))
        text.append(note)
    return Reply(text="\n".join(text), blocks=blocks)
