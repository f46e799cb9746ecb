"""Domain errors: each says, in words an admin can act on, what went wrong.

An error carries its sentence as a message id, marked with `N_` where it is raised, and the
values that fill it; the reader's language is chosen where it is shown (`text(locale)`, through
the gettext catalog), and `str(error)` is the English, for logs and the audit trail:

    raise InvalidAmount(N_("`{typed}` is not an amount."), typed=text)

A value is shown as it is, or, when it is itself a sentence (a `Sentence`, another error's
`text`, any callable of the locale), read in the same language.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.i18n import N_, language, t, translations

Locale = str | None


def fill(message: str, locale: Locale, values: dict[str, Any]) -> str:
    """`message` in the language of `locale`, filled with `values`, sentences read alike."""
    if not message:  # gettext("") is the catalog's header
        return message
    if not values:  # nothing to fill: a brace in the sentence is text, not a placeholder
        return translations(language(locale)).gettext(message)
    return t(message, locale, **{name: value(locale) if callable(value) else value
                                 for name, value in values.items()})


@dataclass(frozen=True)
class Sentence:
    """A marked sentence (`N_`) with its values, read later in the reader's language."""

    message: str
    values: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, message: str, **values: Any) -> Sentence:
        return cls(message, values)

    def __call__(self, locale: Locale) -> str:
        return fill(self.message, locale, self.values)

    def __str__(self) -> str:
        return self(None)


class CreditsError(Exception):
    """Base of every error the bot explains to its user instead of apologising for."""

    def __init__(self, message: str = "", /, **values: Any) -> None:
        self.message = message
        self.values = values
        super().__init__(self.text(None))

    def text(self, locale: Locale) -> str:
        """The sentence in the language of `locale` (English for None)."""
        return fill(self.message, locale, self.values)


class InvalidAmount(CreditsError):
    """An amount a user typed cannot be money."""


class WrongCurrency(InvalidAmount):
    """An amount whose currency sign names another currency than the account's."""

    def __init__(self, *, typed: str, currency: str) -> None:
        super().__init__(N_("This account is in {currency}: `{typed}` is another currency. "
                            "Write the amount in {currency}, for example `100`."),
                         typed=typed, currency=currency)
        self.typed = typed
        self.currency = currency


class InsufficientRights(CreditsError):
    """The user may not run an admin subcommand."""


class PurchaseNotAllowed(CreditsError):
    """The account may not buy credits (region, billing type, bounds, no payment method)."""


class AccountNotFound(CreditsError):
    """No account exists for the team."""


class IdempotencyConflict(CreditsError):
    """An idempotency key was reused for a different money change."""


class PaymentFailed(CreditsError):
    """The payment gateway refused or could not complete a payment.

    `reason` is the gateway's sentence as it is stored (English); where it is one the catalog
    knows (the simulation's, marked with `N_`), a German reader reads it in German."""

    def __init__(self, reason: str, *, code: str = "failed", **values: Any) -> None:
        super().__init__(reason, **values)
        self.reason = str(self)
        self.code = code


class InvalidNumber(CreditsError):
    """A phone number cannot be read, or is impossible for its country."""


class UnknownDestination(CreditsError):
    """A rate question names neither a phone number nor a country we know."""


class NoRate(CreditsError):
    """The rate deck has no rate for a destination."""


class InvalidRateDeck(CreditsError):
    """A rate deck file has bad rows; it is refused whole."""

    def __init__(self, message: str, errors: tuple[object, ...] = (), **values: Any) -> None:
        super().__init__(message, **values)
        self.errors = errors


class InvalidPeriod(CreditsError):
    """A report period cannot be read."""
