"""Blocks of a rate quote: per-minute rate, connection fee and billing increments per
destination, labelled when the prices are the bundled samples."""

from __future__ import annotations

from collections.abc import Sequence

import phonenumbers
from babel.dates import format_date
from phonenumbers import NumberParseException, PhoneNumberFormat

from bot.countries import country_name
from bot.money import normalize_locale
from bot.rates import TOLLFREE_INBOUND, RateQuote, RateRow
from handlers.blocks.common import context, header, section
from handlers.reply import Reply
from handlers.usage_text import price, say

MAX_PREFIXES = 4


def grouped(rows: Sequence[RateRow]) -> list[tuple[RateRow, list[str]]]:
    """Rates that differ only by prefix, once each with their prefixes (toll-free US has 7)."""
    groups: dict[tuple[object, ...], tuple[RateRow, list[str]]] = {}
    for row in rows:
        key = (row.destination, row.number_type, row.rate_per_min, row.connection_fee,
               row.initial_increment, row.recurring_increment, row.currency)
        groups.setdefault(key, (row, []))[1].append(row.display_prefix)
    return list(groups.values())


def rate_line(row: RateRow, prefixes: Sequence[str], *, locale: str | None) -> str:
    shown = ", ".join(prefixes[:MAX_PREFIXES]) + ("…" if len(prefixes) > MAX_PREFIXES else "")
    return "• " + say("rate_line", locale, destination=row.destination, prefixes=shown,
                      rate=price(row.rate_per_min, row.currency, locale),
                      fee=price(row.connection_fee, row.currency, locale),
                      initial=row.initial_increment, recurring=row.recurring_increment)


def display_number(e164: str) -> str:
    """`+44 20 7946 0000` for `+442079460000`; masked or unreadable numbers as they are."""
    if "*" in e164:
        return e164
    try:
        return phonenumbers.format_number(phonenumbers.parse(e164, None),
                                          PhoneNumberFormat.INTERNATIONAL)
    except NumberParseException:
        return e164


def place_of(quote: RateQuote, locale: str | None) -> str:
    """What was asked about: `+44 20 7946 0000 (United Kingdom)`, `Germany`, `Japan`."""
    if quote.kind == "number" and quote.number:
        country = country_name(quote.region, locale) if quote.region else None
        number = display_number(quote.number)
        return f"{number} ({country})" if country and country != quote.region else number
    return country_name(quote.region, locale) if quote.region else quote.main.destination


def rate_reply(quote: RateQuote, *, source: str, locale: str | None) -> Reply:
    """`/credits rate …` and the DM rate question: the quote's rates, sample prices flagged."""
    place = place_of(quote, locale)
    currency = quote.main.currency
    intro = say("rate_tollfree" if quote.main.direction == TOLLFREE_INBOUND else "rate_outbound",
                locale, place=place, currency=currency)
    place = quote.place(locale) if quote.kind == "tollfree" else place
    lines = [rate_line(row, prefixes, locale=locale) for row, prefixes in grouped(quote.rates)]
    title = say("rate_title", locale, place=place)
    notes = [say("rate_source", locale, source=source or "?",
                 day=format_date(quote.on, format="medium", locale=normalize_locale(locale)))]
    if quote.sample:
        notes.insert(0, say("rate_sample", locale))
    body = "\n".join([intro, *lines])
    blocks = [header(title), section(body), *(context(note) for note in notes)]
    return Reply(text="\n".join([title, body, *notes]), blocks=blocks)
