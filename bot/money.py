"""Money as exact `Decimal` values: parsing what people type, rounding and formatting.

Floats never enter. Amounts are rounded half-up to cents only at the edges (display, and money
that changes hands); internally they keep the micro-unit precision of the ledger.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel.numbers import format_currency, get_currency_precision

from bot.errors import InvalidAmount, WrongCurrency
from bot.i18n import N_, normalize_locale

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


def parse_amount(text: str, *, currency: str, max_decimals: int = 2) -> Decimal:
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
    return value


def _shorten(text: str) -> str:
    clean = text.replace("`", "'")
    return clean if len(clean) <= 20 else clean[:19] + "…"


def round_cents(amount: Decimal) -> Decimal:
    """Round half-up to cents: for display and for money that changes hands."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def format_money(amount: Decimal, currency: str = DEFAULT_CURRENCY,
                 locale: str | None = None) -> str:
    """Format an amount for people: en-US `$1,000.00`, de-DE `1.000,00 $`."""
    # Round half-up ourselves first, to the currency's own digits (cents for most, none for
    # JPY, three for KWD): Babel would round half-even.
    unit = Decimal(1).scaleb(-get_currency_precision(currency))
    rounded = amount.quantize(unit, rounding=ROUND_HALF_UP)
    return format_currency(rounded, currency, locale=normalize_locale(locale))


