"""Tell a usage file's format from its first bytes."""

from __future__ import annotations

import csv

from bot.i18n import N_
from bot.usage.formats.cdr_csv import CDR_COLUMNS
from bot.usage.formats.direct_routing import is_direct_routing
from bot.usage.formats.records import CDR, DIRECT_ROUTING, GRAPH, TEAMS, UnsupportedFormat
from bot.usage.formats.teams_csv import is_calling_plan

HEAD_BYTES = 64 * 1024
ZIP_MAGIC = b"PK\x03\x04"


def detect_format(head: bytes) -> str:
    """Name the format of a file from its first bytes: `teams`, `graph` or `cdr`."""
    if head.startswith(ZIP_MAGIC):
        return TEAMS
    text = head.decode("utf-8-sig", errors="replace").lstrip()
    if text[:1] in ("{", "["):
        return GRAPH
    kind = csv_kind(text)
    if kind is not None:
        return CDR if kind == CDR else TEAMS
    raise UnsupportedFormat(N_(
        "This file is not a usage export I can read: send the Teams admin center PSTN usage "
        "export (CSV or its zip), Graph getPstnCalls or getDirectRoutingCalls JSON, or a CDR "
        "CSV with the columns {columns}."), columns=",".join(CDR_COLUMNS))


def csv_kind(text: str) -> str | None:
    """`teams` (Calling Plans), `direct_routing` or `cdr` from a CSV's header line."""
    header = _header_of(text)
    if header is None:
        return None
    if is_calling_plan(header):
        return TEAMS
    if is_direct_routing(header):
        return DIRECT_ROUTING
    if set(CDR_COLUMNS) <= {name.strip().lower() for name in header}:
        return CDR
    return None


def _header_of(text: str) -> list[str] | None:
    first = text.splitlines()[0] if text else ""
    if not first.strip():
        return None
    try:
        return next(csv.reader([first]))
    except (csv.Error, StopIteration):
        return None
