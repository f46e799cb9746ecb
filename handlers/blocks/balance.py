"""Blocks of the balance answer."""

from __future__ import annotations

from babel.dates import format_date
from babel.numbers import format_decimal

from bot.i18n import normalize_locale
from bot.money import Money
from bot.summary import AccountSummary
from handlers.blocks.common import context, fields, section
from handlers.i18n import format_day, t, tn
from handlers.reply import Reply


def balance_reply(summary: AccountSummary, *, locale: str | None) -> Reply:
    if summary.account.postpaid:
        return postpaid_reply(summary, locale=locale)
    account = summary.account
    def money(value: Money) -> str:
        return value.format(locale)
    balance = money(account.balance)
    if account.suspended:
        state = t("suspended (at or below zero)", locale)
        headline = t(":red_circle: The balance is *{balance}*: toll-free numbers and dial-out "
                     "are *suspended* until credits are added.", locale, balance=balance)
    else:
        state = t("active", locale)
        headline = t("Your Communications Credits balance is *{balance}*.", locale, balance=balance)
    if account.autorecharge_enabled and account.autorecharge_amount and account.autorecharge_below:
        recharge = t("add {amount} when below {below}",
                     locale, amount=money(account.autorecharge_amount),
                     below=money(account.autorecharge_below))
    else:
        recharge = t("off", locale)
    last = (f"{money(summary.last_recharge.amount)} "
            f"({format_day(summary.last_recharge.at, locale)})"
            if summary.last_recharge else t("none", locale))
    spend = (money(summary.average_daily_spend) if summary.average_daily_spend is not None
             else t("no usage yet", locale))
    run_out = run_out_text(summary, locale=locale)
    pairs = [(t("State", locale), state), (t("Auto-recharge", locale), recharge),
             (t("Last recharge", locale), last),
             (t("Average daily spend", locale), spend), (t("Forecast run-out", locale), run_out)]
    text = headline + "\n" + "\n".join(f"{label}: {value}" for label, value in pairs)
    blocks = [section(headline), fields(pairs)]
    if account.suspended:
        blocks.append(context(t("An admin can add credits with `/credits deposit <amount>`.",
                                locale)))
    return Reply(text=text, blocks=blocks)


def postpaid_reply(summary: AccountSummary, *, locale: str | None) -> Reply:
    """A post-paid (Microsoft Customer Agreement) account: what this month's calls cost so far,
    never a suspension, a run-out date or a hint to buy credits."""
    account = summary.account
    def money(value: Money) -> str:
        return value.format(locale)
    month = (format_date(summary.postpaid_month, "MMMM y", locale=normalize_locale(locale))
             if summary.postpaid_month else "")
    headline = t(":receipt: Billed post-paid (Microsoft Customer Agreement): calls are "
                 "invoiced after they are made, so no credits are needed and nothing stops at "
                 "zero. Spend this month ({month}): *{spend}*.", locale, month=month,
                 spend=money(summary.postpaid_spend or Money.zero(account.currency)))
    spend = (money(summary.average_daily_spend) if summary.average_daily_spend is not None
             else t("no usage yet", locale))
    pairs = [(t("State", locale), t("post-paid (never suspended)", locale)),
             (t("Auto-recharge", locale), t("off (not used with post-paid billing)", locale))]
    if account.balance.is_positive:  # Microsoft uses up credits bought before the switch first
        pairs.append((t("Credits left (used before invoicing)", locale), money(account.balance)))
    pairs.append((t("Average daily spend", locale), spend))
    text = headline + "\n" + "\n".join(f"{label}: {value}" for label, value in pairs)
    return Reply(text=text, blocks=[section(headline), fields(pairs)])


def run_out_text(summary: AccountSummary, *, locale: str | None) -> str:
    """When the balance runs out at the recent average daily spend, in words."""
    if summary.average_daily_spend is None:
        return t("no forecast (no spend yet)", locale)
    if not summary.account.balance.is_positive:
        return t("now: the balance is used up", locale)
    if summary.run_out is None:
        return t("not within 10 years at this rate", locale)
    if summary.days_left is None:
        return format_day(summary.run_out, locale)
    days = int(summary.days_left)
    day = format_day(summary.run_out, locale)
    if days < 1:
        return t("{date} (within a day)", locale, date=day)
    return tn("{date} (in about {count} day)", "{date} (in about {count} days)", days, locale,
              date=day, count=format_decimal(days, locale=normalize_locale(locale)))
