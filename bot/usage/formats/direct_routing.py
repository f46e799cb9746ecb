"""Direct Routing calls (the customer's own carrier, never charged): the columns of the Teams
export's Direct Routing CSV, and the call its rows and Graph's directRoutingLogRow make."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import cast

from bot.errors import Sentence
from bot.i18n import N_
from bot.usage.formats.fields import parse_seconds, parse_time, readable_number, region_of, squash
from bot.usage.formats.records import (
    DIRECT_ROUTING,
    TEAMS,
    ParsedCall,
    RowProblems,
    UnsupportedFormat,
)

# The Direct Routing CSV, by header names compared without case, spaces or punctuation
# ("CorrelationId" == "Correlation ID", "Duration (seconds)" == "Duration seconds").
DR_MARKERS = ("correlationid", "sbcfqdn")
DR_REQUIRED = ("correlationid", "starttime")
# The Direct Routing columns a call is made of (squashed names, first one present wins), in the
# order `csv_call` takes them.
_DR_USED = (("correlationid",), ("sipaddress", "upn"), ("displayname", "userdisplayname"),
            ("calltype",), ("callernumber",), ("calleenumber",),
            ("starttime", "starttimeutc"), ("invitetime", "invitetimeutc"),
            ("failuretime", "failuretimeutc"), ("durationseconds", "duration"),
            ("usercountry", "usercountrycode"))


def is_direct_routing(header: list[str]) -> bool:
    """True when a CSV header is the Direct Routing export's."""
    return set(DR_MARKERS) <= {squash(name) for name in header}


def csv_positions(header: list[str]) -> list[int]:
    """Where each of the columns `csv_call` takes is in a header (its width: absent)."""
    index: dict[str, int] = {}
    for i, name in enumerate(header):
        index.setdefault(squash(name), i)
    missing = [name for name in DR_REQUIRED if name not in index]
    if missing:
        raise UnsupportedFormat(N_("The Direct Routing export lacks the columns {columns}."),
                                columns=", ".join(missing))
    return [next((index[name] for name in names if name in index), len(header))
            for names in _DR_USED]


def csv_call(values: list[str], line: int) -> ParsedCall:
    """A call of the Direct Routing CSV from its used columns (in `_DR_USED` order)."""
    (key, upn, user_name, call_type, caller, callee, start_text, invite_text, failure_text,
     seconds, country) = values
    problems: list[Sentence] = []
    if not key:
        problems.append(Sentence.of(N_("missing {name}"), name="CorrelationId"))
    # A failed call has no start: its invite (or failure) time is when it happened.
    when = next((text for text in (start_text, invite_text, failure_text)
                 if text and not text.startswith("0001-")), "")
    start = parse_time(when, "Start time", problems)
    duration = parse_seconds(seconds or "0", "Duration (seconds)", problems)
    if problems:
        raise RowProblems(problems)
    return direct_routing_call(key=key, call_id=key, upn=upn, user_name=user_name,
                               call_type=call_type, caller=caller, callee=callee,
                               start=cast(datetime, start), duration=cast(int, duration),
                               country=country, line=line, source=TEAMS)


def direct_routing_call(*, key: str, call_id: str | None, upn: str, user_name: str,
                        call_type: str, caller: str, callee: str, start: datetime, duration: int,
                        country: str, line: int, source: str) -> ParsedCall:
    """A Direct Routing call: kept for usage and reports, charge 0 (the customer's carrier)."""
    direction = _direct_routing_direction(call_type)
    external = caller if direction == "inbound" else callee
    # The SBC may send any text as a number ("+1001", a caller's name): keep what reads.
    number = readable_number(external)
    return ParsedCall(
        record_key=key, source=source, line=line, call_id=call_id, user_upn=upn or None,
        user_name=user_name or None, call_type=call_type or None, direction=direction,
        destination_number=number, destination_name=None,
        country=(country.upper() if len(country) == 2 and country.isalpha()
                 else region_of(external)),
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
