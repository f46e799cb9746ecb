"""The bot's sentences in the user's language, through gettext.

The English sentence is the message id and lives in the code, marked with `t(...)` (translate
now) or `N_(...)` (translate later, where the sentence is picked from a mapping); the German
lives in the catalog `bot/locale/de/LC_MESSAGES/messages.po`, which `scripts/extract-messages`
keeps in step with the code. The catalog is compiled with Babel when first needed rather than
shipped as a `.mo`: there is then no second, compiled copy that can fall behind the `.po`.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import cache
from importlib.resources import files
from io import BytesIO
from typing import Any

from babel.core import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

DOMAIN = "messages"
TRANSLATED = ("de",)
# What marks a sentence for `pybabel extract` (scripts/extract-messages) and for the catalog
# test: the first argument of each of these calls is a message id (`said` is `t` wrapped in a
# reply, handlers/blocks/adjust.py); `tn` marks a sentence with its plural (arguments 1 and 2).
# Babel does not look into f-strings nor into a call nested in a marked call's arguments: such
# sentences go into a variable first (the test checks that).
KEYWORDS: dict[str, Any] = {"t": None, "N_": None, "said": None, "tn": (1, 2)}


DEFAULT_LOCALE = "en_US"


def normalize_locale(locale: str | None) -> str:
    """Turn Slack's `de-DE` (or nothing) into Babel's `de_DE`."""
    if not locale:
        return DEFAULT_LOCALE
    return locale.replace("-", "_")


def language(locale: str | None) -> str:
    """The catalog for a Slack locale: "de", "de-DE", "de_AT" read German, anything else
    English."""
    first = re.split(r"[-_]", (locale or "").strip(), maxsplit=1)[0].lower()
    return first if first in TRANSLATED else "en"


def catalog_path(lang: str) -> Any:
    return files("bot") / "locale" / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(lang: str) -> NullTranslations:
    """The compiled catalog of a language (English is the message ids themselves)."""
    if lang not in TRANSLATED:
        return NullTranslations()
    with catalog_path(lang).open("rb") as source:
        catalog = read_po(source, locale=lang, domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalog)  # fuzzy entries are left out, as msgfmt does
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def N_(message: str) -> str:
    """Mark a sentence for the catalog where it is translated later, with `t`."""
    return message


def t(message: str, locale: str | None, **values: Any) -> str:
    """The sentence in the user's language (English when the catalog lacks it), filled in."""
    return translations(language(locale)).gettext(message).format(**values)


def tn(singular: str, plural: str, n: int, locale: str | None, **values: Any) -> str:
    """The sentence for `n` things in the user's language, in the plural form the catalog's
    Plural-Forms picks for `n` ("*1* lot", "*2* lots"; German "*1* Posten", "*2* Posten"),
    filled in with `values` and `count`, which is `n`."""
    text = translations(language(locale)).ngettext(singular, plural, n)
    return text.format(**{"count": n, **values})


def format_day(day: date | datetime, locale: str | None) -> str:
    """A day as the user's locale writes it: en-US `Nov 1, 2027`, de-DE `01.11.2027` (a
    datetime is read as the day it names, in its own time zone)."""
    try:
        return format_date(day, format="medium", locale=normalize_locale(locale))
    except (UnknownLocaleError, ValueError):  # a locale Babel does not know: en-US
        return format_date(day, format="medium", locale="en_US")


def format_moment(moment: datetime, locale: str | None) -> str:
    """A day and a 24-hour time as the locale writes the day: `Nov 1, 2027 14:05`,
    `01.11.2027 14:05` (the caller says which time zone)."""
    return f"{format_day(moment, locale)} {moment:%H:%M}"


def language_name(tag: str, locale: str | None) -> str:
    """The name of a locale's language in the user's language: `de-DE` is "German" in
    English and "Deutsch" in German."""
    try:
        name = Locale.parse(normalize_locale(tag)).get_language_name(normalize_locale(locale))
    except (UnknownLocaleError, ValueError):
        return tag
    return name or tag
