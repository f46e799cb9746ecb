"""Usage rows as columnar batches (polars), the form the importer works on.

Teams and Graph rows are parsed one by one (`bot.usage.formats`) and gathered into columns. A
CDR file, which may hold millions of rows, is read a batch of lines at a time and checked with
vectorised expressions; any row those cannot settle exactly (a time with a fraction or a zone, a
number that needs phonenumbers, any bad row) goes through the row parser, and so does every batch
that the plain reader cannot split exactly (quotes, blank or ragged lines). Both paths therefore
give the same calls and the same errors, at the same line numbers (a test holds them to it).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from functools import cache
from itertools import islice
from typing import IO, Any

import polars as pl

from bot.numbers.phone import national_rules
from bot.usage.formats.cdr_csv import (
    CDR_COLUMNS,
    CDR_DIRECTION_WORDS,
    cdr_positions,
    cdr_rows,
    parse_cdr_fields,
)
from bot.usage.formats.fields import SECONDS_PATTERN
from bot.usage.formats.records import CALLING_PLAN, CDR, ParsedCall, RowError
from bot.usage.formats.usage_file import UsageFile
from bot.usage.limits import not_text
from storage.units import to_micros

FRAME_SCHEMA: dict[str, Any] = {
    "line": pl.Int64,
    "record_key": pl.String,
    "source": pl.String,
    "call_id": pl.String,
    "user_upn": pl.String,
    "user_name": pl.String,
    "call_type": pl.String,
    "direction": pl.String,
    "destination_number": pl.String,
    "destination_digits": pl.String,  # E.164 digits to rate by (the known ones if masked)
    "destination_name": pl.String,
    "country": pl.String,
    "start_at": pl.Datetime("us", "UTC"),
    "duration_seconds": pl.Int64,
    "charge_micros": pl.Int64,  # the provider's charge, null when the record carries none
    "fee_micros": pl.Int64,
    "currency": pl.String,
    "license": pl.String,  # the record's own license (Capability, licenseCapability)
    "route": pl.String,  # calling_plan | direct_routing
    "flag": pl.String,  # kept with a note for the admin (a number that cannot be read)
}
_PLAIN_UTC = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$"  # the only time the fast path parses


@dataclass(frozen=True)
class CallFrame:
    """A batch of rows: the good ones as columns (FRAME_SCHEMA) and the rejected ones."""

    calls: pl.DataFrame
    errors: list[RowError]
    rows: int  # rows read, good and bad


def read_frames(usage: UsageFile, batch_size: int) -> Iterator[CallFrame]:
    """Stream a usage file's rows in batches of `batch_size` rows."""
    if usage.format == CDR:
        return _cdr_frames(usage.binary(), batch_size)
    return _frames_of(usage.calls(), batch_size)


def calls_frame(calls: Iterable[ParsedCall]) -> pl.DataFrame:
    """Columns of parsed calls (money in micro-units)."""
    columns: dict[str, list[Any]] = {name: [] for name in FRAME_SCHEMA}
    for call in calls:
        number = call.destination_number
        values = (
            call.line, call.record_key, call.source, call.call_id, call.user_upn, call.user_name,
            call.call_type, call.direction, number,
            number[1:].rstrip("*") if number and number.startswith("+") else None,
            call.destination_name, call.country, call.start, call.duration_seconds,
            None if call.charge is None else to_micros(call.charge),
            None if call.connection_fee is None else to_micros(call.connection_fee),
            call.currency, call.license, call.route, call.flag)
        for column, value in zip(columns.values(), values, strict=True):
            column.append(value)
    return pl.DataFrame(columns, schema=FRAME_SCHEMA)


def _frames_of(rows: Iterator[ParsedCall | RowError], batch_size: int) -> Iterator[CallFrame]:
    while chunk := list(islice(rows, batch_size)):
        good = [row for row in chunk if isinstance(row, ParsedCall)]
        bad = [row for row in chunk if isinstance(row, RowError)]
        yield CallFrame(calls_frame(good), bad, len(chunk))


def _cdr_frames(stream: IO[bytes], batch_size: int) -> Iterator[CallFrame]:
    header_line = stream.readline()
    if not header_line:
        return
    header_text = _decoded(header_line, first_line=1)
    header = next(csv.reader([header_text]))
    positions = cdr_positions(header)
    line = 2
    while lines := list(islice(stream, batch_size)):
        chunk = b"".join(lines)
        frame = _fast_frame(chunk, len(lines), len(header), positions, first_line=line)
        if frame is None:
            frame = _slow_frame(header_text, chunk, offset=line - 2)
        yield frame
        line += len(lines)


def _slow_frame(header_text: str, chunk: bytes, *, offset: int) -> CallFrame:
    """The row parser on a batch, with line numbers shifted to the batch's place in the file."""
    text = io.StringIO(header_text + _decoded(chunk, first_line=offset + 2), newline="")
    good: list[ParsedCall] = []
    bad: list[RowError] = []
    for row in cdr_rows(text):
        if isinstance(row, RowError):
            bad.append(replace(row, line=row.line + offset))
        else:
            good.append(replace(row, line=row.line + offset))
    return CallFrame(calls_frame(good), bad, len(good) + len(bad))


def _decoded(chunk: bytes, *, first_line: int) -> str:
    """UTF-8 text (a BOM allowed at the start); anything else refused with its line."""
    try:
        return chunk.decode("utf-8-sig" if first_line == 1 else "utf-8")
    except UnicodeDecodeError as exc:
        raise not_text(first_line + chunk.count(b"\n", 0, exc.start)) from None


def _fast_frame(chunk: bytes, count: int, width: int, positions: list[int], *,
                first_line: int) -> CallFrame | None:
    """Read a plain batch with vectorised checks; None when it needs the row parser."""
    if b'"' in chunk or chunk.count(b",") != (width - 1) * count:
        return None  # quoted fields, blank or ragged lines: the csv module reads them exactly
    try:
        raw = pl.read_csv(io.BytesIO(chunk), has_header=False, infer_schema=False,
                          quote_char=None, new_columns=[f"c{i}" for i in range(width)])
    except (pl.exceptions.PolarsError, UnicodeDecodeError):
        return None
    if raw.height != count:
        return None
    checked = (
        raw.lazy()
        .select((pl.int_range(0, pl.len(), dtype=pl.Int64) + first_line).alias("line"),
                *[pl.col(f"c{at}").fill_null("").str.strip_chars().alias(column)
                  for column, at in zip(CDR_COLUMNS, positions, strict=True)])
        .pipe(_with_possible_e164, "destination_number")
        .with_columns(
            start_at=pl.when(pl.col("start").str.contains(_PLAIN_UTC)).then(
                pl.col("start").str.strptime(pl.Datetime("us", "UTC"), "%Y-%m-%dT%H:%M:%SZ",
                                             strict=False)),
            seconds=pl.when(pl.col("duration_seconds").str.contains(SECONDS_PATTERN))
            .then(pl.col("duration_seconds").cast(pl.Int64, strict=False)),
            direction_norm=pl.col("direction").str.to_lowercase().replace_strict(
                CDR_DIRECTION_WORDS, default=None))
        .with_columns(simple=(pl.col("call_id") != "") & pl.col("start_at").is_not_null()
                      & (pl.col("seconds") >= 0).fill_null(False)
                      & pl.col("digits").is_not_null() & pl.col("direction_norm").is_not_null())
        .collect())
    calls = checked.filter(pl.col("simple")).select(
        pl.col("line"),
        pl.col("call_id").alias("record_key"),
        pl.lit(CDR).alias("source"),
        pl.col("call_id"),
        pl.when(pl.col("user") != "").then(pl.col("user")).alias("user_upn"),
        pl.lit(None, pl.String).alias("user_name"),
        pl.lit(None, pl.String).alias("call_type"),
        pl.col("direction_norm").alias("direction"),
        ("+" + pl.col("digits")).alias("destination_number"),
        pl.col("digits").alias("destination_digits"),
        pl.lit(None, pl.String).alias("destination_name"),
        pl.lit(None, pl.String).alias("country"),
        pl.col("start_at"),
        pl.col("seconds").alias("duration_seconds"),
        pl.lit(None, pl.Int64).alias("charge_micros"),
        pl.lit(None, pl.Int64).alias("fee_micros"),
        pl.lit(None, pl.String).alias("currency"),
        pl.lit(None, pl.String).alias("license"),
        pl.lit(CALLING_PLAN).alias("route"),
        pl.lit(None, pl.String).alias("flag"),
    )
    errors: list[RowError] = []
    others = checked.filter(~pl.col("simple"))
    if others.height:
        parsed: list[ParsedCall] = []
        for row in others.select("line", *CDR_COLUMNS).iter_rows():
            result = parse_cdr_fields(list(row[1:]), row[0])
            (errors if isinstance(result, RowError) else parsed).append(result)  # type: ignore[arg-type]
        if parsed:
            calls = pl.concat([calls, calls_frame(parsed)]).sort("line")
    return CallFrame(calls, errors, count)


def _with_possible_e164(frame: pl.LazyFrame, column: str) -> pl.LazyFrame:
    """Add `digits`: the E.164 digits of a number that is plainly possible, null where
    phonenumbers must decide.

    The same test as `bot.numbers.phone`'s fast path:
    `+`, a known calling code, a national part of a
    possible length for it that starts neither with 0 nor with the national prefix. (Built in
    steps: polars would compute a shared sub-expression again for every use.)
    """
    codes = _calling_codes()
    number = pl.col(column)
    known = codes["code"].implode()
    return (
        frame
        .with_columns(_digits=pl.when(number.str.contains(r"^\+[1-9]\d{2,16}$"))
                      .then(number.str.slice(1)))
        .with_columns(_code=pl.coalesce([
            pl.when(pl.col("_digits").str.slice(0, size).is_in(known))
            .then(pl.col("_digits").str.slice(0, size)) for size in (1, 2, 3)]))
        .with_columns(_national=pl.col("_digits").str.slice(pl.col("_code").str.len_chars()))
        .with_columns(_possible=(
            pl.concat_str(pl.col("_code"), pl.lit(":"),
                          pl.col("_national").str.len_chars().cast(pl.String))
            .is_in(_possible_lengths().implode())
            & ~pl.col("_national").str.starts_with("0")
            & ~pl.col("_national").str.contains(
                pl.col("_code").replace_strict(codes["code"], codes["pattern"], default=None,
                                               return_dtype=pl.String)).fill_null(False)))
        .with_columns(digits=pl.when(pl.col("_possible").fill_null(False))
                      .then(pl.col("_digits")))
        .drop("_digits", "_code", "_national", "_possible"))


@cache
def _possible_lengths() -> pl.Series:
    """`code:length` for every possible national length of every calling code kept."""
    codes = _calling_codes()
    return pl.Series([f"{code}:{length}" for code, lengths in codes.select("code", "lengths")
                      .iter_rows() for length in lengths], dtype=pl.String)


@cache
def _calling_codes() -> pl.DataFrame:
    """Per calling code: possible national lengths and the national prefix, as `^(?:…)`.

    Codes whose prefix pattern Rust's regex engine cannot take are left out: their numbers go
    to phonenumbers.
    """
    rows: list[tuple[str, list[int], str | None]] = []
    for code, lengths, prefix in national_rules():
        pattern = f"^(?:{prefix})" if prefix else None
        if pattern is not None:
            try:
                pl.Series([""]).str.contains(pattern)
            except pl.exceptions.PolarsError:
                continue
        rows.append((code, sorted(lengths), pattern))
    return pl.DataFrame(rows, schema={"code": pl.String, "lengths": pl.List(pl.Int64),
                                      "pattern": pl.String}, orient="row")
