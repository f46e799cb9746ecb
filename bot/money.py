"""Money as exact values: `Money` (an amount with its currency), parsing what people type,
rounding and formatting.

Floats never enter. Amounts are rounded half-up to cents only at the edges (display, and money
that changes hands); internally they keep the micro-unit precision of the ledger.

Above `storage/` an amount travels as a `Money`: the currency cannot get lost or be paired with
the wrong amount, and adding dollars to euros is an error, not a number. Integer micro-units are
the database's representation; `Money.from_micros` and `Money.micros` are the only crossings,
used where rows are read and written (and in the importer's and rater's vectorised columns,
which stay integers for speed).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel.numbers import format_currency, get_currency_precision

from bot.errors import InvalidAmount, WrongCurrency
from bot.i18n import N_, normalize_locale
from storage.units import from_micros, to_micros

CENT = Decimal("0.01")
MICRO = Decimal("0.000001")
# No organisation deposits a trillion of anything: larger numbers are typos or attacks.
ABSURD = Decimal("1000000000")
DEFAULT_CURRENCY = "USD"

# Digits with optional thousands separators (groups of three) or none, then at most a fraction.
_NUMBER = re.compile(r"^(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$", re.ASCII)
# The currencies each sign can name. A sign is a claim about the currency: `€100` on a USD
# account is not $100, so a sign that cannot name the account's currency is refused.
_SIGN_CURRENCIES: dict[str, frozenset[str]] = {
    "$": frozenset({"USD", "CAD", "AUD", "NZD", "SGD", "HKD", "MXN", "TWD", "BRL", "CLP",
                    "COP", "ARS"}),
    "€": frozenset({"EUR"}),
    "£": frozenset({"GBP"}),
    "¥": frozenset({"JPY", "CNY"}),
    "₹": frozenset({"INR"}),
}
_CURRENCY_SIGNS = "".join(_SIGN_CURRENCIES)
_MAX_TEXT = 40


def parse_amount(text: str, *, currency: str, max_decimals: int = 2) -> Money:
    """Parse a positive amount of money in `currency` as a user types it: `1000`, `1,000`,
    `$1,000.00`, `100€`; WrongCurrency when its sign names another currency."""
    raw = (text or "").strip()
    if not raw:
        raise InvalidAmount(N_("Give an amount, for example `1000` or `$1,000.00`."))
    if len(raw) > _MAX_TEXT:
        raise InvalidAmount(N_("That amount is too long to be money."))
    body = raw
    if body[0] in "-−":
        raise InvalidAmount(N_("An amount cannot be negative."))
    sign = body[0] if body[0] in _CURRENCY_SIGNS else body[-1]
    if sign in _CURRENCY_SIGNS:
        body = (body[1:] if body[0] == sign else body[:-1]).strip()
        if currency.upper() not in _SIGN_CURRENCIES[sign]:
            raise WrongCurrency(typed=_shorten(raw), currency=currency.upper())
    if body[:1] in ("-", "−"):
        raise InvalidAmount(N_("An amount cannot be negative."))
    if not _NUMBER.match(body):
        raise InvalidAmount(
            N_("`{typed}` is not an amount. Write it like `1000`, `1,000` or `$1,000.00`."),
            typed=_shorten(raw))
    try:
        value = Decimal(body.replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
        raise InvalidAmount(N_("`{typed}` is not an amount."), typed=_shorten(raw)) from None
    if "." in body and len(body.split(".", 1)[1]) > max_decimals:
        raise InvalidAmount(N_("Use at most {decimals} decimals for money."), decimals=max_decimals)
    if value == 0:
        raise InvalidAmount(N_("An amount must be more than zero."))
    if value >= ABSURD:
        raise InvalidAmount(N_("That amount is too large."))
    return Money(value, currency)


def _shorten(text: str) -> str:
    clean = text.replace("`", "'")
    return clean if len(clean) <= 20 else clean[:19] + "…"


def round_cents(amount: Decimal) -> Decimal:
    """Round half-up to cents: for display and for money that changes hands."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


class CurrencyMismatch(TypeError):
    """Two amounts of different currencies were combined: a programming error, never input."""


@dataclass(frozen=True, slots=True)
class Money:
    """An exact amount in one currency. Immutable; arithmetic keeps the currency and refuses to
    mix two. Comparing with `==` compares amount and currency (`$1.0 == $1.00`)."""

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal):
            # A float would carry binary noise into the ledger; an int is accepted as exact.
            if isinstance(self.amount, bool) or not isinstance(self.amount, int):
                raise TypeError(f"money is a Decimal, not {type(self.amount).__name__}")
            object.__setattr__(self, "amount", Decimal(self.amount))
        if not self.amount.is_finite():
            raise ValueError("money is a finite amount")
        code = self.currency.upper()
        if len(code) != 3 or not code.isalpha():
            raise ValueError(f"not a currency code: {self.currency!r}")
        object.__setattr__(self, "currency", code)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(Decimal(0), currency)

    @classmethod
    def from_micros(cls, micros: int, currency: str) -> Money:
        """The money a database row holds as integer micro-units."""
        return cls(from_micros(micros), currency)

    @classmethod
    def total(cls, amounts: Iterable[Money], currency: str) -> Money:
        """The sum of `amounts` (zero when there are none), all in `currency`."""
        result = cls.zero(currency)
        for amount in amounts:
            result = result + amount
        return result

    @property
    def micros(self) -> int:
        """The amount as the database stores it; finer fractions are rounded half-up."""
        return to_micros(self.amount)

    @property
    def is_zero(self) -> bool:
        return self.amount == 0

    @property
    def is_positive(self) -> bool:
        return self.amount > 0

    @property
    def is_negative(self) -> bool:
        return self.amount < 0

    def __bool__(self) -> bool:
        # Like every number: no money is falsy (`if account.autorecharge_amount:`).
        return self.amount != 0

    def rounded(self) -> Money:
        """Rounded half-up to cents: what changes hands."""
        return Money(round_cents(self.amount), self.currency)

    def format(self, locale: str | None = None) -> str:
        """For people: en-US `$1,000.00`, de-DE `1.000,00 $`."""
        return format_money(self, locale)

    def in_currency(self, currency: str, *, use: str = "for") -> Money:
        """This money, refused (CurrencyMismatch: "EUR {use} an account in USD") unless it is
        in `currency`: dollars handed to a euro account are a programming error, never a
        conversion."""
        if self.currency != currency.upper():
            raise CurrencyMismatch(f"{self.currency} {use} an account in {currency.upper()}")
        return self

    def _same(self, other: Money) -> Money:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine money with {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyMismatch(f"{self.currency} and {other.currency} do not add up")
        return other

    def __add__(self, other: Money) -> Money:
        return Money(self.amount + self._same(other).amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        return Money(self.amount - self._same(other).amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __abs__(self) -> Money:
        return Money(abs(self.amount), self.currency)

    def __mul__(self, factor: Decimal | int) -> Money:
        if isinstance(factor, bool) or not isinstance(factor, Decimal | int):
            raise TypeError(f"money is multiplied by a Decimal or an int, not "
                            f"{type(factor).__name__}")
        return Money(self.amount * factor, self.currency)

    __rmul__ = __mul__

    def __truediv__(self, other: Money) -> Decimal:
        """How many times `other` goes into this (same currency): days of spend, say."""
        return self.amount / self._same(other).amount

    def __lt__(self, other: Money) -> bool:
        return self.amount < self._same(other).amount

    def __le__(self, other: Money) -> bool:
        return self.amount <= self._same(other).amount

    def __gt__(self, other: Money) -> bool:
        return self.amount > self._same(other).amount

    def __ge__(self, other: Money) -> bool:
        return self.amount >= self._same(other).amount

    def __str__(self) -> str:
        """For logs and repr-like uses: `10.50 USD` (people read `.format(locale)`)."""
        return f"{self.amount} {self.currency}"

    def __format__(self, spec: str) -> str:
        # An f-string or a sentence's `{amount}` with a Money in it is a slip: it would write
        # `450 USD` into a button value or a reply. Say so instead of writing it.
        raise TypeError("write money with .format(locale) for people, str(money) for logs, or "
                        "its .amount for machines; not by formatting it")


def format_money(money: Money, locale: str | None = None) -> str:
    """Format money for people: en-US `$1,000.00`, de-DE `1.000,00 $`."""
    # Round half-up ourselves first, to the currency's own digits (cents for most, none for
    # JPY, three for KWD): Babel would round half-even.
    unit = Decimal(1).scaleb(-get_currency_precision(money.currency))
    rounded = money.amount.quantize(unit, rounding=ROUND_HALF_UP)
    return format_currency(rounded, money.currency, locale=normalize_locale(locale))


