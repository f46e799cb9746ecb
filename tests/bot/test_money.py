"""Money as people type it and as they read it: exact parsing, half-up rounding, formatting."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.errors import InvalidAmount
from bot.i18n import normalize_locale
from bot.money import (
    CurrencyMismatch,
    Money,
    format_money,
    parse_amount,
    round_cents,
)
from storage.units import MICROS_PER_UNIT, from_micros, to_micros

GOOD = [
    ("1000", Decimal("1000")),
    ("1,000", Decimal("1000")),
    ("$1,000.00", Decimal("1000.00")),
    ("1000.5", Decimal("1000.5")),
    (" 50 ", Decimal("50")),
    ("$ 75", Decimal("75")),
    ("1,234,567.89", Decimal("1234567.89")),
    ("0.01", Decimal("0.01")),
    ("999,999,999.99", Decimal("999999999.99")),
]


@pytest.mark.parametrize(("text", "expected"), GOOD)
def test_parse_amount_accepts_what_people_type(text, expected):
    money = parse_amount(text, currency="USD")
    assert money.currency == "USD"
    value = money.amount
    assert value == expected
    # Exact, not merely equal: the digits typed are the digits kept.
    assert value.as_tuple() == expected.as_tuple()


# Each bad input with words its message must contain, so the user learns what to fix.
USAGE = "`$1,000.00`"  # malformed input is answered with an example of the right form
BAD = [
    ("-5", "negative"),
    ("\u22125", "negative"),  # the Unicode minus sign
    ("$-5", "negative"),
    ("$ -5", "negative"),
    ("0", "more than zero"),
    ("0.00", "more than zero"),
    ("$0", "more than zero"),
    ("NaN", USAGE),
    ("nan", USAGE),
    ("inf", USAGE),
    ("Infinity", USAGE),
    ("-Infinity", "negative"),
    ("1e3", USAGE),
    ("1E3", USAGE),
    ("1,00", USAGE),
    ("10,00,000", USAGE),
    ("1000,000", USAGE),
    ("1.234", "at most 2 decimals"),
    ("0.001", "at most 2 decimals"),
    ("1000000000", "too large"),
    ("1,000,000,000", "too large"),
    ("99999999999999", "too large"),
    ("", USAGE),
    ("   ", USAGE),
    ("abc", USAGE),
    ("12abc", USAGE),
    ("1..2", USAGE),
    ("0x10", USAGE),
    ("1.", USAGE),
    ("$$5", USAGE),
    ("1 000", USAGE),
    ("1" * 41, "too long"),
    ("9" * 400, "too long"),
]


@pytest.mark.parametrize(("text", "hint"), BAD)
def test_parse_amount_refuses_with_a_clear_message(text, hint):
    with pytest.raises(InvalidAmount) as caught:
        parse_amount(text, currency="USD")
    assert hint in str(caught.value)


def test_malformed_amount_message_shows_the_input_and_the_usage():
    with pytest.raises(InvalidAmount) as caught:
        parse_amount("12abc", currency="USD")
    message = str(caught.value)
    assert "12abc" in message
    assert "`1,000`" in message and "`$1,000.00`" in message


def test_malformed_amount_message_quotes_long_input_shortened():
    text = "x" * 39
    with pytest.raises(InvalidAmount) as caught:
        parse_amount(text, currency="USD")
    assert "x" * 19 + "…" in str(caught.value)
    assert "x" * 20 not in str(caught.value)


def test_none_is_treated_as_no_amount():
    with pytest.raises(InvalidAmount, match="Give an amount"):
        parse_amount(None, currency="USD")  # type: ignore[arg-type]


def test_max_decimals_can_be_widened_for_prices():
    assert parse_amount("0.0125", max_decimals=4, currency="USD").amount == Decimal("0.0125")
    with pytest.raises(InvalidAmount, match="at most 4 decimals"):
        parse_amount("0.00125", max_decimals=4, currency="USD")


def _check_accepted(value: Decimal) -> None:
    assert isinstance(value, Decimal)
    assert value.is_finite()
    assert Decimal(0) < value < Decimal("1e9")
    assert value.as_tuple().exponent >= -2  # type: ignore[operator]


@given(st.text())
def test_parse_amount_never_raises_anything_else_on_any_text(text):
    try:
        value = parse_amount(text, currency="USD").amount
    except InvalidAmount:
        return
    _check_accepted(value)


@given(st.text(alphabet="0123456789,.$-eE+ naif", max_size=30))
def test_parse_amount_on_number_like_text_yields_only_sane_money(text):
    try:
        value = parse_amount(text, currency="USD").amount
    except InvalidAmount:
        return
    _check_accepted(value)
    # What was accepted reads back the same once the sign and separators are dropped.
    assert Decimal(text.strip().strip("$").strip().replace(",", "")) == value


@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999999999.99"), places=2))
def test_every_cent_amount_formatted_en_us_parses_back(amount):
    assert parse_amount(Money(amount, "USD").format(), currency="USD") == Money(amount, "USD")


# --- rounding -------------------------------------------------------------------------------

@pytest.mark.parametrize(("amount", "expected"), [
    ("2.345", "2.35"),
    ("-2.345", "-2.35"),
    ("2.344999", "2.34"),
    ("0.005", "0.01"),
    ("-0.005", "-0.01"),
    ("2.5", "2.50"),
    ("2.355", "2.36"),  # half-even would give 2.36 too; 2.345 above is where they differ
])
def test_round_cents_is_half_up(amount, expected):
    rounded = round_cents(Decimal(amount))
    assert rounded == Decimal(expected)
    assert rounded.as_tuple().exponent == -2


# --- micro-units ----------------------------------------------------------------------------

@given(st.decimals(min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=6))
def test_micros_round_trip_exactly(amount):
    micros = to_micros(amount)
    assert isinstance(micros, int)
    assert from_micros(micros) == amount
    assert micros == amount * MICROS_PER_UNIT


@given(st.integers(min_value=-(10**18), max_value=10**18))
def test_micros_from_integers_round_trip(micros):
    assert to_micros(from_micros(micros)) == micros


def test_to_micros_rounds_finer_fractions_half_up_and_refuses_floats():
    assert to_micros(Decimal("0.0000005")) == 1
    assert to_micros(Decimal("0.0000004")) == 0
    assert to_micros(Decimal("-0.0000005")) == -1
    assert to_micros(Decimal("1.23")) == 1_230_000
    with pytest.raises(TypeError):
        to_micros(1.5)  # type: ignore[arg-type]


def test_from_micros_keeps_six_places():
    assert from_micros(1_230_000) == Decimal("1.23")
    assert from_micros(1_230_000).as_tuple().exponent == -6
    assert str(from_micros(-1)) == "-0.000001"


# --- formatting -----------------------------------------------------------------------------

@pytest.mark.parametrize(("amount", "currency", "locale", "expected"), [
    ("1000", "USD", "en-US", "$1,000.00"),
    ("1000", "USD", "en_US", "$1,000.00"),
    ("1000", "USD", "de-DE", "1.000,00\xa0$"),
    ("1000", "USD", "de_DE", "1.000,00\xa0$"),
    ("1000", "EUR", "de-DE", "1.000,00\xa0€"),
    ("1000", "EUR", "en-US", "€1,000.00"),
    ("1234567.891", "USD", "en-US", "$1,234,567.89"),
    ("-1234.5", "USD", "en-US", "-$1,234.50"),
    ("-1234.5", "USD", "de-DE", "-1.234,50\xa0$"),
    ("0", "USD", "en-US", "$0.00"),
    ("0.005", "USD", "en-US", "$0.01"),
    ("0.025", "USD", "en-US", "$0.03"),  # half-even (Babel's own rounding) would say $0.02
    ("-0.005", "USD", "en-US", "-$0.01"),
    ("2.5", "JPY", "en-US", "¥3"),  # a currency without cents rounds half-up to units
    ("0.1235", "KWD", "en-US", "KWD0.124"),  # and one with three decimals keeps them
])
def test_format_money(amount, currency, locale, expected):
    assert format_money(Money(Decimal(amount), currency), locale) == expected


@pytest.mark.parametrize("locale", [None, ""])
def test_format_money_without_locale_is_en_us(locale):
    assert format_money(Money(Decimal("1000"), "USD"), locale) == "$1,000.00"
    assert Money(Decimal("1000"), "USD").format() == "$1,000.00"


def test_normalize_locale():
    assert normalize_locale("de-DE") == "de_DE"
    assert normalize_locale("de_DE") == "de_DE"
    assert normalize_locale(None) == "en_US"


# --- currency signs: a sign names a currency, and must name the account's -------------------

@pytest.mark.parametrize(("text", "currency", "expected"), [
    ("€20", "EUR", Decimal(20)), ("20€", "EUR", Decimal(20)), ("20 €", "EUR", Decimal(20)),
    ("£1,000.50", "GBP", Decimal("1000.50")), ("$75", "CAD", Decimal(75)),
    ("¥500", "JPY", Decimal(500)), ("20", "EUR", Decimal(20)), ("$5", "usd", Decimal(5)),
])
def test_a_sign_of_the_accounts_currency_is_accepted(text, currency, expected):
    assert parse_amount(text, currency=currency) == Money(expected, currency)


@pytest.mark.parametrize(("text", "currency"), [
    ("€100", "USD"), ("£100", "USD"), ("100€", "USD"), ("$100", "EUR"), ("£5", "EUR"),
    ("¥5", "USD"), ("₹5", "GBP"),
])
def test_a_sign_of_another_currency_is_refused(text, currency):
    from bot.errors import WrongCurrency

    with pytest.raises(WrongCurrency) as caught:
        parse_amount(text, currency=currency)
    assert f"This account is in {currency}" in str(caught.value)
    assert caught.value.currency == currency


# --- Money: the value type above storage ---------------------------------------------------

def test_money_keeps_its_currency_through_arithmetic():
    a = Money(Decimal("10.50"), "usd")
    b = Money(Decimal("0.25"), "USD")
    assert a.currency == "USD"
    assert a + b == Money(Decimal("10.75"), "USD")
    assert a - b == Money(Decimal("10.25"), "USD")
    assert -a == Money(Decimal("-10.50"), "USD")
    assert abs(-a) == a
    assert a * 2 == 2 * a == Money(Decimal("21.00"), "USD")
    assert a * Decimal("0.5") == Money(Decimal("5.25"), "USD")
    assert Money.total([a, b, b], "USD") == Money(Decimal("11.00"), "USD")
    assert Money.total([], "EUR") == Money.zero("EUR")


def test_money_refuses_to_mix_currencies():
    usd = Money(Decimal("1"), "USD")
    eur = Money(Decimal("1"), "EUR")
    with pytest.raises(CurrencyMismatch):
        usd + eur
    with pytest.raises(CurrencyMismatch):
        usd - eur
    with pytest.raises(CurrencyMismatch):
        usd < eur  # noqa: B015 - the comparison is what raises
    with pytest.raises(CurrencyMismatch):
        Money.total([usd, eur], "USD")
    assert usd != eur


def test_money_refuses_floats_and_nonsense():
    with pytest.raises(TypeError):
        Money(0.1, "USD")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money(True, "USD")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money(Decimal(1), "USD") * 0.5  # type: ignore[operator]
    with pytest.raises(TypeError):
        Money(Decimal(1), "USD") + Decimal(1)  # type: ignore[operator]
    with pytest.raises(ValueError):
        Money(Decimal("NaN"), "USD")
    with pytest.raises(ValueError):
        Money(Decimal(1), "dollars")
    assert Money(5, "USD").amount == Decimal(5)


def test_money_compares_and_signs():
    zero = Money.zero("USD")
    small = Money(Decimal("0.01"), "USD")
    assert zero < small <= small and small > zero >= zero
    assert max(-small, zero) == zero
    assert zero.is_zero and small.is_positive and (-small).is_negative
    assert Money(Decimal("1.0"), "USD") == Money(Decimal("1.00"), "USD")
    assert len({Money(Decimal("1.0"), "USD"), Money(Decimal("1.00"), "USD")}) == 1


@given(st.integers(min_value=-10**15, max_value=10**15))
def test_money_crosses_the_micro_unit_boundary_exactly(micros):
    money = Money.from_micros(micros, "EUR")
    assert money.micros == micros
    assert money.currency == "EUR"


def test_money_rounds_and_formats_in_its_own_currency():
    assert Money(Decimal("2.345"), "USD").rounded() == Money(Decimal("2.35"), "USD")
    assert Money(Decimal("1000"), "USD").format("en-US") == "$1,000.00"
    assert format_money(Money(Decimal("1000"), "EUR"), "de-DE") == "1.000,00\xa0€"
    assert Money(Decimal("1234.5"), "JPY").format("en-US") == "¥1,235"
    assert str(Money(Decimal("3.10"), "GBP")) == "3.10 GBP"


def test_money_cannot_slip_into_text_by_formatting():
    money = Money(Decimal("450"), "USD")
    with pytest.raises(TypeError):
        f"{money}"  # noqa: B018 - the formatting is what raises
    with pytest.raises(TypeError):
        f"#{money}"
    assert str(money) == "450 USD" and f"{money.amount}" == "450"


def test_money_is_kept_in_one_currency_and_divides_into_a_ratio():
    usd = Money(Decimal("90"), "USD")
    assert usd.in_currency("usd") is usd
    with pytest.raises(CurrencyMismatch):
        usd.in_currency("EUR")
    assert usd / Money(Decimal("30"), "USD") == Decimal(3)
    with pytest.raises(CurrencyMismatch):
        usd / Money(Decimal("30"), "EUR")  # noqa: B018 - the division is what raises
