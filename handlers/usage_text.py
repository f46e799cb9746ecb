"""What the usage answers say (rates, usage, exports, reports, imports), in English and German,
with the formatting they share: exact prices, counts, minutes and period labels in a locale."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal

from bot.money import format_money, normalize_locale
from bot.usage.periods import Period
from handlers.i18n import language, t


def price(amount: Decimal, currency: str, locale: str | None) -> str:
    """A price with every decimal it has (rates have 4, or 6): `$0.022`, `0,022 $`."""
    return format_currency(amount.normalize(), currency, locale=normalize_locale(locale),
                           decimal_quantization=False)


def money_exact(amount: Decimal, currency: str, locale: str | None) -> str:
    """Money in cents, with the exact amount beside it where cents would hide fractions."""
    shown = format_money(amount, currency, locale)
    exact = price(amount, currency, locale)
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


_PHRASES = {
    "this-month": {"en": "this month", "de": "diesen Monat"},
    "last-month": {"en": "last month", "de": "letzten Monat"},
}


def period_phrase(period: Period, locale: str | None) -> str:
    """The period as it fits in a sentence: `this month`, `in den letzten 7 Tagen`."""
    lang = language(locale)
    word = period.text.lower()
    if word in _PHRASES:
        return _PHRASES[word][lang]
    if word.startswith("last-") and word.endswith(("-days", "-day")):
        count = (period.last_day - period.first_day).days + 1
        if lang == "de":
            return "heute" if count == 1 else f"in den letzten {count} Tagen"
        return "today" if count == 1 else f"in the last {count} days"
    if re.fullmatch(r"\d{4}-\d{2}", word):  # a calendar month: "in October 2026"
        month = format_date(period.first_day, format="MMMM y", locale=normalize_locale(locale))
        return t("in {month}", locale, month=month)
    return f"im Zeitraum {period_label(period, locale)}" if lang == "de" \
        else f"in {period_label(period, locale)}"
