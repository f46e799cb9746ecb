"""Destinations normalised for rating: possible (not necessarily valid) numbers, masks, formats."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import InvalidNumber
from bot.numbers.phone import Destination, normalize


@pytest.mark.parametrize(("text", "region", "digits"), [
    ("+44 20 7946 0000", None, "442079460000"),
    ("0049301234567", None, "49301234567"),
    ("0049301234567", "US", "49301234567"),  # 00 reads as international even in the US
    ("00 49 30 1234567", "DE", "49301234567"),
    ("030 1234567", "DE", "49301234567"),
    ("(415) 555-0123", "US", "14155550123"),
    ("415.555.0123", "US", "14155550123"),
    ("+1-415-555-0123", None, "14155550123"),
    ("+44 (0) 20 7946 0000", None, "442079460000"),  # the national 0 after the code goes
    ("0011 44 20 7946 0000", "AU", "442079460000"),  # Australia dials out with 0011
    ("011 44 20 7946 0000", "US", "442079460000"),
    ("+39 06 6982 1234", None, "390669821234"),  # Italy keeps its leading 0
    ("tel:+4930123456", None, "4930123456"),
    ("+49\u00a030\u00a0123456", None, "4930123456"),
])
def test_formats_normalise_to_e164_digits(text, region, digits):
    destination = normalize(text, region)
    assert destination.digits == digits
    assert destination.e164 == "+" + digits
    assert not destination.masked


def test_region_of_numbers_sharing_a_calling_code():
    assert normalize("+1 416 555 0123").region == "CA"
    assert normalize("+1 212 555 0123").region == "US"
    assert normalize("+7 701 123 4567").region == "KZ"
    assert normalize("+49 30 123456").region == "DE"
    assert normalize("+882 1234 5678").region == "001"


def test_possible_but_not_valid_is_rateable():
    # +1 555 is no area code in use: not valid, yet possible (right length for +1).
    number = phonenumbers.parse("+15550123456")
    assert not phonenumbers.is_valid_number(number)
    assert normalize("+1 555 012 3456").digits == "15550123456"


def test_masked_number_keeps_known_digits():
    destination = normalize("+493019482***")
    assert destination == Destination("493019482", 49, 3)
    assert destination.masked
    assert destination.e164 == "+493019482***"
    assert destination.region == "DE"


def test_masked_national_number_with_region():
    assert normalize("030 19482***", "DE") == Destination("493019482", 49, 3)


@pytest.mark.parametrize(("text", "region", "message"), [
    ("", None, "Give a phone number"),
    ("   ", None, "Give a phone number"),
    ("+49 1", None, "not a phone number"),
    ("+33 1 23", None, "not a possible number"),
    ("+1 415 555 01234567", None, "not a possible number"),
    ("+999 123456", None, "country calling code"),
    ("12345", None, "no country code"),
    ("hello", None, "not a phone number"),
    ("+4930**12", None, "only the last digits"),
    ("+49***", None, "hides too much"),
    ("+" + "1" * 60, None, "too long"),
])
def test_impossible_input_is_refused_clearly(text, region, message):
    with pytest.raises(InvalidNumber, match=message):
        normalize(text, region)


@settings(max_examples=400, deadline=None)
@given(st.from_regex(r"\+[1-9][0-9]{2,15}", fullmatch=True))
def test_fast_path_agrees_with_phonenumbers(text):
    """Whatever the E.164 fast path accepts, phonenumbers accepts the same way."""
    try:
        ours = normalize(text)
    except InvalidNumber:
        ours = None
    try:
        parsed = phonenumbers.parse(text, None)
        theirs = (phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)[1:]
                  if phonenumbers.is_possible_number(parsed) else None)
    except phonenumbers.NumberParseException:
        theirs = None
    assert (ours.digits if ours else None) == theirs


@pytest.mark.parametrize("code", [49, 44, 1, 33, 81, 91, 7, 39, 61, 55, 86, 52, 882])
def test_fast_path_on_example_numbers(code):
    for region in phonenumbers.COUNTRY_CODE_TO_REGION_CODE[code]:
        for kind in (phonenumbers.PhoneNumberType.FIXED_LINE,
                     phonenumbers.PhoneNumberType.MOBILE):
            example = (phonenumbers.example_number_for_non_geo_entity(code) if region == "001"
                       else phonenumbers.example_number_for_type(region, kind))
            if example is None:
                continue
            e164 = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)
            assert normalize(e164).digits == e164[1:]
