"""Call records from the three usage formats of DESIGN §5, told apart by their content.

- the Teams admin center PSTN usage export: a CSV with the 25 documented columns, or the
  `Export.callingplans.*.zip` that holds it;
- Microsoft Graph `getPstnCalls`: JSON, one page (`{"value": [...]}`) or a list of pages
  (`@odata.nextLink` means nothing in a file);
- a plain CDR CSV from a PBX or SBC (`call_id,user,start,duration_seconds,destination_number,
  direction`), which carries no price.

`UsageFile.calls()` streams one `ParsedCall` or `RowError` per row. `UsageFile.frames()` streams
the same rows as columnar batches (polars), which is how the importer takes in millions of CDRs:
a CDR batch is validated with vectorised expressions, and any batch the fast reader cannot take
exactly (quotes, blank or ragged lines, numbers or times that need phonenumbers or `datetime`)
goes through the row parser instead, so both paths give the same rows and the same errors.

Line numbers: CSV errors name the physical line of the file (the header is line 1); JSON errors
name the record's position among all the file's records, counted from 1 ("record 7").
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import zipfile
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import IO, Any, cast

from babel.numbers import list_currencies

from bot.errors import CreditsError, InvalidNumber
from bot.phone import normalize

TEAMS, GRAPH, CDR = "teams", "graph", "cdr"
DIRECTIONS = ("outbound", "inbound", "tollfree_inbound")

TEAMS_COLUMNS = (
    "UsageId", "Call ID", "Conference ID", "User Location", "Microsoft Entra ObjectId", "UPN",
    "User Display Name", "Caller ID", "Call Type", "Call Direction", "Number Type",
    "Domestic/International", "Destination Dialed", "Destination Number", "External Country",
    "Start Time", "End Time", "Duration Seconds", "Connection Fee", "Charge", "Currency",
    "Capability", "Operator", "Source of Call Duration", "Administrative Units",
)
# The columns a Teams export cannot do without (older exports name the Entra column differently).
TEAMS_REQUIRED = ("UsageId", "UPN", "Call Type", "Destination Number", "Start Time",
                  "Duration Seconds", "Charge", "Currency")
CDR_COLUMNS = ("call_id", "user", "start", "duration_seconds", "destination_number",
               "direction")

# Decimal text as exports write money: no exponent, no sign games, at most 6 decimals (micros).
_MONEY = re.compile(r"^-?\d{1,12}(?:\.\d{1,6})?$")
SECONDS_PATTERN = r"^-?\d{1,9}$"
_SECONDS = re.compile(SECONDS_PATTERN)
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_HEAD_BYTES = 64 * 1024
_ZIP_MAGIC = b"PK\x03\x04"

CDR_DIRECTION_WORDS = {
    "outbound": "outbound", "out": "outbound", "outgoing": "outbound",
    "inbound": "inbound", "in": "inbound", "incoming": "inbound",
    "tollfree_inbound": "tollfree_inbound", "tollfree": "tollfree_inbound",
    "toll-free": "tollfree_inbound", "toll_free_inbound": "tollfree_inbound",
}


class UnsupportedFormat(CreditsError):
    """A usage file is none of the formats the bot reads."""


@dataclass(frozen=True, slots=True)
class ParsedCall:
    """One call as a usage file describes it, before it is priced or stored."""

    record_key: str  # Teams UsageId == Graph id; a CDR's call_id
    source: str  # teams | graph | cdr
    line: int  # physical line (CSV) or record number (JSON) it came from
    call_id: str | None
    user_upn: str | None
    user_name: str | None
    call_type: str | None
    direction: str  # outbound | inbound | tollfree_inbound
    destination_number: str | None  # E.164 (`+` digits, masked digits as `*`)
    destination_name: str | None
    country: str | None
    start: datetime  # aware, UTC
    duration_seconds: int
    charge: Decimal | None  # what the provider charged, without the connection fee
    connection_fee: Decimal | None
    currency: str | None  # None: the account's (a CDR carries no price)

    @property
    def provider_total(self) -> Decimal | None:
        """`charge + connection fee`, what a record that carries a price is charged."""
        if self.charge is None:
            return None
        return self.charge + (self.connection_fee or Decimal(0))


@dataclass(frozen=True, slots=True)
class RowError:
    """A row that was not taken, and why."""

    line: int
    message: str
    unit: str = "line"  # "record" for JSON

    def __str__(self) -> str:
        return f"{self.unit} {self.line}: {self.message}"


class _RowProblems(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


Source = str | os.PathLike[str] | bytes | IO[bytes]


# -- detection and opening ---------------------------------------------------------------------

def detect_format(head: bytes) -> str:
    """Name the format of a file from its first bytes: `teams`, `graph` or `cdr`."""
    if head.startswith(_ZIP_MAGIC):
        return TEAMS
    text = head.decode("utf-8-sig", errors="replace").lstrip()
    if text[:1] in ("{", "["):
        return GRAPH
    header = _header_of(text)
    if header is not None:
        names = {name.strip().lower() for name in header}
        if {column.lower() for column in TEAMS_REQUIRED} <= names:
            return TEAMS
        if set(CDR_COLUMNS) <= names:
            return CDR
    raise UnsupportedFormat(
        "This file is not a usage export I can read: send the Teams admin center PSTN usage "
        "export (CSV or its zip), Graph getPstnCalls JSON, or a CDR CSV with the columns "
        + ",".join(CDR_COLUMNS) + ".")


def _header_of(text: str) -> list[str] | None:
    first = text.splitlines()[0] if text else ""
    if not first.strip():
        return None
    try:
        return next(csv.reader([first]))
    except (csv.Error, StopIteration):
        return None


def open_usage(source: Source, *, name: str | None = None) -> UsageFile:
    """Open a usage file (a path, bytes or a binary stream) and detect its format."""
    stream, label = _open_stream(source)
    try:
        head = _peek(stream)
        fmt = detect_format(head)
        if head.startswith(_ZIP_MAGIC):
            stream, head = _zip_member(stream)
            if detect_format(head) != TEAMS:
                raise UnsupportedFormat("The zip holds no Teams PSTN usage export.")
    except BaseException:
        stream.close()
        raise
    return UsageFile(stream, fmt, name=name or label)


def _open_stream(source: Source) -> tuple[IO[bytes], str]:
    if isinstance(source, bytes | bytearray):
        return io.BytesIO(source), "upload"
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        return path.open("rb"), path.name
    name = str(getattr(source, "name", "upload"))
    if not source.seekable():  # detection reads the head first, then reads from the start
        return io.BytesIO(source.read()), name
    return source, name


def _peek(stream: IO[bytes]) -> bytes:
    position = stream.tell()
    head = stream.read(_HEAD_BYTES)
    stream.seek(position)
    return head


def _zip_member(stream: IO[bytes]) -> tuple[IO[bytes], bytes]:
    archive = zipfile.ZipFile(stream)
    members = [info for info in archive.infolist()
               if not info.is_dir() and info.filename.lower().endswith(".csv")]
    if len(members) != 1:
        archive.close()
        raise UnsupportedFormat(
            f"The zip holds {len(members)} CSV files; the Teams export holds exactly one.")
    with archive.open(members[0]) as member:
        head = member.read(_HEAD_BYTES)
    # ZipExtFile seeks by re-reading, so give the reader its own handle from the start.
    return cast(IO[bytes], _ZipStream(archive, members[0])), head


class _ZipStream(io.RawIOBase):
    """A zip member as a readable stream that closes its archive with it."""

    def __init__(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
        super().__init__()
        self._archive = archive
        self._member = archive.open(info)
        self.name = info.filename

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._member.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._member.close()
            self._archive.close()
        super().close()


class UsageFile:
    """An open usage file of a known format; read it once, with `calls()` or `frames()`."""

    def __init__(self, stream: IO[bytes], fmt: str, *, name: str) -> None:
        self.format = fmt
        self.name = name
        self._stream = stream

    def __enter__(self) -> UsageFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._stream.close()

    def calls(self) -> Iterator[ParsedCall | RowError]:
        """Stream the file's rows, each parsed or rejected."""
        if self.format == GRAPH:
            return _graph_rows(self._stream)
        return self._text_rows()

    def _text_rows(self) -> Iterator[ParsedCall | RowError]:
        text = io.TextIOWrapper(self.binary(), encoding="utf-8-sig", newline="")
        try:
            yield from (_teams_rows(text) if self.format == TEAMS else cdr_rows(text))
        finally:
            with suppress(ValueError):  # already closed by its UsageFile
                text.detach()  # the file is ours to close, not the wrapper's

    def count_rows(self) -> int | None:
        """The number of rows, counted cheaply before reading (None when unknown)."""
        stream = self._stream
        if not stream.seekable():
            return None
        position = stream.tell()
        try:
            if self.format == GRAPH:
                return sum(1 for _ in _graph_records(_load_json(stream)))
            lines = 0
            last = b"\n"
            while chunk := stream.read(1 << 20):
                lines += chunk.count(b"\n")
                last = chunk[-1:]
            return max(lines + (last != b"\n") - 1, 0)  # the header is no row
        except (ValueError, UnsupportedFormat):
            return None
        finally:
            stream.seek(position)

    def binary(self) -> IO[bytes]:
        """The file's bytes as a buffered stream, for readers of their own (read it once)."""
        if isinstance(self._stream, io.RawIOBase):
            self._stream = cast(IO[bytes], io.BufferedReader(self._stream,
                                                             buffer_size=1 << 20))
        return self._stream


# -- Teams admin center CSV ------------------------------------------------------------------

# The columns a call is made of, in the order `_teams_call` takes them.
_TEAMS_USED = ("UsageId", "Call ID", "UPN", "User Display Name", "Call Type", "Call Direction",
               "Number Type", "Destination Dialed", "Destination Number", "External Country",
               "Start Time", "Duration Seconds", "Charge", "Connection Fee", "Currency")


def _teams_rows(text: IO[str]) -> Iterator[ParsedCall | RowError]:
    reader = csv.reader(text)
    header = next(reader, None)
    if header is None:
        return
    index = {name.strip().lower(): i for i, name in enumerate(header)}
    missing = [name for name in TEAMS_REQUIRED if name.lower() not in index]
    if missing:
        raise UnsupportedFormat(f"The Teams export lacks the columns {', '.join(missing)}.")
    width = len(header)
    # An optional column the export lacks reads as the empty field appended to every row.
    positions = [index.get(name.lower(), width) for name in _TEAMS_USED]
    last_line = reader.line_num
    for fields in reader:
        line, last_line = last_line + 1, reader.line_num
        if len(fields) != width:
            if any(field.strip() for field in fields):
                yield RowError(line, f"expected {width} fields, found {len(fields)}")
            continue
        fields.append("")
        values = [fields[position].strip() for position in positions]
        if not any(values):
            continue
        try:
            yield _teams_call(values, line)
        except _RowProblems as problems:
            yield RowError(line, str(problems))


def _teams_call(values: list[str], line: int) -> ParsedCall:
    (key, call_id, upn, user_name, call_type, call_direction, number_type, dialed,
     destination, country, start_text, seconds, charge_text, fee_text, currency_text) = values
    problems: list[str] = []
    if not key:
        problems.append("missing UsageId")
    direction = _teams_direction(call_direction, call_type or None, number_type, problems)
    number = _number(destination, problems, required=False)
    start = _time(start_text, "Start Time", problems)
    duration = _seconds(seconds, "Duration Seconds", problems)
    charge = _money(charge_text, "Charge", problems, required=True)
    fee = _money(fee_text, "Connection Fee", problems, required=False)
    currency = _currency(currency_text, problems)
    if problems:
        raise _RowProblems(problems)
    return ParsedCall(
        record_key=key, source=TEAMS, line=line, call_id=call_id or None,
        user_upn=upn or None, user_name=user_name or None, call_type=call_type or None,
        direction=direction or "outbound", destination_number=number,
        destination_name=dialed or None, country=country or None, start=cast(datetime, start),
        duration_seconds=cast(int, duration), charge=charge, connection_fee=fee,
        currency=currency)


def _teams_direction(direction: str, call_type: str | None, number_type: str,
                     problems: list[str]) -> str | None:
    lowered = direction.lower()
    tollfree = "toll" in number_type.lower()
    if lowered == "outbound":
        return "outbound"
    if lowered == "inbound":
        return "tollfree_inbound" if tollfree else "inbound"
    found = _call_type_direction(call_type, tollfree=tollfree)
    if found is None:
        problems.append(f"unknown call direction {direction or call_type!r}")
    return found


def _call_type_direction(call_type: str | None, *, tollfree: bool) -> str | None:
    """Direction from a Teams / Graph call type (user_in, user_out_conf, conf_out, dialout …)."""
    kind = (call_type or "").strip().lower()
    if not kind:
        return None
    words = kind.replace("-", "_").split("_")
    if "in" in words:
        return "tollfree_inbound" if tollfree else "inbound"
    if "out" in words or "dialout" in words or kind == "emergency":
        return "outbound"
    return None


# -- Graph getPstnCalls JSON -----------------------------------------------------------------

def _load_json(stream: IO[bytes]) -> Any:
    try:
        return json.loads(stream.read().decode("utf-8-sig"), parse_float=Decimal)
    except (ValueError, UnicodeDecodeError) as exc:
        raise UnsupportedFormat(f"The JSON file cannot be read: {exc}") from None


def _graph_records(document: Any) -> Iterator[Any]:
    pages = document if isinstance(document, list) else [document]
    for page in pages:
        if not isinstance(page, dict) or not isinstance(page.get("value"), list):
            raise UnsupportedFormat(
                "Graph JSON must be a getPstnCalls page ({\"value\": [...]}) or a list of them.")
        yield from page["value"]


def _graph_rows(stream: IO[bytes]) -> Iterator[ParsedCall | RowError]:
    document = _load_json(stream)
    for number, record in enumerate(_graph_records(document), start=1):
        if not isinstance(record, dict):
            yield RowError(number, "not a pstnCallLogRow object", "record")
            continue
        try:
            yield _graph_call(record, number)
        except _RowProblems as problems:
            yield RowError(number, str(problems), "record")


def _graph_call(record: dict[str, Any], number: int) -> ParsedCall:
    problems: list[str] = []

    def text(name: str) -> str:
        value = record.get(name)
        return "" if value is None else str(value).strip()

    key = text("id")
    if not key:
        problems.append("missing id")
    call_type = text("callType") or None
    tollfree = "toll" in text("inventoryType").lower()
    direction = _call_type_direction(call_type, tollfree=tollfree)
    if direction is None:
        problems.append(f"unknown callType {call_type!r}")
    callee = _number(text("calleeNumber"), problems, required=False)
    start = _time(text("startDateTime"), "startDateTime", problems)
    duration = _seconds(_json_int_text(record.get("duration")), "duration", problems)
    charge = _json_money(record.get("charge"), "charge", problems, required=True)
    fee = _json_money(record.get("connectionCharge"), "connectionCharge", problems,
                      required=False)
    currency = _currency(text("currency"), problems)
    if problems:
        raise _RowProblems(problems)
    external = text("callerNumber") if direction != "outbound" else text("calleeNumber")
    return ParsedCall(
        record_key=str(key), source=GRAPH, line=number, call_id=text("callId") or None,
        user_upn=text("userPrincipalName") or None, user_name=text("userDisplayName") or None,
        call_type=call_type, direction=cast(str, direction), destination_number=callee,
        destination_name=text("destinationName") or None, country=_region(external),
        start=cast(datetime, start), duration_seconds=cast(int, duration), charge=charge,
        connection_fee=fee, currency=currency)


def _json_int_text(value: Any) -> str:
    """A JSON duration as the text the seconds check reads (`120.0` is 120 seconds)."""
    if value is None:
        return ""
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        return str(int(value))
    return json.dumps(value) if isinstance(value, bool) else str(value)


def _json_money(value: Any, name: str, problems: list[str], *,
                required: bool) -> Decimal | None:
    if value is None or value == "":
        if required:
            problems.append(f"missing {name}")
            return None
        return Decimal(0)
    if isinstance(value, bool) or not isinstance(value, int | Decimal | str):
        problems.append(f"{name} {value!r} is not a number")
        return None
    if isinstance(value, str):
        return _money(value, name, problems, required=required)
    amount = Decimal(value)
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.000001")):
        problems.append(f"{name} {value} is not an amount of money")
        return None
    if amount < 0:
        problems.append(f"{name} {value} is negative")
        return None
    return amount


def _region(number: str) -> str | None:
    if not number:
        return None
    try:
        region = normalize(number).region
    except InvalidNumber:
        return None
    return region if len(region) == 2 and region.isalpha() else None


# -- plain CDR CSV ---------------------------------------------------------------------------

def cdr_rows(text: IO[str]) -> Iterator[ParsedCall | RowError]:
    reader = csv.reader(text)
    header = next(reader, None)
    if header is None:
        return
    positions = cdr_positions(header)
    width = len(header)
    last_line = reader.line_num
    for fields in reader:
        line, last_line = last_line + 1, reader.line_num
        if not any(field.strip() for field in fields):
            continue
        if len(fields) != width:
            yield RowError(line, f"expected {width} fields, found {len(fields)}")
            continue
        yield parse_cdr_fields([fields[position].strip() for position in positions], line)


def cdr_positions(header: list[str]) -> list[int]:
    names = [name.strip().lower().lstrip("\ufeff") for name in header]
    missing = [column for column in CDR_COLUMNS if column not in names]
    if missing:
        raise UnsupportedFormat(f"The CDR file lacks the columns {', '.join(missing)}.")
    return [names.index(column) for column in CDR_COLUMNS]


def parse_cdr_fields(values: list[str], line: int) -> ParsedCall | RowError:
    """Parse a CDR row's six stripped fields (in CDR_COLUMNS order)."""
    try:
        return _cdr_call(values, line)
    except _RowProblems as problems:
        return RowError(line, str(problems))


def _cdr_call(values: list[str], line: int) -> ParsedCall:
    call_id, user, start_text, seconds, number_text, direction_text = values
    problems: list[str] = []
    if not call_id:
        problems.append("missing call_id")
    start = _time(start_text, "start", problems)
    duration = _seconds(seconds, "duration_seconds", problems)
    number = _number(number_text, problems, required=True)
    direction = CDR_DIRECTION_WORDS.get(direction_text.lower())
    if direction is None:
        problems.append(f"unknown direction {direction_text!r}: outbound, inbound or "
                        "tollfree_inbound")
    if problems:
        raise _RowProblems(problems)
    return ParsedCall(
        record_key=call_id, source=CDR, line=line, call_id=call_id, user_upn=user or None,
        user_name=None, call_type=None, direction=cast(str, direction),
        destination_number=number, destination_name=None, country=None,
        start=cast(datetime, start), duration_seconds=cast(int, duration), charge=None,
        connection_fee=None, currency=None)


# -- field parsers shared by the formats -----------------------------------------------------

def _time(text: str, name: str, problems: list[str]) -> datetime | None:
    if not text:
        problems.append(f"missing {name}")
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        problems.append(f"{name} {text!r} is not a date and time")
        return None
    # A time without a zone is UTC: exports and PBXs that omit it write UTC.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _seconds(text: str, name: str, problems: list[str]) -> int | None:
    if not _SECONDS.match(text):
        problems.append(f"{name} {text!r} is not a whole number of seconds" if text
                        else f"missing {name}")
        return None
    value = int(text)
    if value < 0:
        problems.append(f"negative {name} {value}")
        return None
    return value


def _money(text: str, name: str, problems: list[str], *, required: bool) -> Decimal | None:
    if not text:
        if required:
            problems.append(f"missing {name}")
            return None
        return Decimal(0)
    if not _MONEY.match(text):
        problems.append(f"{name} {text!r} is not an amount of money")
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
        problems.append(f"{name} {text!r} is not an amount of money")
        return None
    if amount < 0:
        problems.append(f"{name} {text} is negative")
        return None
    return amount


@cache
def _currencies() -> frozenset[str]:
    return frozenset(list_currencies())


def _currency(text: str, problems: list[str]) -> str | None:
    code = text.upper()
    if not code:
        problems.append("missing Currency")
        return None
    if not _CURRENCY.match(code) or code not in _currencies():
        problems.append(f"unknown currency {text!r}")
        return None
    return code


def _number(text: str, problems: list[str], *, required: bool) -> str | None:
    if not text:
        if required:
            problems.append("missing destination number")
        return None
    try:
        return normalize(text).e164
    except InvalidNumber as exc:
        problems.append(f"destination number: {exc}")
        return None
