"""What every usage format yields: a `ParsedCall` or a `RowError` per row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from bot.errors import CreditsError

TEAMS, GRAPH, CDR = "teams", "graph", "cdr"
CALLING_PLAN, DIRECT_ROUTING = "calling_plan", "direct_routing"  # who carried the call


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


class RowProblems(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems
