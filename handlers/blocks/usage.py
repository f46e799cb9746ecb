"""Blocks of `/credits usage`: spend, minutes and calls of a period, maybe grouped."""

from __future__ import annotations

from collections.abc import Sequence

from bot.usage.reports import UsageLine, UsageSummary
from handlers.blocks.common import context, header, section
from handlers.i18n import N_, format_day, t
from handlers.reply import Reply
from handlers.usage_text import calls, number, period_label

# The heading of each way of grouping the usage.
GROUP_HEADINGS = {
    "user": N_("By user"),
    "destination": N_("By destination"),
    "day": N_("By day"),
}

MAX_LINES = 40  # at most this many groups are listed; the rest are counted
PER_SECTION = 20  # keeps each section well under Block Kit's 3,000 characters


def usage_line(line: UsageLine, *, currency: str, locale: str | None) -> str:
    return "• " + t("{label}: *{spend}* · {minutes} min · {calls}", locale, label=line.label,
                    spend=line.spend.format(locale),
                    minutes=number(line.minutes, locale), calls=calls(line.calls, locale))


def totals_text(summary: UsageSummary, *, locale: str | None) -> str:
    return t("*{spend}* for {calls} and {minutes} min.",
             locale, spend=summary.spend.format(locale),
             calls=calls(summary.calls, locale), minutes=number(summary.minutes, locale))


def shown_lines(summary: UsageSummary) -> Sequence[UsageLine]:
    """The groups worth listing: every group with calls (days without calls are left out)."""
    return [line for line in summary.lines if line.calls]


def usage_reply(summary: UsageSummary, *, email: str | None, locale: str | None) -> Reply:
    """Everyone's usage (`email` None) or one member's own."""
    title = t("Usage: {period}", locale, period=period_label(summary.period, locale))
    scope = (t("Everyone's calls", locale) if email is None
             else t("Your calls ({email})", locale, email=email))
    if not summary.calls:
        none = t("No calls in this period.", locale)
        body = f"{scope}: {none}"
        return Reply(text=f"{title}\n{body}", blocks=[header(title), section(body)])
    body = f"{scope}: {totals_text(summary, locale=locale)}"
    if summary.direct_routing:
        body += " " + t("Of these, {calls} went over Direct Routing (your own carrier): no "
                        "credits used.", locale,
                        calls=calls(summary.direct_routing, locale))
    blocks = [header(title), section(body)]
    text = [title, body]
    lines = shown_lines(summary)
    if summary.group_by is not None and lines:
        listed = [usage_line(line, currency=summary.currency, locale=locale)
                  for line in lines[:MAX_LINES]]
        if len(lines) > MAX_LINES:
            listed.append(t("…and {count} more.", locale, count=len(lines) - MAX_LINES))
        heading = f"*{t(GROUP_HEADINGS[summary.group_by], locale)}*"
        text += [heading, *listed]
        for start in range(0, len(listed), PER_SECTION):
            chunk = listed[start:start + PER_SECTION]
            blocks.append(section("\n".join([heading, *chunk] if start == 0 else chunk)))
    blocks.append(context(f"{format_day(summary.period.first_day, locale)} – "
                          f"{format_day(summary.period.last_day, locale)} "
                          f"({summary.period.timezone})"))
    return Reply(text="\n".join(text), blocks=blocks)
