"""Price a whole batch of calls against the rate deck at once (vectorised with polars).

The same rules as `RateDeck.price_e164_digits` (a test holds the two to the same answers): the
longest prefix of the E.164 digits with a rate in force on the call's UTC day, in the call's
direction, of a number type that fits the number's (phonenumbers' types,
`bot.numbers.number_types`);
else the country's one rate of the number's type; else, for a landline or mobile, the longest
prefix's row of another type (toll-free, premium-rate and shared-cost numbers are not priced
by another type's row). Of a prefix and type, the rate with the latest `effective_from` not
after that day; billed seconds from the initial and recurring increments;
`billed / 60 * rate + fee` rounded up to 4 decimals, in integer micro-units; 0 seconds cost
nothing.

Per call, that is a handful of dictionary probes in Python (7 s for a million calls here); as
one join per prefix length it is a fraction of a second.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from bot.numbers.number_types import (
    ANY,
    LANDLINE,
    LANDLINE_OR_MOBILE,
    MOBILE,
    SPECIAL,
    calling_code,
    number_kinds,
)
from bot.rates.deck import OUTBOUND, RateDeck

_EPOCH = date(1970, 1, 1)


def deck_frame(deck: RateDeck) -> pl.DataFrame:
    """The deck's rates as columns, with the integers pricing needs."""
    rows = deck.rows
    return pl.DataFrame({
        "direction": [row.direction for row in rows],
        "prefix": [row.prefix for row in rows],
        "row_kind": [row.kind for row in rows],
        # The order RateDeck tries a prefix's types in: ordinary ones first, then by name.
        "kind_order": [f"{int(row.kind in SPECIAL)}{row.kind}" for row in rows],
        "cc": [calling_code(row.prefix) for row in rows],
        "destination": [row.destination for row in rows],
        "plen": [len(row.prefix) for row in rows],
        "eff_day": [(row.effective_from - _EPOCH).days for row in rows],
        "rate_micros": [int(row.rate_per_min.scaleb(6)) for row in rows],
        "fee60": [60 * int(row.connection_fee.scaleb(6)) for row in rows],
        "initial": [row.initial_increment for row in rows],
        "recurring": [row.recurring_increment for row in rows],
    }, schema={"direction": pl.String, "prefix": pl.String, "row_kind": pl.String,
               "kind_order": pl.String, "cc": pl.String, "destination": pl.String,
               "plen": pl.Int64,
               "eff_day": pl.Int32, "rate_micros": pl.Int64, "fee60": pl.Int64,
               "initial": pl.Int64, "recurring": pl.Int64})


_PRICING = ("idx", "duration", "rate_micros", "fee60", "initial", "recurring", "destination")


class FrameRater:
    """Prices batches of calls against one deck (its rates prepared once)."""

    def __init__(self, deck: RateDeck) -> None:
        self.deck = deck
        rates = deck_frame(deck)
        self._by_length = {
            length: part.drop("plen", "cc")
            for (length,), part in rates.partition_by("plen", as_dict=True).items()}
        self._lengths = sorted(self._by_length, reverse=True)
        self._country = rates.filter((pl.col("row_kind") != ANY) & pl.col("cc").is_not_null())
        # Only where the deck tells types apart does a number's exact type matter; elsewhere
        # it is enough to know whether it is one of the special ones.
        self._detailed = frozenset(self._country["cc"].to_list())

    def price(self, digits: pl.Series, direction: pl.Series, start_at: pl.Series,
              duration_seconds: pl.Series) -> pl.Series:
        """Cost in micro-units of each call (Int64), null where the deck has no rate."""
        return self.rate(digits, direction, start_at, duration_seconds)["rated_micros"]

    def rate(self, digits: pl.Series, direction: pl.Series, start_at: pl.Series,
             duration_seconds: pl.Series, *, masked: pl.Series | None = None) -> pl.DataFrame:
        """Per call, in order: `rated_micros` (null without a rate) and the deck's name of the
        destination matched (`rated_destination`: a CDR carries no name of its own).

        `masked` (true where the number's last digits are hidden) leaves those numbers' type
        unknown, so that their prefix prices them.
        """
        calls = pl.DataFrame({
            "digits": digits, "direction": direction,
            "day": start_at.dt.convert_time_zone("UTC").dt.date().cast(pl.Int32),
            "duration": duration_seconds,
        }).with_row_index("idx")
        kinds = number_kinds(calls["digits"], detailed=self._detailed)
        typed = pl.col("direction") == OUTBOUND
        if masked is not None:
            typed = typed & ~pl.Series(masked).fill_null(False)
        calls = calls.with_columns(kind=pl.when(typed).then(kinds))
        pending = calls.filter(pl.col("digits").is_not_null())
        found: list[pl.DataFrame] = []
        passed: list[pl.DataFrame] = []
        for length in self._lengths:
            if pending.height == 0:
                break
            candidates = pending.filter(pl.col("digits").str.len_chars() >= length).with_columns(
                prefix=pl.col("digits").str.slice(0, length))
            rows = (candidates.join(self._by_length[length], on=["direction", "prefix"])
                    .filter(pl.col("eff_day") <= pl.col("day"))
                    # Of each prefix and type, the latest rate in force.
                    .sort("eff_day").unique(["idx", "row_kind"], keep="last")
                    .with_columns(rank=pl.when(pl.col("row_kind") == pl.col("kind")).then(0)
                                  .when(_fits()).then(1).otherwise(2))
                    .sort("idx", "rank", "kind_order").unique("idx", keep="first"))
            if rows.height:
                matched = rows.filter(pl.col("rank") < 2)
                found.append(matched.select(*_PRICING))
                passed.append(rows.filter(pl.col("rank") == 2).select(*_PRICING))
                pending = pending.join(matched.select("idx"), on="idx", how="anti")
        if pending.height:
            by_country = self._country_rates(pending)
            found.append(by_country)
            pending = pending.join(by_country.select("idx"), on="idx", how="anti")
        if pending.height and passed:
            # No rate of the number's type in its country: a landline or mobile (or a number of
            # unknown type) takes the longest prefix's row; a special one stays unpriced.
            ordinary = pending.filter(~pl.col("kind").is_in(list(SPECIAL)).fill_null(True))
            first = pl.concat(passed).unique("idx", keep="first", maintain_order=True)
            found.append(first.join(ordinary.select("idx"), on="idx"))
        found = [frame for frame in found if frame.height]
        if not found:
            return pl.DataFrame({"rated_micros": [None] * calls.height,
                                 "rated_destination": [None] * calls.height},
                                schema={"rated_micros": pl.Int64, "rated_destination": pl.String})
        priced = pl.concat(found).with_columns(cost=_cost())
        return (calls.select("idx")
                .join(priced.select("idx", "cost", "destination"), on="idx", how="left")
                .sort("idx")
                .select(pl.col("cost").alias("rated_micros"),
                        pl.col("destination").alias("rated_destination")))

    def _country_rates(self, pending: pl.DataFrame) -> pl.DataFrame:
        """The country's one rate of each number's type (none where its rates differ)."""
        typed = pending.filter(pl.col("kind").is_not_null()).with_columns(
            cc=pl.col("digits").map_elements(calling_code, return_dtype=pl.String))
        rows = (typed.join(self._country.rename({"row_kind": "kind"}),
                           on=["direction", "cc", "kind"])
                .filter(pl.col("eff_day") <= pl.col("day"))
                .sort("eff_day").unique(["idx", "prefix"], keep="last"))
        terms = ["destination", "rate_micros", "fee60", "initial", "recurring"]
        alike = (rows.group_by("idx").agg(pl.struct(terms).n_unique().alias("terms"))
                 .filter(pl.col("terms") == 1).select("idx"))
        return (rows.join(alike, on="idx").sort("idx", "plen")
                .unique("idx", keep="first").select(*_PRICING))


def _fits() -> pl.Expr:
    """`bot.numbers.number_types.fits` of the row's type and the number's, as an expression."""
    row, kind = pl.col("row_kind"), pl.col("kind")
    return (pl.when(kind.is_null()).then(True)
            .when(kind.is_in(list(SPECIAL))).then(False)
            .when(row == ANY).then(True)
            .when(kind == LANDLINE_OR_MOBILE).then(row.is_in([LANDLINE, MOBILE]))
            .otherwise((row == LANDLINE) & ~kind.is_in([LANDLINE, MOBILE])))


def _cost() -> pl.Expr:
    duration, initial, recurring = pl.col("duration"), pl.col("initial"), pl.col("recurring")
    steps = (duration - initial + recurring - 1) // recurring
    billed = pl.when(duration <= initial).then(initial).otherwise(initial + steps * recurring)
    cost_e4 = (billed * pl.col("rate_micros") + pl.col("fee60") + 5999) // 6000
    return pl.when(duration <= 0).then(0).otherwise(cost_e4 * 100).cast(pl.Int64)
