"""The commands' side of the translations: the user's language for a Slack locale, a sentence
in it (`bot.i18n`, gettext catalogs), and the sentence a domain error carries."""

from __future__ import annotations

from bot.errors import CreditsError
from bot.i18n import N_, language, t

__all__ = ["N_", "error_text", "language", "t"]



def error_text(error: CreditsError, locale: str | None) -> str:
    """A domain error's sentence in the user's language, where the error carries one."""
    return error.text_in(language(locale))

