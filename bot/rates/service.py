"""The rate deck and pricing (DESIGN §5): parse and validate decks, rate calls, quote rates.

A call is priced by the longest prefix of its E.164 digits that has a rate in force on the day
the call started (UTC), in its direction (`outbound` or `tollfree_inbound`), of a number type
that fits the number. The number's own type comes from phonenumbers' metadata
(`bot.numbers.number_types`):
where the longest prefix's row is of another type (`+91 80`, Bangalore's
landlines, for a number in India's `+91 80` mobile range; `+44`, landline, for `+44 800…`
toll-free), shorter prefixes are tried, then the country's one rate of the number's type (a row
of that type whose prefix is the country's, or every such row of the country alike). A country
without a row of that type prices a landline or mobile by its prefix row as before; toll-free,
premium-rate and shared-cost numbers are never priced by another type's row: without a row of
their own they are not priced. A number whose type phonenumbers cannot tell (a masked number,
a range newer than the metadata) is priced by its prefix. Billed seconds come
from the initial and recurring increments (61 s on 60/6 bills 66 s); the cost is
billed_seconds / 60 * rate + connection fee, rounded up to 4 decimals; a 0-second call costs
nothing. Pricing runs on integer micro-units precomputed per rate, because the importer prices
millions of calls.

The bundled deck (`bot/data/sample_rates.csv`) holds SAMPLE prices, not any carrier's: rows
loaded from it are flagged `sample`, and every quote says so.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import threading
import uuid
import weakref
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache, partial
from pathlib import Path

import phonenumbers
from babel.numbers import list_currencies
from phonenumbers import PhoneNumberFormat, PhoneNumberType
from sqlalchemy import Engine

from bot.clock import Clock
from bot.errors import InvalidRateDeck, NoRate, Sentence, UnknownDestination
from bot.i18n import N_, language
from bot.numbers.countries import country_name, region_for_name
from bot.numbers.number_types import (
    ANY,
    PREMIUM,
    SPECIAL,
    calling_code,
    deck_kind,
    fits,
    kind_in_words,
    number_kind,
)
from bot.numbers.phone import normalize
from storage import rates as rates_db
from storage.db import read_session, write_transaction
from storage.models import Rate

OUTBOUND = "outbound"
TOLLFREE_INBOUND = "tollfree_inbound"
DIRECTIONS = (OUTBOUND, TOLLFREE_INBOUND)
COLUMNS = ("prefix", "destination", "number_type", "direction", "rate_per_min", "connection_fee",
           "initial_increment", "recurring_increment", "currency", "effective_from")
SAMPLE_DECK = Path(__file__).parent.parent / "data" / "sample_rates.csv"
PREFIX_RULE = "prefix"
TYPE_RULE = "type"
_AUTO: object = object()  # "the number's type from phonenumbers", the look-ups' default
MAX_INCREMENT = 3600


@dataclass(frozen=True, slots=True)
class RateRow:
    """One rate of the deck; `prefix` is digits without `+`."""

    prefix: str
    destination: str
    number_type: str
    direction: str
    rate_per_min: Decimal
    connection_fee: Decimal
    initial_increment: int
    recurring_increment: int
    currency: str
    effective_from: date

    @property
    def display_prefix(self) -> str:
        return "+" + self.prefix

    @property
    def increments(self) -> str:
        """The billing increments as people write them: `60/6`."""
        return f"{self.initial_increment}/{self.recurring_increment}"

    @property
    def kind(self) -> str:
        """The number type of this rate, as `bot.numbers.number_types` names it (`any`: unknown)."""
        return deck_kind(self.number_type)


@dataclass(frozen=True, slots=True)
class PricedCall:
    """A call priced against the deck: the rate applied, billed seconds and the cost."""

    rate: RateRow
    duration_seconds: int
    billed_seconds: int
    cost_micros: int

    @property
    def cost(self) -> Decimal:
        """The cost, 4 decimals (rounded up when priced)."""
        return Decimal(self.cost_micros // 100).scaleb(-4)

    @property
    def prefix(self) -> str:
        return self.rate.prefix

    @property
    def destination(self) -> str:
        return self.rate.destination

    @property
    def currency(self) -> str:
        return self.rate.currency


@dataclass(frozen=True)
class DeckError:
    """A bad row of a deck file, by its line number (0: the file as a whole)."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


@dataclass(frozen=True)
class RateQuote:
    """The answer to "what does it cost to call X?": a main rate and, for a country, mobiles."""

    query: str
    kind: str  # number | country | tollfree
    region: str | None
    number: str | None  # the E.164 number asked about (masked digits as *)
    main: RateRow
    mobile: RateRow | None
    others: tuple[RateRow, ...]
    sample: bool
    on: date
    # How a number's rate was found: `prefix` (its longest prefix with a fitting rate) or
    # `type` (its number type chose the row); the type, and the row it was not priced by.
    rule: str = PREFIX_RULE
    number_kind: str | None = None
    passed: RateRow | None = None

    @property
    def rates(self) -> tuple[RateRow, ...]:
        """Every rate of the answer, main first."""
        return (self.main, *((self.mobile,) if self.mobile else ()), *self.others)

    def place(self, locale: str | None = None) -> str:
        """What the question was about, in words: a number or a country's name."""
        if self.kind == "number" and self.number:
            return self.number
        name = country_name(self.region, locale) if self.region else self.main.destination
        if self.kind == "tollfree":
            return f"{name} toll-free" if not (locale or "").startswith("de") \
                else f"{name} gebührenfrei"
        return name


class _Tariff:
    """A rate with what pricing needs precomputed in integers."""

    __slots__ = ("fee60", "initial", "kind", "rate_micros", "recurring", "row", "since")

    def __init__(self, row: RateRow) -> None:
        self.row = row
        self.kind = row.kind
        self.since = row.effective_from.toordinal()
        self.rate_micros = _micros(row.rate_per_min)
        self.fee60 = 60 * _micros(row.connection_fee)
        self.initial = row.initial_increment
        self.recurring = row.recurring_increment

    def price(self, duration: int) -> PricedCall:
        if duration <= 0:
            return PricedCall(self.row, duration, 0, 0)
        billed = self.initial
        if duration > billed:
            billed += -(-(duration - billed) // self.recurring) * self.recurring
        # billed/60 * rate + fee in units of 1e-4, rounded up: exact integer arithmetic.
        cost_e4 = -(-(billed * self.rate_micros + self.fee60) // 6000)
        return PricedCall(self.row, duration, billed, cost_e4 * 100)


# Per prefix and number type: its one tariff (most), or the effective dates (ordinals,
# ascending) and the tariffs in force from each.
_Dated = tuple[tuple[int, ...], tuple[_Tariff, ...]]
_Entry = _Tariff | _Dated


@dataclass(frozen=True, slots=True)
class _Found:
    """The outcome of a look-up: the tariff (None: not priced), the rule that found it, and the
    row of another type the number was not priced by."""

    tariff: _Tariff | None
    rule: str
    passed: RateRow | None


def _in_force(entry: _Entry, ordinal: int) -> _Tariff | None:
    if isinstance(entry, _Tariff):
        return entry if entry.since <= ordinal else None
    days, tariffs = entry
    index = bisect_right(days, ordinal)
    return tariffs[index - 1] if index else None


def _terms(tariff: _Tariff) -> tuple[object, ...]:
    row = tariff.row
    return (row.destination, tariff.rate_micros, tariff.fee60, tariff.initial, tariff.recurring)


class RateDeck:
    """An immutable deck in memory: prefixes by direction, probed from the longest, with the
    rates of each prefix by number type."""

    def __init__(self, rows: Iterable[RateRow], *, sample: bool = False, source: str = "",
                 deck_id: str = "") -> None:
        self.rows = tuple(sorted(rows, key=lambda r: (r.direction, r.prefix, r.kind,
                                                      r.effective_from)))
        self.sample = sample
        self.source = source
        self.deck_id = deck_id
        self.currency = self.rows[0].currency if self.rows else None
        grouped: dict[str, dict[str, dict[str, list[RateRow]]]] = {}
        for row in self.rows:
            (grouped.setdefault(row.direction, {}).setdefault(row.prefix, {})
             .setdefault(row.kind, []).append(row))
        self._tables: dict[str, tuple[dict[str, tuple[tuple[str, _Entry], ...]],
                                      tuple[int, ...]]] = {}
        self._by_country: dict[tuple[str, str, str], tuple[tuple[str, _Entry], ...]] = {}
        by_country: dict[tuple[str, str, str], list[tuple[str, _Entry]]] = {}
        for direction, by_prefix in grouped.items():
            table: dict[str, tuple[tuple[str, _Entry], ...]] = {}
            for prefix, by_kind in by_prefix.items():
                # Ordinary types first: a number of unknown type takes those before special ones.
                kinds = sorted(by_kind, key=lambda kind: (kind in SPECIAL, kind))
                table[prefix] = tuple((kind, _entry(by_kind[kind])) for kind in kinds)
                code = calling_code(prefix)
                for kind, entry in table[prefix]:
                    if code is not None and kind != ANY:
                        by_country.setdefault((direction, code, kind), []).append(
                            (prefix, entry))
            lengths = tuple(sorted({len(p) for p in table}, reverse=True))
            self._tables[direction] = (table, lengths)
        self._by_country = {key: tuple(value) for key, value in by_country.items()}

    def __len__(self) -> int:
        return len(self.rows)

    def _find(self, digits: str, ordinal: int, direction: str, kind: str | None) -> _Found:
        found = self._tables.get(direction)
        if found is None:
            return _Found(None, PREFIX_RULE, None)
        table, lengths = found
        get = table.get
        passed: _Tariff | None = None
        # Longest first. A length beyond the number's probes the whole number again, which
        # is still a prefix of it: cheaper than testing the length every time.
        for size in lengths:
            pairs = get(digits[:size])
            if pairs is None:
                continue
            chosen: _Tariff | None = None
            fitting: _Tariff | None = None
            others = 0
            for row_kind, entry in pairs:
                tariff = _in_force(entry, ordinal)
                if tariff is None:
                    continue  # not in force yet: a shorter prefix may have one
                others += 1
                if kind is not None and row_kind == kind:
                    chosen = tariff
                elif fitting is None and fits(row_kind, kind):
                    fitting = tariff
                elif passed is None and others == 1:
                    passed = tariff
            if chosen is None and fitting is not None:
                chosen = fitting
            if chosen is not None:
                by_type = passed is not None or (kind is not None and others > 1
                                                 and chosen.kind == kind)
                if passed is chosen:
                    passed = None
                return _Found(chosen, TYPE_RULE if by_type else PREFIX_RULE,
                              passed.row if passed is not None else None)
        if kind is not None:
            country = self._country_rate(digits, ordinal, direction, kind)
            if country is not None:
                return _Found(country, TYPE_RULE, passed.row if passed else None)
        if passed is not None and kind not in SPECIAL:
            # The country has no rate of this type: its prefix prices it, as it says.
            return _Found(passed, PREFIX_RULE, None)
        return _Found(None, TYPE_RULE if passed else PREFIX_RULE,
                      passed.row if passed else None)

    def _country_rate(self, digits: str, ordinal: int, direction: str,
                      kind: str) -> _Tariff | None:
        """The country's one rate of a number type: None if it has none, or several that
        differ (then only a prefix could tell which)."""
        code = calling_code(digits)
        if code is None:
            return None
        tariffs = [t for _, entry in self._by_country.get((direction, code, kind), ())
                   if (t := _in_force(entry, ordinal)) is not None]
        if not tariffs or len({_terms(t) for t in tariffs}) > 1:
            return None
        return min(tariffs, key=lambda t: len(t.row.prefix))

    def lookup(self, digits: str, on: date, direction: str = OUTBOUND, *,
               kind: str | None | object = _AUTO) -> tuple[RateRow | None, str, RateRow | None]:
        """(the rate, the rule that found it, the row of another type passed over) for E.164
        digits on a day; `kind` is the number's type (by default from phonenumbers)."""
        found = self._find(digits, on.toordinal(), direction, self._kind(digits, direction,
                                                                          kind))
        return (found.tariff.row if found.tariff else None), found.rule, found.passed

    def _kind(self, digits: str, direction: str, kind: str | None | object) -> str | None:
        if kind is not _AUTO:
            return kind  # type: ignore[return-value]
        # A call to one of our own toll-free numbers is priced as such, whatever it is.
        return number_kind(digits) if direction == OUTBOUND else None

    def match(self, digits: str, on: date, direction: str = OUTBOUND, *,
              kind: str | None | object = _AUTO) -> RateRow | None:
        """The rate for E.164 digits in force on a day (see the module's rules)."""
        return self.lookup(digits, on, direction, kind=kind)[0]

    def price_e164_digits(self, digits: str, start: datetime, duration_seconds: int,
                          direction: str = OUTBOUND, *,
                          kind: str | None | object = _AUTO) -> PricedCall | None:
        """Price a call to E.164 digits (no `+`); None when no prefix matches (the fast path)."""
        if duration_seconds < 0:
            raise ValueError("a call cannot last a negative number of seconds")
        tariff = self._find(digits, _utc_ordinal(start), direction,
                            self._kind(digits, direction, kind)).tariff
        return None if tariff is None else tariff.price(duration_seconds)

    def price(self, number_or_e164: str, start: datetime, duration_seconds: int,
              direction: str = OUTBOUND, *, region: str | None = None) -> PricedCall | None:
        """Price a call to a number as written (raises InvalidNumber); None when no rate."""
        destination = normalize(number_or_e164, region)
        # The type of a masked number is not known: its prefix prices it.
        return self.price_e164_digits(destination.digits, start, duration_seconds, direction,
                                      kind=None if destination.masked else _AUTO)

    def quote(self, query: str, *, region: str | None = "US", on: date) -> RateQuote:
        """Answer `/credits rate`: a number, a country (English, German, ISO) or "toll-free X"."""
        text = query.strip().strip("?!.").strip().strip("\"'`").strip()
        if not text:
            raise UnknownDestination(_QUOTE_USAGE.message)
        if not self.rows:
            raise NoRate(N_("No rate deck is loaded yet: an operator loads one with "
                            "`credits-bot rates load FILE`."))
        tollfree = _tollfree_country(text)
        if tollfree is not None:
            target = region_for_name(tollfree) if tollfree else (region or None)
            if not target:
                raise UnknownDestination(N_("I know no country called `{name}`. {usage}"),
                                         name=tollfree, usage=_QUOTE_USAGE)
            return self._tollfree_quote(query, target, on)
        code = re.fullmatch(r"\+(\d{1,3})", text)
        if code and int(code[1]) in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
            main_region = phonenumbers.region_code_for_country_code(int(code[1]))
            if main_region != "001":
                return self._country_quote(query, main_region, on)
        if any(ch.isdigit() for ch in text):
            return self._number_quote(query, text, region, on)
        target = region_for_name(text)
        if target is None:
            raise UnknownDestination(N_("I know no country or number `{typed}`. {usage}"),
                                     typed=_show(text), usage=_QUOTE_USAGE)
        return self._country_quote(query, target, on)

    def _number_quote(self, query: str, text: str, region: str | None, on: date) -> RateQuote:
        destination = normalize(text, region)
        kind = None if destination.masked else number_kind(destination.digits)
        row, rule, passed = self.lookup(destination.digits, on, kind=kind)
        if row is None:
            if passed is not None and kind is not None:
                raise not_priceable(destination.e164, destination.region, kind, passed)
            raise NoRate(N_("The deck has no rate for {number}."), number=destination.e164)
        return RateQuote(query=query, kind="number", region=destination.region,
                         number=destination.e164, main=row, mobile=None, others=(),
                         sample=self.sample, on=on, rule=rule, number_kind=kind, passed=passed)

    def _country_quote(self, query: str, target: str, on: date) -> RateQuote:
        code = phonenumbers.country_code_for_region(target)
        main: RateRow | None
        if phonenumbers.region_code_for_country_code(code) == target:
            main = self.match(str(code), on)
        else:
            # A region sharing its calling code (Canada, Jersey …): rate one of its numbers.
            main = self.match(_example_digits(target, PhoneNumberType.FIXED_LINE) or str(code),
                              on)
        if main is None:
            raise NoRate(N_("The deck has no rate for {country} (+{code})."),
                         country=partial(country_name, target), code=code)
        mobile_digits = _example_digits(target, PhoneNumberType.MOBILE)
        mobile = self.match(mobile_digits, on) if mobile_digits else None
        if mobile is not None and mobile.prefix == main.prefix:
            mobile = None
        return RateQuote(query=query, kind="country", region=target, number=None, main=main,
                         mobile=mobile, others=(), sample=self.sample, on=on)

    def _tollfree_quote(self, query: str, target: str, on: date) -> RateQuote:
        code = str(phonenumbers.country_code_for_region(target))
        found = self._tables.get(TOLLFREE_INBOUND)
        rows: list[RateRow] = []
        if found is not None and code != "0":
            table, _ = found
            ordinal = on.toordinal()
            for prefix in sorted(table):
                if prefix.startswith(code):
                    tariff = self._find(prefix, ordinal, TOLLFREE_INBOUND, None).tariff
                    if tariff is not None and tariff.row.prefix == prefix:
                        rows.append(tariff.row)
        if not rows:
            raise NoRate(N_("The deck has no toll-free rate for {country}."),
                         country=partial(country_name, target))
        return RateQuote(query=query, kind="tollfree", region=target, number=None, main=rows[0],
                         mobile=None, others=tuple(rows[1:]), sample=self.sample, on=on)


def _entry(dated: list[RateRow]) -> _Entry:
    if len(dated) == 1:
        return _Tariff(dated[0])
    return (tuple(r.effective_from.toordinal() for r in dated),
            tuple(_Tariff(r) for r in dated))


PREMIUM_NOTE = N_("Premium-rate numbers cannot be dialled with Communications Credits in many "
                  "regions.")


def _kind(kind: str) -> Callable[[str | None], str]:
    """A number type in the words of the reader's language."""
    return lambda locale: kind_in_words(kind, language(locale))


def not_priceable(number: str, region: str | None, kind: str, passed: RateRow) -> NoRate:
    """The refusal of a number the deck has no rate of its type for."""
    values = {"number": number, "kind": _kind(kind),
              "country": partial(country_name, region) if region else passed.destination,
              "destination": passed.destination, "prefix": passed.prefix,
              "row_kind": _kind(passed.kind)}
    if kind == PREMIUM:
        return NoRate(N_("{number} is a {kind} number (by phonenumbers' metadata), and the deck "
                         "has no {kind} rate for {country}: it is not priced as {destination} "
                         "(+{prefix}, {row_kind}). Premium-rate numbers cannot be dialled with "
                         "Communications Credits in many regions."), **values)
    return NoRate(N_("{number} is a {kind} number (by phonenumbers' metadata), and the deck has "
                     "no {kind} rate for {country}: it is not priced as {destination} "
                     "(+{prefix}, {row_kind})."), **values)


_QUOTE_USAGE = Sentence.of(N_(
    "Ask for a number (`+44 20 7946 0000`, `0049301234567`), a country (`Germany`, `DE`) or "
    "toll-free (`toll-free US`)."))
_TOLLFREE_WORDS = r"(?:toll[\s-]?free|freephone|geb(?:ü|ue)hren\s*frei|kostenlos|kostenfrei)"
_TOLLFREE_FIRST = re.compile(rf"{_TOLLFREE_WORDS}(?:\s+(?:in|for|nach|in\s+den)\s+|\s+|$)(.*)",
                             re.IGNORECASE)
_TOLLFREE_LAST = re.compile(rf"(.+?)\s+{_TOLLFREE_WORDS}", re.IGNORECASE)


def _tollfree_country(text: str) -> str | None:
    """The country part of a toll-free question ("" for none), or None if it is not one."""
    first = _TOLLFREE_FIRST.fullmatch(text)
    if first:
        return first[1].strip()
    last = _TOLLFREE_LAST.fullmatch(text)
    return last[1].strip() if last else None


@cache
def _example_digits(region: str, kind: int) -> str | None:
    example = phonenumbers.example_number_for_type(region, kind)
    if example is None:
        return None
    return phonenumbers.format_number(example, PhoneNumberFormat.E164)[1:]


def _utc_ordinal(start: datetime) -> int:
    tz = start.tzinfo
    if tz is None or tz is UTC:
        return start.toordinal()
    return start.astimezone(UTC).toordinal()


def _micros(amount: Decimal) -> int:
    return int(amount.scaleb(6))


def _show(text: str) -> str:
    clean = text.replace("`", "'")
    return clean if len(clean) <= 30 else clean[:29] + "…"


# --- parsing deck files -------------------------------------------------------------------------

_PREFIX = re.compile(r"\+?([1-9]\d{0,14})")
_AMOUNT = re.compile(r"\d{1,6}(?:\.\d{1,6})?")
_INCREMENT = re.compile(r"\d{1,5}")
_NUMBER_TYPE = re.compile(r"[a-z][a-z0-9_-]{0,19}")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_deck(text: str) -> tuple[list[RateRow], list[DeckError]]:
    """Read a deck CSV; every bad row is reported by its line number.

    Lines whose first cell starts with `#` are comments. Columns may come in any order; extra
    columns are ignored.
    """
    reader = csv.reader(io.StringIO(text))
    errors: list[DeckError] = []
    rows: list[RateRow] = []
    header: list[str] | None = None
    positions: list[int] = []
    seen: dict[tuple[str, str, str, date], int] = {}
    currency: str | None = None
    try:
        for cells in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in cells) or cells[0].lstrip().startswith("#"):
                continue
            if header is None:
                header = [cell.strip().lower() for cell in cells]
                missing = [name for name in COLUMNS if name not in header]
                if missing:
                    return [], [DeckError(line, "the header lacks " + ", ".join(missing)
                                          + "; it needs " + ",".join(COLUMNS))]
                positions = [header.index(name) for name in COLUMNS]
                continue
            if len(cells) != len(header):
                errors.append(DeckError(line, f"{len(cells)} fields where the header has "
                                              f"{len(header)}"))
                continue
            values = {name: cells[at].strip() for name, at in zip(COLUMNS, positions, strict=True)}
            row, problems = _row(values)
            if row is not None:
                currency = currency or row.currency
                if row.currency != currency:
                    problems.append(f"currency {row.currency} differs from the deck's {currency}"
                                    " (one currency per deck)")
                key = (row.prefix, row.direction, row.kind, row.effective_from)
                if key in seen:
                    problems.append(f"+{row.prefix} {row.direction} {row.number_type} from "
                                    f"{row.effective_from} repeats line {seen[key]}")
                else:
                    seen[key] = line
            if problems:
                errors.append(DeckError(line, "; ".join(problems)))
            elif row is not None:
                rows.append(row)
    except csv.Error as exc:
        errors.append(DeckError(reader.line_num, f"unreadable CSV: {exc}"))
    if header is None:
        errors.append(DeckError(0, "the file has no header and no rates"))
    elif not rows and not errors:
        errors.append(DeckError(0, "the deck has no rates"))
    return rows, errors


def _row(values: dict[str, str]) -> tuple[RateRow | None, list[str]]:
    problems: list[str] = []
    prefix = _PREFIX.fullmatch(values["prefix"])
    if prefix is None:
        problems.append(f"prefix {values['prefix']!r} is not digits such as +49 or 4930")
    elif not _has_country_code(prefix[1]):
        problems.append(f"prefix +{prefix[1]} does not begin with a country calling code")
    destination = values["destination"]
    if not destination or len(destination) > 120:
        problems.append("destination must be a name of 1 to 120 characters")
    number_type = values["number_type"].lower()
    if not _NUMBER_TYPE.fullmatch(number_type):
        problems.append(f"number_type {values['number_type']!r} is not a word such as "
                        "landline, mobile or tollfree")
    direction = values["direction"].lower()
    if direction not in DIRECTIONS:
        problems.append(f"direction {values['direction']!r} is not outbound or tollfree_inbound")
    amounts = {}
    for name in ("rate_per_min", "connection_fee"):
        if _AMOUNT.fullmatch(values[name]):
            amounts[name] = Decimal(values[name])
        else:
            problems.append(f"{name} {values[name]!r} is not an amount such as 0.0250 "
                            "(not negative, at most 6 decimals)")
    increments = {}
    for name in ("initial_increment", "recurring_increment"):
        raw = values[name]
        if _INCREMENT.fullmatch(raw) and 1 <= int(raw) <= MAX_INCREMENT:
            increments[name] = int(raw)
        else:
            problems.append(f"{name} {raw!r} is not a whole number of seconds from 1 to "
                            f"{MAX_INCREMENT}")
    currency = values["currency"].upper()
    if len(currency) != 3 or currency not in _currencies():
        problems.append(f"currency {values['currency']!r} is not an ISO 4217 code such as USD")
    effective: date | None = None
    if _ISO_DATE.fullmatch(values["effective_from"]):
        try:
            effective = date.fromisoformat(values["effective_from"])
        except ValueError:
            effective = None
    if effective is None:
        problems.append(f"effective_from {values['effective_from']!r} is not a date YYYY-MM-DD")
    if problems or prefix is None or effective is None:
        return None, problems
    return RateRow(prefix=prefix[1], destination=destination, number_type=number_type,
                   direction=direction, rate_per_min=amounts["rate_per_min"],
                   connection_fee=amounts["connection_fee"],
                   initial_increment=increments["initial_increment"],
                   recurring_increment=increments["recurring_increment"], currency=currency,
                   effective_from=effective), problems


def _has_country_code(digits: str) -> bool:
    return any(int(digits[:size]) in phonenumbers.COUNTRY_CODE_TO_REGION_CODE
               for size in (1, 2, 3) if len(digits) >= size)


@cache
def _currencies() -> frozenset[str]:
    return frozenset(list_currencies())


def load_deck_file(path: Path | str) -> tuple[list[RateRow], list[DeckError]]:
    """Read and validate a deck file (UTF-8, with or without a byte-order mark)."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        return [], [DeckError(0, f"cannot read {path}: {exc.strerror or exc}")]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return [], [DeckError(line, "is not UTF-8 text")]
    return parse_deck(text)


def is_sample_file(path: Path | str) -> bool:
    """True when the file holds the bundled sample prices (by content, wherever it lies)."""
    try:
        return _digest(Path(path).read_bytes()) == _digest(SAMPLE_DECK.read_bytes())
    except OSError:
        return False


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- the deck in the database -------------------------------------------------------------------

_decks: weakref.WeakKeyDictionary[Engine, RateDeck] = weakref.WeakKeyDictionary()
_decks_lock = threading.Lock()


def current_deck(engine: Engine) -> RateDeck:
    """The database's deck in memory, rebuilt only when a load replaced it (any process)."""
    with read_session(engine) as session:
        identity = rates_db.deck_identity(session=session)
        with _decks_lock:
            cached = _decks.get(engine)
        if identity is None:
            return RateDeck(())
        if cached is not None and cached.deck_id == identity[0]:
            return cached
        stored = rates_db.list_rates(session=session)
    deck = RateDeck((_from_model(rate) for rate in stored), deck_id=identity[0],
                    source=identity[1], sample=identity[2])
    with _decks_lock:
        _decks[engine] = deck
    return deck


def replace_deck(engine: Engine, rows: Sequence[RateRow], *, source: str, sample: bool,
                 now: datetime) -> int:
    """Replace the whole deck atomically; returns the number of rates."""
    if not rows:
        raise InvalidRateDeck("A deck needs at least one rate.")
    models = _to_models(rows, source=source, sample=sample, now=now)
    with write_transaction(engine) as session:
        count = rates_db.replace_rates(session=session, rows=models)
    forget_deck(engine)
    return count


def ensure_sample_deck(engine: Engine, path: Path | str | None = None, *,
                       now: datetime) -> bool:
    """Load the bundled sample (or `path`, e.g. CREDITS_RATES_FILE) when no deck is loaded."""
    with read_session(engine) as session:
        if rates_db.count_rates(session=session):
            return False
    source = Path(path) if path is not None else SAMPLE_DECK
    rows, errors = load_deck_file(source)
    if errors:
        raise InvalidRateDeck(f"The rate deck {source} has {len(errors)} bad row(s): "
                              + "; ".join(str(e) for e in errors[:5]), tuple(errors))
    models = _to_models(rows, source=source.name, sample=is_sample_file(source), now=now)
    with write_transaction(engine) as session:
        rates_db.lock_rates(session=session)
        if rates_db.count_rates(session=session):
            return False  # another process loaded one first
        rates_db.replace_rates(session=session, rows=models)
    forget_deck(engine)
    return True


def forget_deck(engine: Engine) -> None:
    """Drop this process's cached deck of an engine."""
    with _decks_lock:
        _decks.pop(engine, None)


def _to_models(rows: Sequence[RateRow], *, source: str, sample: bool, now: datetime) -> list[Rate]:
    deck_id = uuid.uuid4().hex
    return [Rate(prefix=row.prefix, destination=row.destination, number_type=row.number_type,
                 direction=row.direction, rate_per_min_micros=_micros(row.rate_per_min),
                 connection_fee_micros=_micros(row.connection_fee),
                 initial_increment=row.initial_increment,
                 recurring_increment=row.recurring_increment, currency=row.currency,
                 effective_from=row.effective_from, deck_id=deck_id, deck_source=source[:200],
                 sample=sample, loaded_at=now)
            for row in rows]


def _from_model(rate: Rate) -> RateRow:
    return RateRow(prefix=rate.prefix, destination=rate.destination,
                   number_type=rate.number_type, direction=rate.direction,
                   rate_per_min=_amount(rate.rate_per_min_micros),
                   connection_fee=_amount(rate.connection_fee_micros),
                   initial_increment=rate.initial_increment,
                   recurring_increment=rate.recurring_increment, currency=rate.currency,
                   effective_from=rate.effective_from)


def _amount(micros: int) -> Decimal:
    """Micro-units as a Decimal of 4 decimals, or 6 where the rate needs them."""
    return Decimal(micros).scaleb(-6).quantize(Decimal("0.0001") if micros % 100 == 0
                                               else Decimal("0.000001"))


@dataclass(frozen=True)
class LoadResult:
    """What `rates load` did."""

    count: int
    source: str
    sample: bool


class Rates:
    """The rate deck service: loads, replaces, quotes and prices against the database's deck."""

    def __init__(self, engine: Engine, clock: Clock, *, rates_file: Path | None = None) -> None:
        self.engine = engine
        self.clock = clock
        self.rates_file = rates_file

    def deck(self) -> RateDeck:
        """The deck in force; the sample (or CREDITS_RATES_FILE) is loaded if none is yet."""
        deck = current_deck(self.engine)
        if not len(deck) and ensure_sample_deck(self.engine, self.rates_file,
                                                now=self.clock.now()):
            deck = current_deck(self.engine)
        return deck

    def ensure_loaded(self) -> bool:
        """Load the configured or sample deck into an empty table (start-up)."""
        return ensure_sample_deck(self.engine, self.rates_file, now=self.clock.now())

    def load_file(self, path: Path | str) -> LoadResult:
        """Validate a deck file and replace the deck with it; a bad file changes nothing."""
        rows, errors = load_deck_file(path)
        if errors:
            raise InvalidRateDeck(f"{Path(path).name} has {len(errors)} bad row(s); the deck "
                                  "was not changed.", tuple(errors))
        sample = is_sample_file(path)
        count = replace_deck(self.engine, rows, source=Path(path).name, sample=sample,
                             now=self.clock.now())
        return LoadResult(count=count, source=Path(path).name, sample=sample)

    def quote(self, query: str, *, region: str | None = "US") -> RateQuote:
        """Quote a number, country or toll-free question on today's (UTC) deck."""
        return self.deck().quote(query, region=region, on=self.clock.now().date())
