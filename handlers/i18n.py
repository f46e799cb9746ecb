"""The commands' side of the translations: the user's language for a Slack locale, a sentence
in it (`bot.i18n`, gettext catalogs), and the sentence a domain error carries."""

from __future__ import annotations

from bot.errors import CreditsError
from bot.i18n import N_, format_day, format_moment, language, language_name, t, tn

__all__ = ["N_", "error_text", "format_day", "format_moment", "language", "language_name", "t",
           "tn"]



def error_text(error: CreditsError, locale: str | None) -> str:
    """A domain error's sentence in the user's language, where the error carries one."""
    return error.text_in(language(locale))

