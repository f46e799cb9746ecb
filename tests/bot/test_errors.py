"""Domain errors carry a marked sentence and its values; the reader's language is chosen when
the error is shown."""

from __future__ import annotations

from decimal import Decimal
from functools import partial

from bot.errors import CreditsError, InvalidAmount, Sentence
from bot.money import Money
from bot.numbers.countries import country_name


def test_an_error_is_english_as_a_string_and_german_for_a_german_reader():
    error = InvalidAmount("`{typed}` is not an amount.", typed="abc")
    assert str(error) == error.text(None) == error.text("en-GB") == "`abc` is not an amount."
    assert error.text("de-DE") == "`abc` ist kein Betrag."


def test_values_that_are_sentences_or_money_read_in_the_same_language():
    how = Sentence.of("Write it with its country code, like +49 30 1234567 or 0049 30 1234567.")
    error = CreditsError("`{typed}` has no country code. {usage}", typed="030", usage=how)
    assert error.text("de") == ("`030` hat keine Ländervorwahl. Schreiben Sie sie mit "
                                "Ländervorwahl, etwa +49 30 1234567 oder 0049 30 1234567.")
    smallest = CreditsError("The smallest deposit is {amount}.",
                            amount=Money(Decimal(50), "USD").format)
    assert str(smallest) == "The smallest deposit is $50.00."
    assert smallest.text("de-DE") == "Die kleinste Einzahlung ist 50,00\xa0$."
    no_rate = CreditsError("The deck has no toll-free rate for {country}.",
                           country=partial(country_name, "US"))
    assert no_rate.text("de") == ("Das Tarifverzeichnis hat keinen gebührenfreien Tarif für "
                                  "Vereinigte Staaten.")


def test_a_sentence_without_values_keeps_its_braces_and_an_unknown_one_stays_as_it_is():
    assert CreditsError('a page ({"value": [...]})').text("de") == 'a page ({"value": [...]})'
    assert CreditsError("Microsoft Graph answered 503").text("de") == (
        "Microsoft Graph answered 503")
    assert CreditsError().text("de") == ""  # not the catalog's header
