"""The vectorised rater gives the answers of `RateDeck`, number types and all."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime

import phonenumbers
import polars as pl
import pytest
from phonenumbers import PhoneNumberFormat

from bot.errors import InvalidNumber
from bot.numbers.phone import normalize
from bot.rates.deck import OUTBOUND, TOLLFREE_INBOUND, RateDeck, RateRow
from bot.rates.deck_file import SAMPLE_DECK, load_deck_file
from bot.usage.rating import FrameRater


def _numbers() -> list[str]:
    found = []
    rng = random.Random(12)
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in range(11):
            example = phonenumbers.example_number_for_type(region, kind)
            if example is None:
                continue
            digits = phonenumbers.format_number(example, PhoneNumberFormat.E164)[1:]
            found += [digits, digits[:-2] + f"{rng.randrange(100):02d}"]
    found += ["918012345678", "918023456789", "19005551234", "18005551234", "448001234567"]
    normalised = []
    for digits in found:
        try:
            normalised.append(normalize("+" + digits).digits)
        except InvalidNumber:
            continue
    return normalised


@pytest.mark.parametrize("extra", [(), ("dated",)])
def test_the_frame_rater_prices_as_the_deck_does(extra):
    rows, errors = load_deck_file(SAMPLE_DECK)
    assert errors == []
    if extra:
        # A newer India mobile rate, and a country toll-free rate that starts later.
        rows.append(RateRow("918", "India - Mobile", "mobile", OUTBOUND,
                            rows[0].rate_per_min * 2, rows[0].connection_fee, 1, 1, "USD",
                            date(2026, 11, 1)))
        rows.append(RateRow("91", "India - Toll-free", "tollfree", OUTBOUND,
                            rows[0].rate_per_min, rows[0].connection_fee, 60, 60, "USD",
                            date(2026, 11, 1)))
    deck = RateDeck(rows)
    numbers = _numbers()
    starts = [datetime(2026, 10, 15, 12, tzinfo=UTC), datetime(2026, 11, 15, 12, tzinfo=UTC)]
    calls = [(digits, direction, start, 61)
             for digits in numbers for direction in (OUTBOUND, TOLLFREE_INBOUND)
             for start in starts]
    rated = FrameRater(deck).rate(
        pl.Series([c[0] for c in calls]), pl.Series([c[1] for c in calls]),
        pl.Series([c[2] for c in calls]), pl.Series([c[3] for c in calls]))
    expected = [deck.price_e164_digits(digits, start, seconds, direction)
                for digits, direction, start, seconds in calls]
    assert rated["rated_micros"].to_list() == [
        None if p is None else p.cost_micros for p in expected]
    assert rated["rated_destination"].to_list() == [
        None if p is None else p.destination for p in expected]
    priced = [p for p in expected if p is not None]
    assert len(priced) > len(calls) / 4
    assert len(priced) < len(calls)  # premium and unlisted toll-free numbers are not priced


def test_a_masked_number_is_priced_by_its_prefix():
    rows, _ = load_deck_file(SAMPLE_DECK)
    deck = RateDeck(rows)
    start = pl.Series([datetime(2026, 11, 2, tzinfo=UTC)] * 2)
    digits = pl.Series(["918012345678", "918012345678"])
    rated = FrameRater(deck).rate(digits, pl.Series([OUTBOUND] * 2), start,
                                  pl.Series([60, 60]), masked=pl.Series([False, True]))
    assert rated["rated_destination"].to_list() == ["India - Mobile", "India - Bangalore"]
