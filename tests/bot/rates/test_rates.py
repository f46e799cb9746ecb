"""The rate deck: validation, pricing edge cases, quotes, and the deck in the database."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_CEILING, Decimal
from pathlib import Path

import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.errors import InvalidNumber, InvalidRateDeck, NoRate, UnknownDestination
from bot.numbers.phone import normalize
from bot.rates.deck import OUTBOUND, TOLLFREE_INBOUND, RateDeck, RateRow
from bot.rates.deck_file import COLUMNS, SAMPLE_DECK, load_deck_file, parse_deck
from bot.rates.service import Rates
from bot.rates.store import current_deck, ensure_sample_deck, replace_deck
from storage import rates as rates_db
from storage.db import make_engine, read_session
from tests.money import usd

HEADER = ",".join(COLUMNS)
DAY = date(2026, 10, 1)
START = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)


def row(prefix: str, rate: str = "0.0200", *, fee: str = "0", inc: tuple[int, int] = (60, 60),
        direction: str = OUTBOUND, effective: date = date(2026, 1, 1),
        destination: str = "Somewhere", number_type: str = "any",
        currency: str = "USD") -> RateRow:
    return RateRow(prefix=prefix, destination=destination, number_type=number_type,
                   direction=direction, rate_per_min=Decimal(rate), connection_fee=Decimal(fee),
                   initial_increment=inc[0], recurring_increment=inc[1], currency=currency,
                   effective_from=effective)


def round_up(amount: Decimal) -> Decimal:
    """The cost rule in Decimal: up to 4 decimals (the deck computes it in integers)."""
    return amount.quantize(Decimal("0.0001"), rounding=ROUND_CEILING)


def deck_text(*lines: str) -> str:
    return "\n".join((HEADER, *lines)) + "\n"


# --- pricing -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("inc", "duration", "billed"), [
    ((60, 60), 1, 60), ((60, 60), 60, 60), ((60, 60), 61, 120), ((60, 60), 121, 180),
    ((60, 6), 59, 60), ((60, 6), 61, 66), ((60, 6), 66, 66), ((60, 6), 67, 72),
    ((1, 1), 1, 1), ((1, 1), 61, 61), ((1, 1), 3599, 3599),
    ((30, 6), 10, 30), ((30, 6), 30, 30), ((30, 6), 31, 36), ((30, 6), 37, 42),
    ((60, 60), 0, 0), ((1, 1), 0, 0),
])
def test_billed_seconds_follow_the_increments(inc, duration, billed):
    deck = RateDeck([row("49", "0.0600", inc=inc)])
    priced = deck.price_e164_digits("4930123456", START, duration)
    assert priced is not None
    assert priced.billed_seconds == billed
    assert priced.cost == usd(round_up(Decimal(billed) * Decimal("0.0600") / 60))


def test_the_design_examples():
    assert RateDeck([row("49", inc=(60, 6))]).price("+49 30 123456", START, 61).billed_seconds \
        == 66
    assert RateDeck([row("49", inc=(60, 60))]).price("+49 30 123456", START, 61).billed_seconds \
        == 120


def test_zero_second_call_costs_nothing_not_even_the_connection_fee():
    deck = RateDeck([row("44", "0.1200", fee="0.0500")])
    priced = deck.price_e164_digits("442079460000", START, 0)
    assert priced is not None
    assert (priced.billed_seconds, priced.cost, priced.cost_micros) == (0, usd(0), 0)


def test_connection_fee_is_added_to_calls_that_lasted():
    deck = RateDeck([row("44", "0.1200", fee="0.0500")])
    priced = deck.price_e164_digits("442079460000", START, 61)
    assert priced is not None
    assert priced.cost == usd("0.2900")  # 2 minutes * 0.12 + 0.05
    assert priced.cost_micros == 290_000


def test_cost_rounds_up_at_the_fourth_decimal():
    deck = RateDeck([row("49", "0.0125", inc=(1, 1))])
    one_second = deck.price_e164_digits("4930123456", START, 1)
    assert one_second is not None
    # 0.0125 / 60 = 0.000208333… -> 0.0003, never down to 0.0002
    assert one_second.cost == usd("0.0003")
    seven = deck.price_e164_digits("4930123456", START, 7)
    assert seven is not None and seven.cost == usd("0.0015")  # 0.00145833…


def test_exact_costs_are_not_rounded_up():
    deck = RateDeck([row("49", "0.0600", inc=(1, 1))])
    priced = deck.price_e164_digits("4930123456", START, 1)
    assert priced is not None and priced.cost == usd("0.0010")


@given(rate=st.decimals(min_value=0, max_value=50, places=6),
       fee=st.decimals(min_value=0, max_value=5, places=6),
       initial=st.integers(1, 120), recurring=st.integers(1, 120),
       duration=st.integers(0, 20_000))
def test_integer_pricing_equals_the_decimal_formula(rate, fee, initial, recurring, duration):
    deck = RateDeck([row("49", str(rate), fee=str(fee), inc=(initial, recurring))])
    priced = deck.price_e164_digits("4930123456", START, duration)
    assert priced is not None
    if duration == 0:
        assert priced.cost.is_zero
        return
    billed = initial if duration <= initial else \
        initial + -(-(duration - initial) // recurring) * recurring
    assert priced.billed_seconds == billed
    assert priced.cost == usd(round_up(Decimal(billed) * rate / 60 + fee))


def test_negative_duration_is_a_programming_error():
    with pytest.raises(ValueError):
        RateDeck([row("49")]).price_e164_digits("4930123456", START, -1)


def test_longest_prefix_wins():
    deck = RateDeck([row("49", "0.0220", destination="Germany"),
                     row("49151", "0.1500", destination="Germany mobile"),
                     row("4915", "0.1000", destination="Germany 15")])
    assert deck.price("+49 151 12345678", START, 60).destination == "Germany mobile"
    assert deck.price("+49 152 12345678", START, 60).destination == "Germany 15"
    assert deck.price("+49 30 1234567", START, 60).destination == "Germany"


def test_no_matching_prefix_gives_none():
    deck = RateDeck([row("49")])
    assert deck.price("+44 20 7946 0000", START, 60) is None
    assert deck.price_e164_digits("442079460000", START, 60) is None


def test_rate_in_force_at_the_start_of_the_call():
    deck = RateDeck([row("44", "0.0300", effective=date(2026, 1, 1)),
                     row("44", "0.0280", effective=date(2026, 7, 1))])
    before = deck.price("+442079460000", datetime(2026, 6, 30, 23, 59, 59, tzinfo=UTC), 60)
    after = deck.price("+442079460000", datetime(2026, 7, 1, 0, 0, tzinfo=UTC), 60)
    assert before is not None and before.rate.rate_per_min == Decimal("0.0300")
    assert after is not None and after.rate.rate_per_min == Decimal("0.0280")


def test_start_is_taken_in_utc():
    deck = RateDeck([row("44", "0.0300", effective=date(2026, 1, 1)),
                     row("44", "0.0280", effective=date(2026, 7, 1))])
    berlin = datetime(2026, 7, 1, 1, 30, tzinfo=UTC).astimezone(
        __import__("zoneinfo").ZoneInfo("Europe/Berlin"))
    assert berlin.date() == date(2026, 7, 1)
    late_june_utc = datetime(2026, 6, 30, 23, 30, tzinfo=UTC).astimezone(berlin.tzinfo)
    priced = deck.price("+442079460000", late_june_utc, 60)
    assert priced is not None and priced.rate.rate_per_min == Decimal("0.0300")


def test_call_before_any_effective_date_has_no_rate():
    deck = RateDeck([row("44", effective=date(2026, 1, 1))])
    assert deck.price("+442079460000", datetime(2025, 12, 31, 23, 0, tzinfo=UTC), 60) is None


def test_a_longer_prefix_not_yet_in_force_falls_back_to_a_shorter_one():
    deck = RateDeck([row("49", "0.0220", effective=date(2026, 1, 1)),
                     row("49151", "0.1500", effective=date(2026, 11, 1))])
    priced = deck.price("+4915112345678", START, 60)
    assert priced is not None and priced.prefix == "49"
    later = deck.price("+4915112345678", datetime(2026, 11, 1, tzinfo=UTC), 60)
    assert later is not None and later.prefix == "49151"


def test_masked_numbers_rate_by_their_known_digits():
    deck = RateDeck([row("49", "0.0220"), row("4930", "0.0200", destination="Berlin")])
    priced = deck.price("+493019482***", START, 31)
    assert priced is not None and priced.destination == "Berlin"


def test_impossible_numbers_are_refused():
    with pytest.raises(InvalidNumber):
        RateDeck([row("49")]).price("+49 1", START, 60)


def test_00_and_national_formats():
    deck = RateDeck([row("49", "0.0220")])
    assert deck.price("0049301234567", START, 60) is not None
    assert deck.price("030 1234567", START, 60, region="DE") is not None
    with pytest.raises(InvalidNumber):
        deck.price("030 1234567", START, 60)


def test_toll_free_inbound_is_its_own_direction():
    deck = RateDeck([row("1", "0.0200"), row("1800", "0.0300", direction=TOLLFREE_INBOUND)])
    inbound = deck.price("+1 800 555 0100", START, 60, TOLLFREE_INBOUND)
    outbound = deck.price("+1 800 555 0100", START, 60)
    assert inbound is not None and inbound.cost == usd("0.0300")
    # Dialled out, the toll-free number is no ordinary US number: `any` does not price it.
    assert outbound is None
    assert deck.price("+1 415 555 0100", START, 60, TOLLFREE_INBOUND) is None


# --- parsing decks -------------------------------------------------------------------------------

def test_parse_a_good_deck_with_comments_and_any_column_order():
    text = ("# sample\n"
            "currency,prefix,destination,number_type,direction,rate_per_min,connection_fee,"
            "initial_increment,recurring_increment,effective_from,notes\n"
            "\n"
            "usd,+49,Germany,Landline,outbound,0.0220,0.0000,60,6,2026-01-01,x\n"
            "USD,49151,Germany mobile,mobile,OUTBOUND,0.15,0,1,1,2026-01-01,y\n")
    rows, errors = parse_deck(text)
    assert errors == []
    assert rows == [row("49", "0.0220", inc=(60, 6), destination="Germany",
                        number_type="landline"),
                    row("49151", "0.15", fee="0", inc=(1, 1), destination="Germany mobile",
                        number_type="mobile")]
    assert isinstance(rows[0].rate_per_min, Decimal)
    assert str(rows[0].rate_per_min) == "0.0220"  # from the string, never through a float


def test_bad_rows_are_reported_by_line_number():
    text = deck_text(
        "+49,Germany,landline,outbound,0.0220,0.0000,60,6,USD,2026-01-01",   # line 2 good
        "+4x,Germany,landline,outbound,0.0220,0.0000,60,6,USD,2026-01-01",   # 3 prefix
        "+49,Germany,landline,sideways,0.0220,0.0000,60,6,USD,2026-01-01",   # 4 direction
        "+44,UK,landline,outbound,-0.01,0.0000,60,6,USD,2026-01-01",         # 5 negative
        "+44,UK,landline,outbound,1e-3,0.0000,60,6,USD,2026-01-01",          # 6 exponent
        "+44,UK,landline,outbound,0.0000001,0.0000,60,6,USD,2026-01-01",     # 7 decimals
        "+33,France,landline,outbound,0.02,0.0000,0,6,USD,2026-01-01",       # 8 increment
        "+33,France,landline,outbound,0.02,0.0000,60,6,XYZ,2026-01-01",      # 9 currency
        "+33,France,landline,outbound,0.02,0.0000,60,6,USD,2026-02-30",      # 10 date
        "+33,France,landline,outbound,0.02,0.0000,60,6,USD",                 # 11 fields
        "+49,Germany,landline,outbound,0.0230,0.0000,60,6,USD,2026-01-01",   # 12 duplicate
        "+999,Nowhere,any,outbound,0.5,0,60,60,USD,2026-01-01",              # 13 no country
        "+34,Spain,any,outbound,0.02,0,60,60,EUR,2026-01-01",                # 14 mixed currency
        ",Spain,any,outbound,0.02,0,60,60,USD,2026-01-01",                   # 15 empty prefix
        "+34,,any,outbound,0.02,0,60,60,USD,2026-01-01",                     # 16 no destination
        "+34,Spain,any,outbound,0.02,0,60,6.5,USD,20260101",                 # 17 two problems
    )
    rows, errors = parse_deck(text)
    assert [e.line for e in errors] == list(range(3, 18))
    messages = {e.line: e.message for e in errors}
    assert "prefix '+4x'" in messages[3]
    assert "direction 'sideways'" in messages[4]
    assert "rate_per_min '-0.01'" in messages[5]
    assert "rate_per_min '1e-3'" in messages[6]
    assert "at most 6 decimals" in messages[7]
    assert "initial_increment '0'" in messages[8]
    assert "currency 'XYZ'" in messages[9]
    assert "effective_from '2026-02-30'" in messages[10]
    assert "9 fields where the header has 10" in messages[11]
    assert "repeats line 2" in messages[12]
    assert "country calling code" in messages[13]
    assert "one currency per deck" in messages[14]
    assert "prefix ''" in messages[15]
    assert "destination" in messages[16]
    assert "recurring_increment '6.5'" in messages[17] and "effective_from" in messages[17]
    assert str(errors[0]).startswith("line 3: ")
    assert [r.prefix for r in rows] == ["49"]


def test_header_problems():
    rows, errors = parse_deck("prefix,destination\n+49,Germany\n")
    assert rows == [] and errors[0].line == 1 and "lacks number_type" in errors[0].message
    assert parse_deck("")[1][0].message == "the file has no header and no rates"
    assert parse_deck(HEADER + "\n")[1][0].message == "the deck has no rates"


def test_load_deck_file_handles_bom_encoding_and_missing_files(tmp_path: Path):
    bom = tmp_path / "bom.csv"
    bom.write_bytes(b"\xef\xbb\xbf" + deck_text(
        "+49,Germany,any,outbound,0.02,0,60,60,USD,2026-01-01").encode())
    assert load_deck_file(bom)[1] == []
    latin = tmp_path / "latin.csv"
    latin.write_bytes(deck_text("+49,Germany,any,outbound,0.02,0,60,60,USD,2026-01-01",
                                "+43,\xd6sterreich,any,outbound,0.02,0,60,60,USD,2026-01-01"
                                ).encode("latin-1"))
    rows, errors = load_deck_file(latin)
    assert rows == [] and errors[0].line == 3 and "UTF-8" in errors[0].message
    rows, errors = load_deck_file(tmp_path / "missing.csv")
    assert rows == [] and "cannot read" in str(errors[0])


# --- the bundled sample deck ---------------------------------------------------------------------

def sample_rows() -> list[RateRow]:
    rows, errors = load_deck_file(SAMPLE_DECK)
    assert errors == []
    return rows


def test_sample_deck_says_it_holds_sample_prices():
    assert SAMPLE_DECK.read_text().splitlines()[0].startswith("# SAMPLE PRICES")


def test_sample_deck_covers_every_calling_code():
    prefixes = {r.prefix for r in sample_rows() if r.direction == OUTBOUND}
    missing = [code for code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE
               if str(code) not in prefixes]
    assert missing == []


def test_sample_deck_structure():
    rows = sample_rows()
    assert {r.currency for r in rows} == {"USD"}
    assert {r.increments for r in rows} >= {"60/60", "60/6", "1/1", "30/6"}
    assert any(r.connection_fee > 0 for r in rows)
    tollfree = {r.prefix for r in rows if r.direction == TOLLFREE_INBOUND}
    assert {"1800", "1888", "1877", "1866", "1855", "1844", "1833", "44800", "44808", "49800",
            "33800"} <= tollfree
    assert {"49151", "447", "4474", "336", "8190", "4930", "4420", "331"} & \
        {r.prefix for r in rows if r.direction == OUTBOUND} >= {"49151", "4474", "336", "4930"}
    dated: dict[str, set[date]] = {}
    for r in rows:
        dated.setdefault(r.prefix, set()).add(r.effective_from)
    assert any(len(days) > 1 for days in dated.values())
    with SAMPLE_DECK.open(newline="") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    assert next(csv.reader(io.StringIO(lines[0]))) == list(COLUMNS)


# --- quotes --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sample_deck() -> RateDeck:
    return RateDeck(sample_rows(), sample=True)


@pytest.mark.parametrize("query", ["Germany", "Deutschland", "germany", "DE", "de", "+49",
                                   "Germany?", "  Deutschland  "])
def test_country_quotes_in_english_german_and_iso(sample_deck, query):
    quote = sample_deck.quote(query, on=DAY)
    assert (quote.kind, quote.region, quote.main.prefix) == ("country", "DE", "49")
    assert quote.mobile is not None and quote.mobile.prefix == "49151"
    assert quote.mobile.rate_per_min == Decimal("0.1290")  # the price of 2026-10-01
    assert quote.sample
    assert quote.place() == "Germany" and quote.place("de-DE") == "Deutschland"


def test_quote_uses_the_rate_in_force_that_day(sample_deck):
    assert sample_deck.quote("DE", on=date(2026, 9, 30)).mobile.rate_per_min == Decimal("0.1500")


def test_country_without_a_separate_mobile_rate(sample_deck):
    quote = sample_deck.quote("United States", on=DAY)
    assert quote.main.prefix == "1" and quote.mobile is None
    assert quote.rates == (quote.main,)


@pytest.mark.parametrize(("query", "region", "prefix"), [
    ("japan", "JP", "81"), ("Vereinigtes Königreich", "GB", "44"), ("UK", "GB", "44"),
    ("Canada", "CA", "1506"), ("Österreich", "AT", "43"), ("the Netherlands", "NL", "31")])
def test_more_country_names(sample_deck, query, region, prefix):
    quote = sample_deck.quote(query, on=DAY)
    assert (quote.region, quote.main.prefix) == (region, prefix)


@pytest.mark.parametrize(("query", "region", "first"), [
    ("toll-free US", "US", "1800"), ("tollfree DE", "DE", "49800"),
    ("gebührenfrei DE", "DE", "49800"), ("Toll free United Kingdom", "GB", "44800"),
    ("US toll-free", "US", "1800"), ("toll-free", "US", "1800")])
def test_toll_free_quotes(sample_deck, query, region, first):
    quote = sample_deck.quote(query, region="US", on=DAY)
    assert (quote.kind, quote.region, quote.main.prefix) == ("tollfree", region, first)
    assert all(r.direction == TOLLFREE_INBOUND for r in quote.rates)


def test_toll_free_us_lists_every_toll_free_code(sample_deck):
    quote = sample_deck.quote("toll-free US", on=DAY)
    assert {r.prefix for r in quote.rates} == {"1800", "1888", "1877", "1866", "1855", "1844",
                                               "1833"}


@pytest.mark.parametrize(("query", "prefix"), [
    ("+44 20 7946 0000", "4420"), ("0049301234567", "4930"), ("+493019482***", "4930"),
    ("+33 1 23 45 67 89", "331"), ("+4915112345678", "49151")])
def test_number_quotes(sample_deck, query, prefix):
    quote = sample_deck.quote(query, on=DAY)
    assert (quote.kind, quote.main.prefix) == ("number", prefix)
    assert quote.number is not None and quote.place() == quote.number


def test_national_number_quote_uses_the_account_region(sample_deck):
    quote = sample_deck.quote("030 1234567", region="DE", on=DAY)
    assert quote.number == "+49301234567"


def test_unknown_questions_and_missing_rates(sample_deck):
    with pytest.raises(UnknownDestination, match="Narnia"):
        sample_deck.quote("Narnia", on=DAY)
    with pytest.raises(UnknownDestination):
        sample_deck.quote("toll-free Narnia", on=DAY)
    with pytest.raises(UnknownDestination):
        sample_deck.quote("   ", on=DAY)
    with pytest.raises(InvalidNumber):
        sample_deck.quote("+49 1", on=DAY)
    with pytest.raises(NoRate, match="toll-free"):
        sample_deck.quote("toll-free Chad", on=DAY)
    small = RateDeck([row("49")])
    with pytest.raises(NoRate, match="Japan"):
        small.quote("Japan", on=DAY)
    with pytest.raises(NoRate, match="No rate deck"):
        RateDeck([]).quote("Japan", on=DAY)


# --- the deck in the database --------------------------------------------------------------------

def write_deck(path: Path, *lines: str) -> Path:
    path.write_text(deck_text(*lines))
    return path


def test_ensure_sample_deck_loads_once_and_flags_it(engine, clock):
    assert ensure_sample_deck(engine, now=clock.now()) is True
    assert ensure_sample_deck(engine, now=clock.now()) is False
    deck = current_deck(engine)
    assert deck.sample and len(deck) == len(sample_rows())
    with read_session(engine) as session:
        assert rates_db.count_rates(session=session) == len(sample_rows())
        stored = rates_db.list_rates(session=session)
    assert {r.deck_id for r in stored} == {deck.deck_id}
    assert all(r.sample and r.loaded_at == clock.now() for r in stored)


def test_ensure_sample_deck_uses_the_configured_file(engine, clock, tmp_path):
    path = write_deck(tmp_path / "ours.csv", "+49,Germany,any,outbound,0.02,0,60,60,USD,2026-01-01")
    assert ensure_sample_deck(engine, path, now=clock.now())
    deck = current_deck(engine)
    assert not deck.sample and deck.source == "ours.csv" and len(deck) == 1


def test_ensure_sample_deck_refuses_a_bad_configured_file(engine, clock, tmp_path):
    path = write_deck(tmp_path / "bad.csv", "+49,Germany,any,outbound,abc,0,60,60,USD,2026-01-01")
    with pytest.raises(InvalidRateDeck, match="line 2"):
        ensure_sample_deck(engine, path, now=clock.now())


def test_load_replaces_the_deck_atomically(engine, clock, tmp_path):
    rates = Rates(engine, clock)
    assert rates.deck().sample  # the sample, loaded on first use
    good = write_deck(tmp_path / "good.csv",
                      "+49,Germany,any,outbound,0.0300,0,60,60,USD,2026-01-01",
                      "+44,UK,any,outbound,0.0400,0,60,60,USD,2026-01-01")
    result = rates.load_file(good)
    assert (result.count, result.source, result.sample) == (2, "good.csv", False)
    assert rates.quote("DE").main.rate_per_min == Decimal("0.0300")
    assert not rates.quote("DE").sample

    bad = write_deck(tmp_path / "bad.csv",
                     "+49,Germany,any,outbound,0.0500,0,60,60,USD,2026-01-01",
                     "+44,UK,any,outbound,0.0400,0,60,60,USD,2026-13-01")
    with pytest.raises(InvalidRateDeck) as refused:
        rates.load_file(bad)
    assert [e.line for e in refused.value.errors] == [3]
    assert rates.quote("DE").main.rate_per_min == Decimal("0.0300")  # the old deck stands
    with read_session(engine) as session:
        assert rates_db.count_rates(session=session) == 2


def test_loading_the_sample_file_again_is_labelled_sample(engine, clock, tmp_path):
    copy = tmp_path / "copy.csv"
    copy.write_bytes(SAMPLE_DECK.read_bytes())
    assert Rates(engine, clock).load_file(copy).sample


def test_a_deck_replaced_by_another_process_is_seen(db_url, engine, clock):
    ensure_sample_deck(engine, now=clock.now())
    first = current_deck(engine)
    assert current_deck(engine) is first  # cached
    other = make_engine(db_url)
    try:
        replace_deck(other, [row("49", "0.0990")], source="other", sample=False,
                     now=clock.now())
    finally:
        other.dispose()
    second = current_deck(engine)
    assert second is not first and len(second) == 1 and not second.sample


def test_replace_deck_refuses_an_empty_deck(engine, clock):
    with pytest.raises(InvalidRateDeck):
        replace_deck(engine, [], source="empty", sample=False, now=clock.now())


def test_rates_service_loads_the_sample_on_first_use(engine, clock):
    rates = Rates(engine, clock)
    quote = rates.quote("+44 20 7946 0000")
    assert quote.sample and quote.main.prefix == "4420"
    assert quote.on == clock.now().date()


def test_stored_rates_round_trip_exactly(engine, clock):
    rows = [row("49", "0.012345", fee="0.5"), row("44", "1.5000", fee="0.000001"),
            row("1800", "0.0300", direction=TOLLFREE_INBOUND, inc=(60, 6),
                effective=date(2026, 3, 1))]
    replace_deck(engine, rows, source="t", sample=False, now=clock.now())
    loaded = current_deck(engine).rows
    assert sorted(loaded, key=lambda r: r.prefix) == sorted(rows, key=lambda r: r.prefix)


def test_price_with_a_stored_deck(engine, clock):
    replace_deck(engine, [row("49", "0.0220", inc=(60, 6))], source="t", sample=False,
                 now=clock.now())
    priced = current_deck(engine).price("+49 30 1234567", clock.now() - timedelta(days=1), 61)
    assert priced is not None and priced.cost == usd("0.0242")


# --- number types ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sample() -> RateDeck:
    rows, errors = load_deck_file(SAMPLE_DECK)
    assert errors == []
    return RateDeck(rows, sample=True)


TODAY = date(2026, 11, 2)


def test_an_indian_mobile_in_the_80_range_is_priced_as_a_mobile(sample):
    row, rule, passed = sample.lookup("918012345678", TODAY)
    assert (row.destination, row.prefix, rule) == ("India - Mobile", "918", "type")
    assert passed is not None and passed.destination == "India - Bangalore"
    landline, rule, _ = sample.lookup("918023456789", TODAY)
    assert (landline.destination, rule) == ("India - Bangalore", "prefix")
    assert sample.price("+91 80 1234 5678", START, 60).cost == usd("0.0800")


@pytest.mark.parametrize(("number", "country"), [
    ("+44 800 123 4567", "United Kingdom"), ("+49 800 1234567", "Germany"),
    ("+41 800 123 456", "Switzerland"), ("+33 801 12 34 56", "France"),
    ("+81 120 123 456", "Japan"), ("+61 1800 123 456", "Australia")])
def test_a_foreign_toll_free_number_dialled_out_is_not_a_landline(sample, number, country):
    digits = normalize_digits(number)
    row, rule, passed = sample.lookup(digits, TODAY)
    assert row.kind == "tollfree" and row.direction == OUTBOUND
    assert row.destination == f"{country} - Toll-free" and rule == "type"
    assert passed is not None and passed.kind in ("landline", "any")
    priced = sample.price(number, START, 60)
    assert priced.rate == row != passed


def normalize_digits(number: str) -> str:
    return normalize(number).digits


def test_us_premium_rate_is_not_priced_at_the_us_rate(sample):
    assert sample.lookup("19005551234", TODAY)[0] is None
    assert sample.price("+1 900 555 1234", START, 60) is None
    with pytest.raises(NoRate) as refused:
        sample.quote("+1 900 555 1234", on=TODAY)
    english = str(refused.value)
    assert "+19005551234 is a premium-rate number" in english
    assert "no premium-rate rate for United States" in english
    assert "not priced as United States (+1, any type)" in english
    assert "cannot be dialled with Communications Credits in many regions" in english
    assert "Premium-Nummern" in refused.value.text("de")


def test_a_quote_of_a_number_says_which_rule_priced_it(sample):
    london = sample.quote("+44 20 7946 0000", on=TODAY)
    assert (london.rule, london.number_kind, london.passed) == ("prefix", "landline", None)
    mobile = sample.quote("+91 80 1234 5678", on=TODAY)
    assert (mobile.rule, mobile.number_kind, mobile.main.prefix) == ("type", "mobile", "918")
    masked = sample.quote("+91 80 1234 ****", on=TODAY)  # its type cannot be told
    assert (masked.rule, masked.number_kind, masked.main.prefix) == ("prefix", None, "9180")


def test_a_country_without_a_row_of_the_type_prices_ordinary_numbers_by_prefix():
    deck = RateDeck([row("49", "0.0220", number_type="landline", destination="Germany")])
    mobile = deck.price("+49 151 12345678", START, 60)
    assert mobile is not None and mobile.destination == "Germany"
    assert deck.lookup("4915112345678", DAY)[1] == "prefix"
    # … but never a special one: toll-free and premium-rate numbers need their own rows.
    assert deck.price("+49 800 1234567", START, 60) is None
    assert deck.price("+49 900 1234567", START, 60) is None


def test_the_countrys_rate_of_a_type_is_used_only_when_it_is_one():
    landline = row("44", "0.0300", number_type="landline", destination="UK")
    one = RateDeck([landline, row("4480", "0.0450", number_type="tollfree",
                                  destination="UK toll-free (other)"),
                    row("44808", "0.0450", number_type="tollfree",
                        destination="UK toll-free (other)")])
    # +44 800 is under neither toll-free prefix, but the country's toll-free rates agree.
    found = one.lookup("448001234567", DAY)[0]
    assert found is not None and found.destination == "UK toll-free (other)"
    two = RateDeck([landline, row("44808", "0.0450", number_type="tollfree", destination="A"),
                    row("44809", "0.0900", number_type="tollfree", destination="B")])
    assert two.lookup("448001234567", DAY)[0] is None  # which of the two? not priced


def test_one_prefix_may_have_a_rate_per_number_type():
    rows, errors = parse_deck(deck_text(
        "+44,UK,landline,outbound,0.0300,0.0000,60,60,USD,2026-01-01",
        "+44,UK toll-free,tollfree,outbound,0.0450,0.0000,60,60,USD,2026-01-01",
        "+44,UK toll-free,toll-free,outbound,0.0500,0.0000,60,60,USD,2026-01-01"))
    assert len(rows) == 2 and "repeats line 3" in errors[0].message
    deck = RateDeck(rows)
    assert deck.lookup("448001234567", DAY)[0].destination == "UK toll-free"
    assert deck.lookup("441234567890", DAY)[0].destination == "UK"
    assert deck.lookup("441234", DAY)[0].destination == "UK"  # type unknown: ordinary first
