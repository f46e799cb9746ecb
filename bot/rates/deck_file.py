"""Deck files: read and validate a rate deck CSV (DESIGN §5).

The bundled deck (`bot/data/sample_rates.csv`) holds SAMPLE prices, not any carrier's: rows
loaded from it are flagged `sample`, and every quote says so.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path

import phonenumbers
from babel.numbers import list_currencies

from bot.rates.deck import DIRECTIONS, RateRow

COLUMNS = ("prefix", "destination", "number_type", "direction", "rate_per_min", "connection_fee",
           "initial_increment", "recurring_increment", "currency", "effective_from")
SAMPLE_DECK = Path(__file__).parent.parent / "data" / "sample_rates.csv"
MAX_INCREMENT = 3600


@dataclass(frozen=True)
class DeckError:
    """A bad row of a deck file, by its line number (0: the file as a whole)."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message



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
