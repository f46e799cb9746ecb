"""Domain errors: each says, in words an admin can act on, what went wrong."""

from collections.abc import Mapping


class CreditsError(Exception):
    """Base of every error the bot explains to its user instead of apologising for.

    `texts` may carry the sentence in other languages ("de": …); the message is the English.
    """

    def __init__(self, *args: object, texts: Mapping[str, str] | None = None) -> None:
        super().__init__(*args)
        self.texts = dict(texts or {})

    def text_in(self, language: str) -> str:
        """The sentence in `language` when the error carries it, else the English one."""
        return self.texts.get(language, str(self))


class InvalidAmount(CreditsError):
    """An amount a user typed cannot be money."""


class WrongCurrency(InvalidAmount):
    """An amount whose currency sign names another currency than the account's."""

    def __init__(self, *, typed: str, currency: str) -> None:
        super().__init__(f"This account is in {currency}: `{typed}` is another currency. "
                         f"Write the amount in {currency}, for example `100`.")
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
    """The payment gateway refused or could not complete a payment."""

    def __init__(self, reason: str, *, code: str = "failed") -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


class InvalidNumber(CreditsError):
    """A phone number cannot be read, or is impossible for its country."""


class UnknownDestination(CreditsError):
    """A rate question names neither a phone number nor a country we know."""


class NoRate(CreditsError):
    """The rate deck has no rate for a destination."""


class InvalidRateDeck(CreditsError):
    """A rate deck file has bad rows; it is refused whole."""

    def __init__(self, message: str, errors: tuple[object, ...] = ()) -> None:
        super().__init__(message)
        self.errors = errors


class InvalidPeriod(CreditsError):
    """A report period cannot be read."""
