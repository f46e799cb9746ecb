"""An amount argument of a subcommand, read in the account's currency (DESIGN §2)."""

from __future__ import annotations

from bot.errors import InvalidAmount, Sentence, WrongCurrency
from bot.money import Money, parse_amount
from handlers.commands.base import UsageError
from handlers.i18n import N_


def read_amount(text: str, *, currency: str, locale: str | None,
                which: str | None = None) -> Money:
    """The amount typed, in `currency`; a malformed one, or one whose sign names another
    currency ("this account is in USD"), is a usage error in the user's language."""
    try:
        return parse_amount(text, currency=currency)
    except WrongCurrency as exc:
        raise UsageError.of(exc) from exc
    except InvalidAmount as exc:
        if which is None:
            raise UsageError.of(exc) from exc
        raise UsageError(N_("The {which}: {error}"), which=Sentence.of(which),
                         error=exc.text) from exc
