"""Number types from phonenumbers' metadata: one number, and a column with the same answers."""

from __future__ import annotations

import random

import phonenumbers
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from phonenumbers import PhoneNumberFormat

from bot.errors import InvalidNumber
from bot.numbers.number_types import (
    SPECIAL,
    calling_code,
    deck_kind,
    fits,
    number_kind,
    number_kinds,
)
from bot.numbers.phone import normalize


def _digits(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)[1:]


@pytest.fixture(scope="module")
def numbers() -> list[str]:
    """Every region's example number of every type, and neighbours of them with other last
    digits, normalised as the rater sees them."""
    found = []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in range(11):
            example = phonenumbers.example_number_for_type(region, kind)
            if example is not None:
                found.append(_digits(example))
    for code in sorted(phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS):
        example = phonenumbers.example_number_for_non_geo_entity(code)
        if example is not None:
            found.append(_digits(example))
    rng = random.Random(8)
    for digits in list(found):
        cut = rng.randrange(1, 4)
        found.append(digits[:-cut] + "".join(rng.choice("0123456789") for _ in range(cut)))
    normalised = []
    for digits in found:
        try:
            normalised.append(normalize("+" + digits).digits)
        except InvalidNumber:
            continue
    return normalised


def test_the_issues_numbers_by_phonenumbers_metadata():
    assert number_kind("918012345678") == "mobile"  # +91 80…: a mobile range, not Bangalore
    assert number_kind("918023456789") == "landline"
    for toll_free in ("448001234567", "4980012345678", "41800123456", "33801123456",
                      "81120123456", "611800123456", "18005551234"):
        assert number_kind(toll_free) == "tollfree", toll_free
    assert number_kind("19005551234") == "premium"
    assert number_kind("12125551234") == "landline_or_mobile"
    assert number_kind("81120123") is None  # too short to be valid: its type is unknown


def test_the_column_gives_the_same_kinds_as_one_number_at_a_time(numbers):
    assert len(numbers) > 2_000
    column = number_kinds(pl.Series(numbers)).to_list()
    one_by_one = [number_kind(digits) for digits in numbers]
    assert column == one_by_one
    assert {kind for kind in one_by_one if kind} >= {"mobile", "landline", "tollfree",
                                                     "premium", "shared_cost"}


def test_without_detail_the_column_tells_only_the_special_kinds(numbers):
    column = number_kinds(pl.Series(numbers), detailed=()).to_list()
    expected = [kind if kind in SPECIAL else None for kind in map(number_kind, numbers)]
    assert column == expected
    detailed = number_kinds(pl.Series(numbers), detailed=("44",)).to_list()
    assert [kind for digits, kind in zip(numbers, detailed, strict=True)
            if digits.startswith("44")] == [number_kind(d) for d in numbers
                                            if d.startswith("44")]


def test_unknown_codes_and_empty_values_have_no_kind():
    assert number_kinds(pl.Series(["", None, "999123"], dtype=pl.String)).to_list() == [
        None, None, None]
    assert calling_code("4930123") == "49" and calling_code("1212") == "1"
    assert calling_code("9991") is None and calling_code("") is None


def test_deck_words_and_what_fits():
    assert [deck_kind(w) for w in ("Landline", "fixed", "toll-free", "Premium_Rate",
                                   "shared-cost", "any", "geographic", "whatever")] == [
        "landline", "landline", "tollfree", "premium", "shared_cost", "any", "landline", "any"]
    assert fits("any", "mobile") and fits("any", None) and fits("tollfree", None)
    assert not fits("any", "tollfree") and not fits("landline", "premium")
    assert not fits("landline", "mobile") and not fits("mobile", "landline")
    assert fits("landline", "landline_or_mobile") and fits("mobile", "landline_or_mobile")
    assert fits("landline", "voip") and not fits("mobile", "voip")


_EXAMPLES = sorted({
    _digits(example) for region in phonenumbers.SUPPORTED_REGIONS for kind in range(11)
    if (example := phonenumbers.example_number_for_type(region, kind)) is not None})
_CODES = sorted(str(code) for code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE)


@st.composite
def _e164_digits(draw: st.DrawFn) -> str:
    """Numbers near every region's examples (so every kind turns up), random digits after a
    calling code, and now and then something that is no E.164 digits at all."""
    shape = draw(st.sampled_from(("example", "random", "odd")))
    if shape == "example":
        example = draw(st.sampled_from(_EXAMPLES))
        keep = draw(st.integers(len(example) // 2, len(example)))
        tail = draw(st.text("0123456789", min_size=0, max_size=len(example) - keep + 2))
        return example[:keep] + tail
    if shape == "random":
        return draw(st.sampled_from(_CODES)) + draw(st.text("0123456789", max_size=14))
    return draw(st.text("0123456789X+ ", max_size=8))


@settings(max_examples=60, deadline=None)
@given(st.lists(_e164_digits(), min_size=1, max_size=300),
       st.sets(st.sampled_from(_CODES), max_size=8))
def test_the_column_is_phonenumbers_number_type_on_random_numbers(numbers, detailed):
    """The column's fast paths (calling code by the first three digits, only typed numbers
    gathered) answer as phonenumbers' `number_type` does, number by number."""
    exact = [number_kind(digits) for digits in numbers]
    assert number_kinds(pl.Series(numbers, dtype=pl.String)).to_list() == exact
    partly = number_kinds(pl.Series(numbers, dtype=pl.String), detailed=detailed).to_list()
    assert partly == [kind if kind in SPECIAL or calling_code(digits) in detailed else None
                      for digits, kind in zip(numbers, exact, strict=True)]
