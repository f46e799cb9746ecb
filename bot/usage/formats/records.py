"""What every usage format yields: a `ParsedCall` or a `RowError` per row."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from bot.errors import CreditsError, Sentence
from bot.i18n import t

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
    """A row that was not taken, and why: `message` in English (the CLI, logs, the audit) and
    its problems as marked sentences, read in the reader's language by `text`."""

    line: int
    message: str
    unit: str = "line"  # "record" for JSON
    member: str | None = None  # the zip member the row is in
    sentences: tuple[Sentence, ...] = field(default=(), compare=False, repr=False)

    @classmethod
    def of(cls, line: int, problems: Sentence | Sequence[Sentence],
           unit: str = "line") -> RowError:
        parts = (problems,) if isinstance(problems, Sentence) else tuple(problems)
        return cls(line, "; ".join(str(part) for part in parts), unit, sentences=parts)

    def text(self, locale: str | None) -> str:
        problem = ("; ".join(part(locale) for part in self.sentences) if self.sentences
                   else self.message)
        where = (t("record {number}", locale, number=self.line) if self.unit == "record"
                 else t("line {number}", locale, number=self.line))
        return (f"{self.member} {where}" if self.member else where) + f": {problem}"

    def __str__(self) -> str:
        return self.text(None)


class RowProblems(Exception):
    def __init__(self, problems: list[Sentence]) -> None:
        super().__init__("; ".join(str(problem) for problem in problems))
        self.problems = tuple(problems)
