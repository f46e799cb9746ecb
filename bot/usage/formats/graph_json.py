"""Microsoft Graph `getPstnCalls` and `getDirectRoutingCalls` JSON: one page or a list of them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import IO, Any, cast

from bot.errors import Sentence
from bot.i18n import N_
from bot.usage import limits
from bot.usage.formats.direct_routing import direct_routing_call
from bot.usage.formats.fields import (
    call_type_direction,
    charged_number,
    parse_currency,
    parse_money,
    parse_seconds,
    parse_time,
    region_of,
)
from bot.usage.formats.records import (
    GRAPH,
    ParsedCall,
    RowError,
    RowProblems,
    UnsupportedFormat,
)
from bot.usage.limits import FileRefused


def load_json(stream: IO[bytes]) -> Any:
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


def graph_records(document: Any) -> Iterator[Any]:
    for page in _pages(document):
        yield from page["value"]


def has_next_link(document: Any) -> bool:
    """True when the last page points to another (Graph spells it nextLink or NextLink)."""
    pages = _pages(document)
    return bool(pages) and any(key.lower() == "@odata.nextlink" and value
                               for key, value in pages[-1].items())


def graph_rows(document: Any) -> Iterator[ParsedCall | RowError]:
    for number, record in enumerate(graph_records(document), start=1):
        if not isinstance(record, dict):
            yield RowError.of(number, Sentence.of(N_("not a pstnCallLogRow or directRoutingLogRow "
                                              "object")), "record")
            continue
        try:
            if _is_direct_routing(record):
                yield _graph_direct_routing_call(record, number)
            else:
                yield _graph_call(record, number)
        except RowProblems as problems:
            yield RowError.of(number, problems.problems, "record")


def _is_direct_routing(record: dict[str, Any]) -> bool:
    """A directRoutingLogRow: it has a correlationId and a trunk, and carries no charge."""
    return "charge" not in record and ("correlationId" in record
                                       or "trunkFullyQualifiedDomainName" in record)


def _field(record: dict[str, Any], name: str) -> str:
    value = record.get(name)
    return "" if value is None else str(value).strip()


def _graph_direct_routing_call(record: dict[str, Any], number: int) -> ParsedCall:
    problems: list[Sentence] = []
    key = _field(record, "id") or _field(record, "correlationId")
    if not key:
        problems.append(Sentence.of(N_("missing {name}"), name="id"))
    when = next((text for text in (_field(record, "startDateTime"),
                                   _field(record, "inviteDateTime"),
                                   _field(record, "failureDateTime"))
                 if text and not text.startswith("0001-")), "")
    start = parse_time(when, "startDateTime", problems)
    duration = parse_seconds(_json_int_text(record.get("duration")) or "0", "duration", problems)
    if problems:
        raise RowProblems(problems)
    return direct_routing_call(
        key=key, call_id=_field(record, "correlationId") or None,
        upn=_field(record, "userPrincipalName"), user_name=_field(record, "userDisplayName"),
        call_type=_field(record, "callType"), caller=_field(record, "callerNumber"),
        callee=_field(record, "calleeNumber"), start=cast(datetime, start),
        duration=cast(int, duration), country=_field(record, "userCountryCode"), line=number,
        source=GRAPH)


def _graph_call(record: dict[str, Any], number: int) -> ParsedCall:
    problems: list[Sentence] = []

    def text(name: str) -> str:
        return _field(record, name)

    key = text("id")
    if not key:
        problems.append(Sentence.of(N_("missing {name}"), name="id"))
    call_type = text("callType") or None
    tollfree = "toll" in text("inventoryType").lower()
    direction = call_type_direction(call_type, tollfree=tollfree)
    if direction is None:
        problems.append(Sentence.of(N_("unknown callType {text}"), text=repr(call_type)))
    start = parse_time(text("startDateTime"), "startDateTime", problems)
    duration = parse_seconds(_json_int_text(record.get("duration")), "duration", problems)
    charge = _json_money(record.get("charge"), "charge", problems, required=True)
    fee = _json_money(record.get("connectionCharge"), "connectionCharge", problems,
                      required=False)
    currency = parse_currency(text("currency"), problems)
    callee, flag = charged_number(text("calleeNumber"), charge, problems)
    if problems:
        raise RowProblems(problems)
    external = text("callerNumber") if direction != "outbound" else text("calleeNumber")
    return ParsedCall(
        record_key=str(key), source=GRAPH, line=number, call_id=text("callId") or None,
        user_upn=text("userPrincipalName") or None, user_name=text("userDisplayName") or None,
        call_type=call_type, direction=cast(str, direction), destination_number=callee,
        destination_name=text("destinationName") or None, country=region_of(external),
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


def _json_money(value: Any, name: str, problems: list[Sentence], *,
                required: bool) -> Decimal | None:
    if value is None or value == "":
        if required:
            problems.append(Sentence.of(N_("missing {name}"), name=name))
            return None
        return Decimal(0)
    if isinstance(value, bool) or not isinstance(value, int | Decimal | str):
        problems.append(Sentence.of(N_("{name} {text} is not a number"), name=name,
                                text=repr(value)))
        return None
    if isinstance(value, str):
        return parse_money(value, name, problems, required=required)
    amount = Decimal(value)
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.000001")):
        problems.append(Sentence.of(N_("{name} {text} is not an amount of money"), name=name,
                                text=value))
        return None
    if amount < 0:
        problems.append(Sentence.of(N_("{name} {text} is negative"), name=name, text=value))
        return None
    return amount
