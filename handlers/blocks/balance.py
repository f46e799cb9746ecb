"""Blocks of the balance answer."""

from __future__ import annotations

from decimal import Decimal

from babel.dates import format_date

from bot.money import format_money, normalize_locale
from bot.summary import AccountSummary
from handlers.blocks.common import context, fields, section
from handlers.i18n import t
from handlers.reply import Reply


def balance_reply(summary: AccountSummary, *, locale: str | None) -> Reply:
    if summary.account.postpaid:
        return postpaid_reply(summary, locale=locale)
    account = summary.account
    money = lambda amount: format_money(amount, account.currency, locale)  # noqa: E731
    balance = money(account.balance)
    if account.suspended:
        state = t("state_suspended", locale)
        headline = t("balance_suspended", locale, balance=balance)
    else:
        state = t("state_active", locale)
        headline = t("balance_is", locale, balance=balance)
    if account.autorecharge_enabled and account.autorecharge_amount and account.autorecharge_below:
        recharge = t("autorecharge_on", locale, amount=money(account.autorecharge_amount),
                     below=money(account.autorecharge_below))
    else:
        recharge = t("autorecharge_off", locale)
    last = (f"{money(summary.last_recharge.amount)} ({summary.last_recharge.at:%Y-%m-%d})"
            if summary.last_recharge else t("none", locale))
    spend = (money(summary.average_daily_spend) if summary.average_daily_spend is not None
             else t("no_data", locale))
    run_out = run_out_text(summary, locale=locale)
    pairs = [(t("label_state", locale), state), (t("label_autorecharge", locale), recharge),
             (t("label_last_recharge", locale), last),
             (t("label_daily_spend", locale), spend), (t("label_run_out", locale), run_out)]
    text = headline + "\n" + "\n".join(f"{label}: {value}" for label, value in pairs)
    blocks = [section(headline), fields(pairs)]
    if account.suspended:
        blocks.append(context(t("suspended_hint", locale)))
    return Reply(text=text, blocks=blocks)


def postpaid_reply(summary: AccountSummary, *, locale: str | None) -> Reply:
    """A post-paid (Microsoft Customer Agreement) account: what this month's calls cost so far,
    never a suspension, a run-out date or a hint to buy credits."""
    account = summary.account
    money = lambda amount: format_money(amount, account.currency, locale)  # noqa: E731
    month = (format_date(summary.postpaid_month, "MMMM y", locale=normalize_locale(locale))
             if summary.postpaid_month else "")
    headline = t("balance_postpaid", locale, month=month,
                 spend=money(summary.postpaid_spend or Decimal(0)))
    spend = (money(summary.average_daily_spend) if summary.average_daily_spend is not None
             else t("no_data", locale))
    pairs = [(t("label_state", locale), t("state_postpaid", locale)),
             (t("label_autorecharge", locale), t("autorecharge_postpaid", locale))]
    if account.balance > 0:  # Microsoft uses up credits bought before the switch first
        pairs.append((t("label_credits_left", locale), money(account.balance)))
    pairs.append((t("label_daily_spend", locale), spend))
    text = headline + "\n" + "\n".join(f"{label}: {value}" for label, value in pairs)
    return Reply(text=text, blocks=[section(headline), fields(pairs)])


def run_out_text(summary: AccountSummary, *, locale: str | None) -> str:
    """When the balance runs out at the recent average daily spend, in words."""
    if summary.average_daily_spend is None:
        return t("no_forecast", locale)
    if summary.account.balance <= 0:
        return t("run_out_now", locale)
    if summary.run_out is None:
        return t("run_out_far", locale)
    if summary.days_left is None:
        return summary.run_out.isoformat()
    days = int(summary.days_left)
    if days < 1:
        return t("run_out_within_day", locale, date=summary.run_out.isoformat())
    return t("run_out_on", locale, date=summary.run_out.isoformat(), days=f"{days:,}")
