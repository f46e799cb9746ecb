"""The commands' side of the translations: the user's language for a Slack locale, a sentence
in it (`bot.i18n`, gettext catalogs), and the sentence a domain error carries."""

from __future__ import annotations

from bot.errors import CreditsError, fill
from bot.i18n import N_, format_day, format_moment, language, language_name, t, tn

__all__ = ["N_", "error_text", "format_day", "format_moment", "language", "language_name",
           "reason_text", "t", "tn"]


def error_text(error: CreditsError, locale: str | None) -> str:
    """A domain error's sentence in the user's language (its marked sentence, filled)."""
    return error.text(locale)



def reason_text(reason: str, locale: str | None) -> str:
    """A stored sentence (a payment's refusal reason, kept in English) in the user's language
    where the catalog knows it (the sentences marked with `N_`), else as it was stored."""
    return fill(reason, locale, {})
