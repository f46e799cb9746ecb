"""Blocks of `/credits recommend`: Microsoft's table row and the spend-based recommendation."""

from __future__ import annotations

from babel.numbers import format_decimal

from bot.i18n import normalize_locale
from bot.money import Money
from bot.recommend import TABLE_CURRENCY, TABLE_LIMIT, Recommendation
from handlers.blocks.common import context, header, section
from handlers.i18n import t, tn
from handlers.reply import Reply


def count(number: int, locale: str | None) -> str:
    return format_decimal(number, locale=normalize_locale(locale))


def table_text(rec: Recommendation, *, locale: str | None) -> str:
    """The row of Microsoft's table (in US dollars, as Microsoft publishes it), or why none."""
    users = count(rec.table.users, locale)
    row = rec.table.row
    if row is None:
        return t("*Microsoft's table* ends at {limit} licensed users; for *{users}* it has no "
                 "row. Size the deposit and trigger from your own spend.",
                 locale, limit=count(TABLE_LIMIT, locale), users=users)
    label = (f"< {count(row.max_users, locale)}" if row.min_users == 0
             else f"{count(row.min_users, locale)}-{count(row.max_users, locale)}")
    note = t(" (for invoice-billed customers)", locale) if row.note else ""
    return tn("*Microsoft's table:* for *{users}* licensed user ({row}) an initial deposit of "
              "*{deposit}*{note} and a trigger (lowest balance) of *{trigger}*.",
              "*Microsoft's table:* for *{users}* licensed users ({row}) an initial deposit of "
              "*{deposit}*{note} and a trigger (lowest balance) of *{trigger}*.",
              rec.table.users, locale, users=users, row=label, note=note,
              deposit=Money(row.initial_deposit, TABLE_CURRENCY).format(locale),
              trigger=Money(row.trigger, TABLE_CURRENCY).format(locale))


def spend_text(rec: Recommendation, *, window_days: int, locale: str | None) -> str:
    """The recommendation from the account's own daily spend, or why there is none."""
    spend = rec.spend
    if spend is None:
        return t("There was no spend in the last {days} days to base a recommendation on: "
                 "start from the table and adjust once calls come in.", locale, days=window_days)
    def money(value: Money) -> str:
        return value.format(locale)
    return t("*From your spend* over the last {days} days: a trigger of *{trigger}* covers "
             "{cover} days at the {pct}th-percentile daily spend ({high}); a recharge of "
             "*{amount}* buys about {supply} days at the average daily spend ({average}).",
             locale, days=spend.days, trigger=money(spend.trigger),
             cover=spend.cover_days, pct=spend.percentile, high=money(spend.high_daily_spend),
             amount=money(spend.recharge_amount), supply=spend.supply_days,
             average=money(spend.average_daily_spend))


def apply_command(rec: Recommendation) -> str | None:
    """The auto-recharge command that applies the recommendation (the spend-based one first)."""
    if rec.spend is not None:
        amount, trigger = rec.spend.recharge_amount, rec.spend.trigger
    elif rec.table.row is not None and rec.currency == TABLE_CURRENCY:
        amount = Money(rec.table.row.initial_deposit, TABLE_CURRENCY)
        trigger = Money(rec.table.row.trigger, TABLE_CURRENCY)
    else:
        return None
    return f"/credits autorecharge on {_plain(amount)} below {_plain(trigger)}"


def recommend_reply(rec: Recommendation, *, window_days: int, locale: str | None) -> Reply:
    title = t("Recommended deposit and trigger", locale)
    parts = [table_text(rec, locale=locale), spend_text(rec, window_days=window_days,
                                                         locale=locale)]
    command = apply_command(rec)
    blocks = [header(title), *[section(part) for part in parts]]
    if command:
        hint = t("To apply it: `{command}`", locale, command=command)
        parts.append(hint)
        blocks.append(context(hint))
    return Reply(text="\n".join([title, *parts]), blocks=blocks)


def _plain(amount: Money) -> str:
    """An amount as the slash command reads it back: `1000`, `1000.5`."""
    return format(amount.amount.normalize(), "f")
