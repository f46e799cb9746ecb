"""An amount argument of a subcommand, read in the account's currency (DESIGN §2)."""

from __future__ import annotations

from decimal import Decimal

from bot.errors import InvalidAmount, WrongCurrency
from bot.money import parse_amount
from handlers.commands.base import UsageError
from handlers.i18n import t


def read_amount(text: str, *, currency: str, locale: str | None,
                which: str | None = None) -> Decimal:
    """The amount typed, in `currency`; a malformed one, or one whose sign names another
    currency ("this account is in USD"), is a usage error in the user's language."""
    try:
        return parse_amount(text, currency=currency)
    except WrongCurrency as exc:
        raise UsageError(t("This account is in {currency}: `{typed}` is another currency. "
                           "Write the amount in {currency}, for example `100`.",
                           locale, typed=exc.typed,
                           currency=exc.currency)) from exc
    except InvalidAmount as exc:
        raise UsageError(f"The {which}: {exc}" if which else str(exc)) from exc
