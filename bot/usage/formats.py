"""Call records from the usage formats of DESIGN §5, told apart by their content.

- the Teams admin center PSTN usage export: the Calling Plans CSV (the 25 documented columns, or
  the older 20 with `AAD ObjectId`), the Direct Routing CSV (CorrelationId, …, Final SIP code,
  SBC FQDN, …), or Microsoft's zip that holds them side by side with `parameters.json`: every
  member is read by its header, whatever its name;
- Microsoft Graph `getPstnCalls` and `getDirectRoutingCalls`: JSON, one page (`{"value": [...]}`)
  or a list of pages; a page that ends with `@odata.nextLink` is one page of more
  (`UsageFile.more_pages`), which a file cannot follow;
- a plain CDR CSV from a PBX or SBC (`call_id,user,start,duration_seconds,destination_number,
  direction`), which carries no price.

Direct Routing calls run over the customer's own carrier: they come out with charge 0 and
`route == DIRECT_ROUTING`. A record that carries Microsoft's charge keeps it even when its number
cannot be read: the row is flagged (`ParsedCall.flag`), not rejected. The bytes are read through
`bot.usage.limits` (encodings, line length, zip members, JSON size).

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
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import IO, Any, cast

from babel.numbers import list_currencies

from bot.errors import CreditsError, InvalidNumber
from bot.i18n import N_
from bot.numbers.phone import normalize
from bot.usage import limits
from bot.usage.limits import FileRefused

TEAMS, GRAPH, CDR = "teams", "graph", "cdr"
CALLING_PLAN, DIRECT_ROUTING = "calling_plan", "direct_routing"  # who carried the call
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
# The Direct Routing CSV, by header names compared without case, spaces or punctuation
# ("CorrelationId" == "Correlation ID", "Duration (seconds)" == "Duration seconds").
DR_MARKERS = ("correlationid", "sbcfqdn")
DR_REQUIRED = ("correlationid", "starttime")
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
    license: str | None = None  # the record's own license (Capability, licenseCapability)
    route: str = CALLING_PLAN  # or DIRECT_ROUTING: the customer's own carrier, never charged
    flag: str | None = None  # kept, with something the admin should know (an odd number)

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
    kind = _csv_kind(text)
    if kind is not None:
        return CDR if kind == CDR else TEAMS
    raise UnsupportedFormat(N_(
        "This file is not a usage export I can read: send the Teams admin center PSTN usage "
        "export (CSV or its zip), Graph getPstnCalls or getDirectRoutingCalls JSON, or a CDR "
        "CSV with the columns {columns}."), columns=",".join(CDR_COLUMNS))


def _csv_kind(text: str) -> str | None:
    """`teams` (Calling Plans), `direct_routing` or `cdr` from a CSV's header line."""
    header = _header_of(text)
    if header is None:
        return None
    names = {name.strip().lower() for name in header}
    if {column.lower() for column in TEAMS_REQUIRED} <= names:
        return TEAMS
    if set(DR_MARKERS) <= {_squash(name) for name in header}:
        return DIRECT_ROUTING
    if set(CDR_COLUMNS) <= names:
        return CDR
    return None


def _squash(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


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
        stream = limits.as_utf8(stream)
        head = _peek(stream)
        fmt = detect_format(head)
        if head.startswith(_ZIP_MAGIC):
            return UsageFile(_ZipParts(stream), fmt, name=name or label)
    except BaseException:
        stream.close()
        raise
    return UsageFile(_FileParts(stream), fmt, name=name or label)


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


class _FileParts:
    """A plain file: one part, read from where it starts each time."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self._start = stream.tell() if stream.seekable() else 0

    def streams(self) -> Iterator[tuple[IO[bytes], str | None]]:
        if self.stream.seekable():
            self.stream.seek(self._start)
        yield self.stream, None

    def close(self) -> None:
        self.stream.close()


class _ZipParts:
    """Microsoft's export zip: every member whose header is a Teams usage CSV, in name order;
    `parameters.json` and other files are left alone."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self._archive = limits.open_archive(stream)
        try:
            self.members = self._usage_members()
        except BaseException:
            self._archive.close()
            raise

    def _usage_members(self) -> list[zipfile.ZipInfo]:
        files = [info for info in self._archive.infolist() if not info.is_dir()]
        if len(files) > limits.MAX_MEMBERS:
            raise FileRefused(N_("The zip holds {count} files; Microsoft's export holds a few "
                                 "(Calling Plans, Direct Routing, parameters.json)."),
                              count=len(files))
        members = []
        for info in sorted(files, key=lambda item: item.filename):
            if info.filename.lower().endswith(".json"):
                continue  # parameters.json: the export's time range, nothing to import
            with self._open(info) as member:
                head = member.read(_HEAD_BYTES)
            kind = _csv_kind(head.decode("utf-8-sig", errors="replace"))
            if kind in (TEAMS, DIRECT_ROUTING):
                members.append(info)
            elif info.filename.lower().endswith(".csv"):
                raise UnsupportedFormat(N_("{name} in the zip is not a Teams PSTN usage export "
                                           "(Calling Plans or Direct Routing)."),
                                        name=info.filename)
        if not members:
            raise UnsupportedFormat(N_("The zip holds no Teams PSTN usage export."))
        return members

    def _open(self, info: zipfile.ZipInfo) -> IO[bytes]:
        return limits.as_utf8(io.BufferedReader(limits.GuardedMember(self._archive, info),
                                                buffer_size=1 << 20))

    def streams(self) -> Iterator[tuple[IO[bytes], str | None]]:
        for info in self.members:
            with self._open(info) as member:
                yield member, info.filename

    def close(self) -> None:
        self._archive.close()
        self._stream.close()


class UsageFile:
    """An open usage file of a known format; read it once, with `calls()` or `frames()`."""

    def __init__(self, parts: _FileParts | _ZipParts, fmt: str, *, name: str) -> None:
        self.format = fmt
        self.name = name
        self._parts = parts
        self._document: Any = None
        self.more_pages = False  # a Graph page that ends with @odata.nextLink

    def __enter__(self) -> UsageFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._parts.close()

    def calls(self) -> Iterator[ParsedCall | RowError]:
        """Stream the file's rows, each parsed or rejected."""
        if self.format == GRAPH:
            return _graph_rows(self._graph_document())
        return self._text_rows()

    def _graph_document(self) -> Any:
        if self._document is None:
            stream, _ = next(self._parts.streams())
            self._document = _load_json(stream)
            self.more_pages = _has_next_link(self._document)
        return self._document

    def _text_rows(self) -> Iterator[ParsedCall | RowError]:
        for stream, member in self._parts.streams():
            text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="strict", newline="")
            try:
                rows = cdr_rows(text) if self.format == CDR else _teams_file_rows(text)
                yield from _in_member(_readable_rows(rows), member)
            finally:
                with suppress(ValueError):  # already closed by its UsageFile
                    text.detach()  # the file is ours to close, not the wrapper's

    def count_rows(self) -> int:
        """Check the whole file can be read (encoding, line length, zip limits, JSON) and
        count its rows, before anything is imported."""
        if self.format == GRAPH:
            return sum(1 for _ in _graph_records(self._graph_document()))
        rows = 0
        for stream, _ in self._parts.streams():
            rows += max(limits.scan_lines(stream) - 1, 0)  # the header is no row
        return rows

    def binary(self) -> IO[bytes]:
        """A plain file's bytes as a buffered stream, for readers of their own (read it once)."""
        if not isinstance(self._parts, _FileParts):
            raise UnsupportedFormat("Only a plain CSV file can be read as bytes.")
        stream, _ = next(self._parts.streams())
        if isinstance(stream, io.RawIOBase):
            stream = cast(IO[bytes], io.BufferedReader(stream, buffer_size=1 << 20))
            self._parts.stream = stream
        return stream


def _readable_rows(rows: Iterator[ParsedCall | RowError]) -> Iterator[ParsedCall | RowError]:
    """Rows, with text and csv errors turned into sentences that name the line."""
    line = 1
    try:
        for row in rows:
            line = row.line
            yield row
    except UnicodeDecodeError:
        raise limits.not_text(line + 1) from None
    except csv.Error as exc:
        raise FileRefused(N_("after line {line}: {error}; this is not a usage export I can "
                             "read."), line=line, error=str(exc)) from None


def _in_member(rows: Iterator[ParsedCall | RowError],
               member: str | None) -> Iterator[ParsedCall | RowError]:
    """Name the zip member in row errors and flags (its lines count from its own header)."""
    if member is None:
        yield from rows
        return
    for row in rows:
        if isinstance(row, RowError):
            yield RowError(row.line, row.message, f"{member} {row.unit}")
        elif row.flag is not None:
            yield replace(row, flag=f"{member}: {row.flag}")
        else:
            yield row


# -- Teams admin center CSV ------------------------------------------------------------------

# The columns a call is made of, in the order `_teams_call` takes them.
_TEAMS_USED = ("UsageId", "Call ID", "UPN", "User Display Name", "Call Type", "Call Direction",
               "Number Type", "Destination Dialed", "Destination Number", "External Country",
               "Start Time", "Duration Seconds", "Charge", "Connection Fee", "Currency",
               "Capability")
# The Direct Routing columns a call is made of (squashed names, first one present wins), in the
# order `_direct_routing_call` takes them.
_DR_USED = (("correlationid",), ("sipaddress", "upn"), ("displayname", "userdisplayname"),
            ("calltype",), ("callernumber",), ("calleenumber",),
            ("starttime", "starttimeutc"), ("invitetime", "invitetimeutc"),
            ("failuretime", "failuretimeutc"), ("durationseconds", "duration"),
            ("usercountry", "usercountrycode"))


def _teams_file_rows(text: IO[str]) -> Iterator[ParsedCall | RowError]:
    """A CSV of the Teams export: Calling Plans or Direct Routing, told by its header."""
    reader = csv.reader(text)
    header = next(reader, None)
    if header is None:
        return
    names = {name.strip().lower() for name in header}
    if {column.lower() for column in TEAMS_REQUIRED} <= names:
        yield from _calling_plan_rows(reader, header)
    elif set(DR_MARKERS) <= {_squash(name) for name in header}:
        yield from _direct_routing_rows(reader, header)
    else:
        missing = [name for name in TEAMS_REQUIRED if name.lower() not in names]
        raise UnsupportedFormat(N_("The Teams export lacks the columns {columns}."),
                                columns=", ".join(missing))


def _records(reader: Any, width: int) -> Iterator[tuple[int, list[str] | RowError]]:
    """(physical line, fields) of each non-blank row; a ragged row as its RowError."""
    last_line = reader.line_num
    for fields in reader:
        line, last_line = last_line + 1, reader.line_num
        if len(fields) != width:
            if any(field.strip() for field in fields):
                yield line, RowError(line, f"expected {width} fields, found {len(fields)}")
            continue
        fields.append("")  # an optional column the file lacks reads as this empty field
        yield line, fields


def _calling_plan_rows(reader: Any, header: list[str]) -> Iterator[ParsedCall | RowError]:
    index = {name.strip().lower(): i for i, name in enumerate(header)}
    positions = [index.get(name.lower(), len(header)) for name in _TEAMS_USED]
    yield from _calls_of(reader, len(header), positions, _teams_call)


def _direct_routing_rows(reader: Any, header: list[str]) -> Iterator[ParsedCall | RowError]:
    index: dict[str, int] = {}
    for i, name in enumerate(header):
        index.setdefault(_squash(name), i)
    missing = [name for name in DR_REQUIRED if name not in index]
    if missing:
        raise UnsupportedFormat(N_("The Direct Routing export lacks the columns {columns}."),
                                columns=", ".join(missing))
    positions = [next((index[name] for name in names if name in index), len(header))
                 for names in _DR_USED]
    yield from _calls_of(reader, len(header), positions, _direct_routing_call)


def _calls_of(reader: Any, width: int, positions: list[int],
              make: Callable[[list[str], int], ParsedCall]) -> Iterator[ParsedCall | RowError]:
    """The calls of an export's rows: the used columns at `positions` (`width` means absent)
    handed to `make`; blank rows skipped, a row's problems reported by its line."""
    for line, fields in _records(reader, width):
        if isinstance(fields, RowError):
            yield fields
            continue
        values = [fields[position].strip() for position in positions]
        if not any(values):
            continue
        try:
            yield make(values, line)
        except _RowProblems as problems:
            yield RowError(line, str(problems))


def _direct_routing_call(values: list[str], line: int) -> ParsedCall:
    (key, upn, user_name, call_type, caller, callee, start_text, invite_text, failure_text,
     seconds, country) = values
    problems: list[str] = []
    if not key:
        problems.append("missing CorrelationId")
    # A failed call has no start: its invite (or failure) time is when it happened.
    when = next((text for text in (start_text, invite_text, failure_text)
                 if text and not text.startswith("0001-")), "")
    start = _time(when, "Start time", problems)
    duration = _seconds(seconds or "0", "Duration (seconds)", problems)
    if problems:
        raise _RowProblems(problems)
    return _direct_routing(key=key, call_id=key, upn=upn, user_name=user_name,
                           call_type=call_type, caller=caller, callee=callee,
                           start=cast(datetime, start), duration=cast(int, duration),
                           country=country, line=line, source=TEAMS)


def _direct_routing(*, key: str, call_id: str | None, upn: str, user_name: str, call_type: str,
                    caller: str, callee: str, start: datetime, duration: int, country: str,
                    line: int, source: str) -> ParsedCall:
    """A Direct Routing call: kept for usage and reports, charge 0 (the customer's carrier)."""
    direction = _direct_routing_direction(call_type)
    external = caller if direction == "inbound" else callee
    # The SBC may send any text as a number ("+1001", a caller's name): keep what reads.
    number = _readable_number(external)
    return ParsedCall(
        record_key=key, source=source, line=line, call_id=call_id, user_upn=upn or None,
        user_name=user_name or None, call_type=call_type or None, direction=direction,
        destination_number=number, destination_name=None,
        country=(country.upper() if len(country) == 2 and country.isalpha()
                 else _region(external)),
        start=start, duration_seconds=duration, charge=Decimal(0), connection_fee=Decimal(0),
        currency=None, license=None, route=DIRECT_ROUTING)


def _direct_routing_direction(call_type: str) -> str:
    """`dr_in`, `dr_out_user_transfer`, Graph's `ByotIn`, `ByotOutUserForwarding` …"""
    kind = call_type.strip().lower().replace("_", "")
    for prefix in ("dr", "byot"):
        if kind.startswith(prefix):
            kind = kind[len(prefix):]
            break
    return "inbound" if kind.startswith("in") else "outbound"


def _readable_number(text: str) -> str | None:
    if not text:
        return None
    try:
        return normalize(text).e164
    except InvalidNumber:
        return None


def _teams_call(values: list[str], line: int) -> ParsedCall:
    (key, call_id, upn, user_name, call_type, call_direction, number_type, dialed,
     destination, country, start_text, seconds, charge_text, fee_text, currency_text,
     capability) = values
    problems: list[str] = []
    if not key:
        problems.append("missing UsageId")
    direction = _teams_direction(call_direction, call_type or None, number_type, problems)
    start = _time(start_text, "Start Time", problems)
    duration = _seconds(seconds, "Duration Seconds", problems)
    charge = _money(charge_text, "Charge", problems, required=True)
    fee = _money(fee_text, "Connection Fee", problems, required=False)
    currency = _currency(currency_text, problems)
    number, flag = _charged_number(destination, charge, problems)
    if problems:
        raise _RowProblems(problems)
    return ParsedCall(
        record_key=key, source=TEAMS, line=line, call_id=call_id or None,
        user_upn=upn or None, user_name=user_name or None, call_type=call_type or None,
        direction=direction or "outbound", destination_number=number,
        destination_name=dialed or None, country=country or None, start=cast(datetime, start),
        duration_seconds=cast(int, duration), charge=charge, connection_fee=fee,
        currency=currency, license=capability or None, flag=flag)


def _charged_number(text: str, charge: Decimal | None,
                    problems: list[str]) -> tuple[str | None, str | None]:
    """A record's number, and a flag when it cannot be read but the record carries its charge:
    Microsoft's (or the provider's) charge stands all the same."""
    found: list[str] = []
    number = _number(text, found, required=False)
    if not found:
        return number, None
    if charge is None:
        problems.extend(found)
        return None, None
    return None, f"number {text[:40]!r} cannot be read ({found[0]}); its own charge is booked"


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


# -- Graph getPstnCalls / getDirectRoutingCalls JSON -------------------------------------------

def _load_json(stream: IO[bytes]) -> Any:
    data = limits.read_json_bytes(stream)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise limits.not_text(data.count(b"\n", 0, exc.start) + 1) from None
    try:
        return json.loads(text, parse_float=Decimal)
    except RecursionError:
        raise FileRefused(N_("The JSON file is nested too deeply to be a Graph page.")) from None
    except ValueError as exc:
        raise UnsupportedFormat(N_("The JSON file cannot be read: {error}"),
                                error=str(exc)) from None


def _pages(document: Any) -> list[Any]:
    pages = document if isinstance(document, list) else [document]
    for page in pages:
        if not isinstance(page, dict) or not isinstance(page.get("value"), list):
            raise UnsupportedFormat(N_(
                "Graph JSON must be a getPstnCalls or getDirectRoutingCalls page ({page}) or a "
                "list of them."), page='{"value": [...]}')
    return pages


def _graph_records(document: Any) -> Iterator[Any]:
    for page in _pages(document):
        yield from page["value"]


def _has_next_link(document: Any) -> bool:
    """True when the last page points to another (Graph spells it nextLink or NextLink)."""
    pages = _pages(document)
    return bool(pages) and any(key.lower() == "@odata.nextlink" and value
                               for key, value in pages[-1].items())


def _graph_rows(document: Any) -> Iterator[ParsedCall | RowError]:
    for number, record in enumerate(_graph_records(document), start=1):
        if not isinstance(record, dict):
            yield RowError(number, "not a pstnCallLogRow or directRoutingLogRow object",
                           "record")
            continue
        try:
            if _is_direct_routing(record):
                yield _graph_direct_routing_call(record, number)
            else:
                yield _graph_call(record, number)
        except _RowProblems as problems:
            yield RowError(number, str(problems), "record")


def _is_direct_routing(record: dict[str, Any]) -> bool:
    """A directRoutingLogRow: it has a correlationId and a trunk, and carries no charge."""
    return "charge" not in record and ("correlationId" in record
                                       or "trunkFullyQualifiedDomainName" in record)


def _field(record: dict[str, Any], name: str) -> str:
    value = record.get(name)
    return "" if value is None else str(value).strip()


def _graph_direct_routing_call(record: dict[str, Any], number: int) -> ParsedCall:
    problems: list[str] = []
    key = _field(record, "id") or _field(record, "correlationId")
    if not key:
        problems.append("missing id")
    when = next((text for text in (_field(record, "startDateTime"),
                                   _field(record, "inviteDateTime"),
                                   _field(record, "failureDateTime"))
                 if text and not text.startswith("0001-")), "")
    start = _time(when, "startDateTime", problems)
    duration = _seconds(_json_int_text(record.get("duration")) or "0", "duration", problems)
    if problems:
        raise _RowProblems(problems)
    return _direct_routing(
        key=key, call_id=_field(record, "correlationId") or None,
        upn=_field(record, "userPrincipalName"), user_name=_field(record, "userDisplayName"),
        call_type=_field(record, "callType"), caller=_field(record, "callerNumber"),
        callee=_field(record, "calleeNumber"), start=cast(datetime, start),
        duration=cast(int, duration), country=_field(record, "userCountryCode"), line=number,
        source=GRAPH)


def _graph_call(record: dict[str, Any], number: int) -> ParsedCall:
    problems: list[str] = []

    def text(name: str) -> str:
        return _field(record, name)

    key = text("id")
    if not key:
        problems.append("missing id")
    call_type = text("callType") or None
    tollfree = "toll" in text("inventoryType").lower()
    direction = _call_type_direction(call_type, tollfree=tollfree)
    if direction is None:
        problems.append(f"unknown callType {call_type!r}")
    start = _time(text("startDateTime"), "startDateTime", problems)
    duration = _seconds(_json_int_text(record.get("duration")), "duration", problems)
    charge = _json_money(record.get("charge"), "charge", problems, required=True)
    fee = _json_money(record.get("connectionCharge"), "connectionCharge", problems,
                      required=False)
    currency = _currency(text("currency"), problems)
    callee, flag = _charged_number(text("calleeNumber"), charge, problems)
    if problems:
        raise _RowProblems(problems)
    external = text("callerNumber") if direction != "outbound" else text("calleeNumber")
    return ParsedCall(
        record_key=str(key), source=GRAPH, line=number, call_id=text("callId") or None,
        user_upn=text("userPrincipalName") or None, user_name=text("userDisplayName") or None,
        call_type=call_type, direction=cast(str, direction), destination_number=callee,
        destination_name=text("destinationName") or None, country=_region(external),
        start=cast(datetime, start), duration_seconds=cast(int, duration), charge=charge,
        connection_fee=fee, currency=currency, license=text("licenseCapability") or None,
        flag=flag)


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
        raise UnsupportedFormat(N_("The CDR file lacks the columns {columns}."),
                            columns=", ".join(missing))
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
