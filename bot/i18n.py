"""The bot's sentences in the user's language, through gettext.

The English sentence is the message id and lives in the code, marked with `t(...)` (translate
now) or `N_(...)` (translate later, where the sentence is picked from a mapping); the German
lives in the catalog `bot/locale/de/LC_MESSAGES/messages.po`, which `scripts/extract-messages`
keeps in step with the code. The catalog is compiled with Babel when first needed rather than
shipped as a `.mo`: there is then no second, compiled copy that can fall behind the `.po`.
"""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import files
from io import BytesIO
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

DOMAIN = "messages"
TRANSLATED = ("de",)
# What marks a sentence for `pybabel extract` (scripts/extract-messages) and for the catalog
# test: the first argument of each of these calls is a message id (`said` is `t` wrapped in a
# reply, handlers/blocks/adjust.py). Babel does not look into f-strings nor into a call nested in
# a marked call's arguments: such sentences go into a variable first (the test checks that).
KEYWORDS: dict[str, Any] = {"t": None, "N_": None, "said": None}


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
