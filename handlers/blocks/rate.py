"""Blocks of a rate quote: per-minute rate, connection fee and billing increments per
destination, labelled when the prices are the bundled samples."""

from __future__ import annotations

from collections.abc import Sequence

import phonenumbers
from babel.dates import format_date
from phonenumbers import NumberParseException, PhoneNumberFormat

from bot.i18n import normalize_locale
from bot.numbers.countries import country_name
from bot.numbers.number_types import PREMIUM, kind_in_words
from bot.rates.deck import PREMIUM_NOTE, TOLLFREE_INBOUND, TYPE_RULE, RateQuote, RateRow
from handlers.blocks.common import context, header, section
from handlers.i18n import language, t
from handlers.reply import Reply
from handlers.usage_text import price

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
    return "• " + t("*{destination}* ({prefixes}): *{rate}* per minute, connection fee {fee}, "
                    "billed {initial} s first, then every {recurring} s",
                    locale, destination=row.destination, prefixes=shown,
                    rate=price(row.per_minute, locale), fee=price(row.fee, locale),
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


def rule_notes(quote: RateQuote, *, locale: str | None) -> list[str]:
    """Which rule priced a number (its prefix, or its number type), and a premium's caveat."""
    if quote.kind != "number":
        return []
    lang = language(locale)
    row = quote.main
    notes = []
    if quote.rule == TYPE_RULE and quote.number_kind:
        country = country_name(quote.region, locale) if quote.region else row.destination
        notes.append(t("By phonenumbers' metadata this is a {kind} number: priced by "
                       "{country}'s {kind} rate ({prefix}).",
                       locale, kind=kind_in_words(quote.number_kind, lang),
                       country=country, prefix=row.display_prefix))
        if quote.passed is not None:
            notes.append(t("Not by {destination} ({prefix}, {kind}): that row is for another "
                           "type.", locale, destination=quote.passed.destination,
                           prefix=quote.passed.display_prefix,
                           kind=kind_in_words(quote.passed.kind, lang)))
    else:
        notes.append(t("Priced by the deck's row for {prefix} ({kind}), the number's longest "
                       "prefix with a rate.", locale, prefix=row.display_prefix,
                       kind=kind_in_words(row.kind, lang)))
    if row.kind == PREMIUM:
        notes.append(t(PREMIUM_NOTE, locale))
    return notes


def rate_reply(quote: RateQuote, *, source: str, locale: str | None) -> Reply:
    """`/credits rate …` and the DM rate question: the quote's rates, sample prices flagged."""
    place = place_of(quote, locale)
    currency = quote.main.currency
    if quote.main.direction == TOLLFREE_INBOUND:
        intro = t("Calls to your toll-free numbers in {place}, paid from the credits, in "
                  "{currency}:", locale, place=place, currency=currency)
    else:
        intro = t("Calls you make to {place}, in {currency}:", locale, place=place,
                  currency=currency)
    place = quote.place(locale) if quote.kind == "tollfree" else place
    lines = [rate_line(row, prefixes, locale=locale) for row, prefixes in grouped(quote.rates)]
    title = t("Rates for {place}", locale, place=place)
    notes = [*rule_notes(quote, locale=locale),
             t("Rate deck {source}, prices in force on {day}.", locale, source=source or "?",
               day=format_date(quote.on, format="medium", locale=normalize_locale(locale)))]
    if quote.sample:
        notes.insert(0, t(":warning: These are SAMPLE prices from the bundled rate deck, not "
                          "your carrier's. An operator loads the real deck with `credits-bot "
                          "rates load FILE`.", locale))
    body = "\n".join([intro, *lines])
    blocks = [header(title), section(body), *(context(note) for note in notes)]
    return Reply(text="\n".join([title, body, *notes]), blocks=blocks)
