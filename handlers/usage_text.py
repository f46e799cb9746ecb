"""What the usage answers say (rates, usage, exports, reports, imports), in English and German,
with the formatting they share: exact prices, counts, minutes and period labels in a locale."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal

from bot.i18n import normalize_locale
from bot.money import Money
from bot.usage.periods import Period
from handlers.i18n import N_, language, t


def price(amount: Money, locale: str | None) -> str:
    """A price with every decimal it has (rates have 4, or 6): `$0.022`, `0,022 $`."""
    return format_currency(amount.amount.normalize(), amount.currency,
                           locale=normalize_locale(locale), decimal_quantization=False)


def money_exact(amount: Money, locale: str | None) -> str:
    """Money in cents, with the exact amount beside it where cents would hide fractions."""
    shown = amount.format(locale)
    exact = price(amount, locale)
    return shown if exact == shown else f"{shown} ({exact})"


def number(value: int | Decimal, locale: str | None) -> str:
    """A count or an amount of minutes, grouped as the locale writes numbers."""
    return format_decimal(value, locale=normalize_locale(locale), decimal_quantization=False)


def calls(count: int, locale: str | None) -> str:
    """`1 call`, `12 calls` (German: `1 Anruf`, `12 Anrufe`)."""
    if count == 1:
        return t("1 call", locale)
    return t("{count} calls", locale, count=number(count, locale))


def entries(count: int, locale: str | None) -> str:
    """`1 ledger entry`, `3 ledger entries` (German: `1 Buchung`, `3 Buchungen`)."""
    if count == 1:
        return t("1 ledger entry", locale)
    return t("{count} ledger entries", locale, count=number(count, locale))


def period_label(period: Period, locale: str | None) -> str:
    """The period in words: its own label in English, its dates in German."""
    if language(locale) == "en":
        return period.label
    return _dates(period.first_day, period.last_day, locale)


def _dates(first: date, last: date, locale: str | None) -> str:
    loc = normalize_locale(locale)
    if first == last:
        return format_date(first, format="medium", locale=loc)
    return (f"{format_date(first, format='medium', locale=loc)} – "
            f"{format_date(last, format='medium', locale=loc)}")


_PHRASES = {"this-month": N_("this month"), "last-month": N_("last month")}


def period_phrase(period: Period, locale: str | None) -> str:
    """The period as it fits in a sentence: `this month`, `in den letzten 7 Tagen`."""
    word = period.text.lower()
    if word in _PHRASES:
        return t(_PHRASES[word], locale)
    if word.startswith("last-") and word.endswith(("-days", "-day")):
        count = (period.last_day - period.first_day).days + 1
        if count == 1:
            return t("today", locale)
        return t("in the last {count} days", locale, count=count)
    if re.fullmatch(r"\d{4}-\d{2}", word):  # a calendar month: "in October 2026"
        month = format_date(period.first_day, format="MMMM y", locale=normalize_locale(locale))
        return t("in {month}", locale, month=month)
    return t("in {period}", locale, period=period_label(period, locale))
