"""The rate deck in memory and pricing (DESIGN §5): rate calls, quote rates.

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
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache, partial

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from bot.errors import NoRate, Sentence, UnknownDestination
from bot.i18n import N_, language
from bot.money import Money
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

OUTBOUND = "outbound"
TOLLFREE_INBOUND = "tollfree_inbound"
DIRECTIONS = (OUTBOUND, TOLLFREE_INBOUND)
PREFIX_RULE = "prefix"
TYPE_RULE = "type"
_AUTO: object = object()  # "the number's type from phonenumbers", the look-ups' default


@dataclass(frozen=True, slots=True)
class RateRow:
    """One rate of the deck; `prefix` is digits without `+`.

    The prices stay bare Decimals beside the deck's currency: the rater turns thousands of rows
    into integer columns (the speed exception of `bot.money`); `per_minute` and `fee` are
    the same prices as Money for everything else."""

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
    def per_minute(self) -> Money:
        return Money(self.rate_per_min, self.currency)

    @property
    def fee(self) -> Money:
        """The connection fee."""
        return Money(self.connection_fee, self.currency)

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
    def cost(self) -> Money:
        """The cost, 4 decimals (rounded up when priced)."""
        return Money(Decimal(self.cost_micros // 100).scaleb(-4), self.rate.currency)

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
