"""A plain CDR CSV from a PBX or SBC, which carries no price."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import datetime
from typing import IO, cast

from bot.errors import Sentence
from bot.i18n import N_
from bot.usage.formats.fields import parse_number, parse_seconds, parse_time
from bot.usage.formats.records import (
    CDR,
    ParsedCall,
    RowError,
    RowProblems,
    UnsupportedFormat,
)

CDR_COLUMNS = ("call_id", "user", "start", "duration_seconds", "destination_number",
               "direction")

CDR_DIRECTION_WORDS = {
    "outbound": "outbound", "out": "outbound", "outgoing": "outbound",
    "inbound": "inbound", "in": "inbound", "incoming": "inbound",
    "tollfree_inbound": "tollfree_inbound", "tollfree": "tollfree_inbound",
    "toll-free": "tollfree_inbound", "toll_free_inbound": "tollfree_inbound",
}


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
            yield RowError.of(line, Sentence.of(N_("expected {width} fields, found {found}"),
                                            width=width, found=len(fields)))
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
    except RowProblems as problems:
        return RowError.of(line, problems.problems)


def _cdr_call(values: list[str], line: int) -> ParsedCall:
    call_id, user, start_text, seconds, number_text, direction_text = values
    problems: list[Sentence] = []
    if not call_id:
        problems.append(Sentence.of(N_("missing {name}"), name="call_id"))
    start = parse_time(start_text, "start", problems)
    duration = parse_seconds(seconds, "duration_seconds", problems)
    number = parse_number(number_text, problems, required=True)
    direction = CDR_DIRECTION_WORDS.get(direction_text.lower())
    if direction is None:
        problems.append(Sentence.of(N_("unknown direction {text}: outbound, inbound or "
                                   "tollfree_inbound"), text=repr(direction_text)))
    if problems:
        raise RowProblems(problems)
    return ParsedCall(
        record_key=call_id, source=CDR, line=line, call_id=call_id, user_upn=user or None,
        user_name=None, call_type=None, direction=cast(str, direction),
        destination_number=number, destination_name=None, country=None,
        start=cast(datetime, start), duration_seconds=cast(int, duration), charge=None,
        connection_fee=None, currency=None)
