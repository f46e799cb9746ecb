"""The Teams admin center PSTN usage export CSV: Calling Plans or Direct Routing, by its header."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import IO, Any, cast

from bot.errors import Sentence
from bot.i18n import N_
from bot.usage.formats import direct_routing
from bot.usage.formats.fields import (
    call_type_direction,
    charged_number,
    parse_currency,
    parse_money,
    parse_seconds,
    parse_time,
)
from bot.usage.formats.records import (
    TEAMS,
    ParsedCall,
    RowError,
    RowProblems,
    UnsupportedFormat,
)

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
# The columns a call is made of, in the order `_teams_call` takes them.
_TEAMS_USED = ("UsageId", "Call ID", "UPN", "User Display Name", "Call Type", "Call Direction",
               "Number Type", "Destination Dialed", "Destination Number", "External Country",
               "Start Time", "Duration Seconds", "Charge", "Connection Fee", "Currency",
               "Capability")


def is_calling_plan(header: list[str]) -> bool:
    """True when a CSV header is the Calling Plans export's (its required columns, any case)."""
    names = {name.strip().lower() for name in header}
    return {column.lower() for column in TEAMS_REQUIRED} <= names


def teams_file_rows(text: IO[str]) -> Iterator[ParsedCall | RowError]:
    """A CSV of the Teams export: Calling Plans or Direct Routing, told by its header."""
    reader = csv.reader(text)
    header = next(reader, None)
    if header is None:
        return
    if is_calling_plan(header):
        yield from _calling_plan_rows(reader, header)
    elif direct_routing.is_direct_routing(header):
        yield from _calls_of(reader, len(header), direct_routing.csv_positions(header),
                             direct_routing.csv_call)
    else:
        names = {name.strip().lower() for name in header}
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
                yield line, RowError.of(line, Sentence.of(
                    N_("expected {width} fields, found {found}"), width=width,
                    found=len(fields)))
            continue
        fields.append("")  # an optional column the file lacks reads as this empty field
        yield line, fields


def _calling_plan_rows(reader: Any, header: list[str]) -> Iterator[ParsedCall | RowError]:
    index = {name.strip().lower(): i for i, name in enumerate(header)}
    positions = [index.get(name.lower(), len(header)) for name in _TEAMS_USED]
    yield from _calls_of(reader, len(header), positions, _teams_call)


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
        except RowProblems as problems:
            yield RowError.of(line, problems.problems)


def _teams_call(values: list[str], line: int) -> ParsedCall:
    (key, call_id, upn, user_name, call_type, call_direction, number_type, dialed,
     destination, country, start_text, seconds, charge_text, fee_text, currency_text,
     capability) = values
    problems: list[Sentence] = []
    if not key:
        problems.append(Sentence.of(N_("missing {name}"), name="UsageId"))
    direction = _teams_direction(call_direction, call_type or None, number_type, problems)
    start = parse_time(start_text, "Start Time", problems)
    duration = parse_seconds(seconds, "Duration Seconds", problems)
    charge = parse_money(charge_text, "Charge", problems, required=True)
    fee = parse_money(fee_text, "Connection Fee", problems, required=False)
    currency = parse_currency(currency_text, problems)
    number, flag = charged_number(destination, charge, problems)
    if problems:
        raise RowProblems(problems)
    return ParsedCall(
        record_key=key, source=TEAMS, line=line, call_id=call_id or None,
        user_upn=upn or None, user_name=user_name or None, call_type=call_type or None,
        direction=direction or "outbound", destination_number=number,
        destination_name=dialed or None, country=country or None, start=cast(datetime, start),
        duration_seconds=cast(int, duration), charge=charge, connection_fee=fee,
        currency=currency, license=capability or None, flag=flag)


def _teams_direction(direction: str, call_type: str | None, number_type: str,
                     problems: list[Sentence]) -> str | None:
    lowered = direction.lower()
    tollfree = "toll" in number_type.lower()
    if lowered == "outbound":
        return "outbound"
    if lowered == "inbound":
        return "tollfree_inbound" if tollfree else "inbound"
    found = call_type_direction(call_type, tollfree=tollfree)
    if found is None:
        problems.append(Sentence.of(N_("unknown call direction {text}"),
                                text=repr(direction or call_type)))
    return found
