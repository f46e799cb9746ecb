"""Synthetic inputs of the import benchmark: a CDR file and a rate deck that rates all of it.

Calls are in time order, as exports list them, with call ids in random order (the worst case
for the unique index, and what SBCs' UUID-like ids give). Numbers are possible E.164 numbers
of 20 countries (national parts of a possible length that start with 2-7, so no national
prefix is mistaken, and none toll-free, premium-rate or shared-cost: the deck's `any` rows
do not price those); prefixes are each country's code plus 1-5 digits, and every country
code is in the deck as well, so every call has a rate. One prefix in 20 has a second, newer
rate that comes into force in the middle of the calls' month, so pricing must pick the rate in
force by date.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from bot.numbers.number_types import number_kinds

# (calling code, national length): possible for phonenumbers' metadata.
COUNTRIES = (("1", 10), ("44", 10), ("49", 11), ("33", 9), ("81", 10), ("55", 11), ("91", 10),
             ("34", 9), ("39", 10), ("61", 9), ("86", 11), ("52", 10), ("7", 10), ("27", 9),
             ("31", 9), ("46", 9), ("41", 9), ("48", 9), ("65", 8), ("971", 9))
USERS = 2_000
DECK_HEADER = ("prefix,destination,number_type,direction,rate_per_min,connection_fee,"
               "initial_increment,recurring_increment,currency,effective_from")
INCREMENTS = ((60, 60), (60, 6), (1, 1), (30, 6), (60, 1))


def write_cdr(path: Path, rows: int, *, seed: int = 7) -> None:
    """Write `rows` CDRs: unique call ids, October 2026, durations 0 s to 2 h."""
    rng = np.random.default_rng(seed)
    country = rng.integers(0, len(COUNTRIES), rows)
    codes = np.array([code for code, _ in COUNTRIES])[country]
    lengths = np.array([length for _, length in COUNTRIES])[country]
    first = rng.integers(2, 8, rows)
    rest = rng.integers(0, 10**12, rows, dtype=np.int64)
    # An export lists calls in time order; call ids are random (SBC ids are UUID-like).
    seconds = np.sort(rng.integers(0, 31 * 86_400, rows))
    start = (np.datetime64("2026-10-01T00:00:00") + seconds.astype("timedelta64[s]")
             ).astype("datetime64[us]")
    durations = np.where(rng.random(rows) < 0.05, 0, rng.exponential(180, rows).astype(int))
    frame = pl.DataFrame({
        "call_id": [f"pbx-{i:08d}" for i in rng.permutation(rows)],
        "user": [f"user{u}@contoso.example" for u in rng.integers(0, USERS, rows)],
        "start": pl.Series(start).dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "duration_seconds": np.minimum(durations, 7_200),
        "code": codes, "first": first, "rest": rest, "length": lengths,
    })
    number = pl.concat_str(
        pl.col("code"), pl.col("first").cast(pl.String),
        pl.col("rest").cast(pl.String).str.zfill(12).str.slice(0, pl.col("length") - 1))
    # A toll-free, premium-rate or shared-cost number is not priced by the deck's `any` rows
    # (it is rejected): draw those again, so that every call takes the priced path.
    for _ in range(20):
        special = number_kinds(frame.select(number).to_series(), detailed=()).is_not_null()
        if not special.any():
            break
        frame = frame.with_columns(rest=pl.when(special).then(
            pl.Series(rng.integers(0, 10**12, rows, dtype=np.int64))).otherwise(pl.col("rest")))
    frame = frame.with_columns(
        destination_number=pl.lit("+") + number, direction=pl.lit("outbound"),
    ).select("call_id", "user", "start", "duration_seconds", "destination_number", "direction")
    frame.write_csv(path)


def write_deck(path: Path, prefixes: int, *, seed: int = 11) -> None:
    """Write a deck of `prefixes` distinct prefixes (plus dated second rates for 1 in 20)."""
    rng = np.random.default_rng(seed)
    chosen: set[str] = {code for code, _ in COUNTRIES}
    while len(chosen) < prefixes:
        code = COUNTRIES[int(rng.integers(0, len(COUNTRIES)))][0]
        extra = int(rng.integers(1, 6))
        chosen.add(code + str(int(rng.integers(2, 8)))
                   + "".join(str(d) for d in rng.integers(0, 10, extra - 1)))
    lines = [DECK_HEADER]
    for index, prefix in enumerate(sorted(chosen)):
        initial, recurring = INCREMENTS[index % len(INCREMENTS)]
        rate = f"0.{int(rng.integers(10, 3000)):04d}"
        fee = "0.0100" if index % 7 == 0 else "0.0000"
        lines.append(f"+{prefix},Destination {prefix},any,outbound,{rate},{fee},{initial},"
                     f"{recurring},USD,2026-01-01")
        if index % 20 == 0:
            newer = f"0.{int(rng.integers(10, 3000)):04d}"
            lines.append(f"+{prefix},Destination {prefix},any,outbound,{newer},{fee},{initial},"
                         f"{recurring},USD,2026-10-15")
    path.write_text("\n".join(lines) + "\n")
