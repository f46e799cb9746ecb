"""Field parsers the formats share: each reads one cell and notes its problems in words."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from functools import cache

from babel.numbers import list_currencies

from bot.errors import InvalidNumber, Sentence
from bot.i18n import N_
from bot.numbers.phone import normalize

# Decimal text as exports write money: no exponent, no sign games, at most 6 decimals (micros).
_MONEY = re.compile(r"^-?\d{1,12}(?:\.\d{1,6})?$")
SECONDS_PATTERN = r"^-?\d{1,9}$"
_SECONDS = re.compile(SECONDS_PATTERN)
_CURRENCY = re.compile(r"^[A-Z]{3}$")


def parse_time(text: str, name: str, problems: list[Sentence]) -> datetime | None:
    if not text:
        problems.append(Sentence.of(N_("missing {name}"), name=name))
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        problems.append(Sentence.of(N_("{name} {text} is not a date and time"), name=name,
                                text=repr(text)))
        return None
    # A time without a zone is UTC: exports and PBXs that omit it write UTC.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def parse_seconds(text: str, name: str, problems: list[Sentence]) -> int | None:
    if not _SECONDS.match(text):
        problems.append(Sentence.of(N_("{name} {text} is not a whole number of seconds"), name=name,
                                text=repr(text)) if text
                        else Sentence.of(N_("missing {name}"), name=name))
        return None
    value = int(text)
    if value < 0:
        problems.append(Sentence.of(N_("negative {name} {value}"), name=name, value=value))
        return None
    return value


def parse_money(text: str, name: str, problems: list[Sentence], *,
                required: bool) -> Decimal | None:
    if not text:
        if required:
            problems.append(Sentence.of(N_("missing {name}"), name=name))
            return None
        return Decimal(0)
    if not _MONEY.match(text):
        problems.append(Sentence.of(N_("{name} {text} is not an amount of money"), name=name,
                                text=repr(text)))
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
        problems.append(Sentence.of(N_("{name} {text} is not an amount of money"), name=name,
                                text=repr(text)))
        return None
    if amount < 0:
        problems.append(Sentence.of(N_("{name} {text} is negative"), name=name, text=text))
        return None
    return amount


@cache
def _currencies() -> frozenset[str]:
    return frozenset(list_currencies())


def parse_currency(text: str, problems: list[Sentence]) -> str | None:
    code = text.upper()
    if not code:
        problems.append(Sentence.of(N_("missing {name}"), name="Currency"))
        return None
    if not _CURRENCY.match(code) or code not in _currencies():
        problems.append(Sentence.of(N_("unknown currency {text}"), text=repr(text)))
        return None
    return code


def parse_number(text: str, problems: list[Sentence], *, required: bool) -> str | None:
    if not text:
        if required:
            problems.append(Sentence.of(N_("missing destination number")))
        return None
    try:
        return normalize(text).e164
    except InvalidNumber as exc:
        problems.append(Sentence.of(N_("destination number: {reason}"), reason=exc.text))
        return None


def readable_number(text: str) -> str | None:
    if not text:
        return None
    try:
        return normalize(text).e164
    except InvalidNumber:
        return None


def charged_number(text: str, charge: Decimal | None,
                    problems: list[Sentence]) -> tuple[str | None, str | None]:
    """A record's number, and a flag when it cannot be read but the record carries its charge:
    Microsoft's (or the provider's) charge stands all the same."""
    found: list[Sentence] = []
    number = parse_number(text, found, required=False)
    if not found:
        return number, None
    if charge is None:
        problems.extend(found)
        return None, None
    return None, f"number {text[:40]!r} cannot be read ({found[0]}); its own charge is booked"


def call_type_direction(call_type: str | None, *, tollfree: bool) -> str | None:
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


def region_of(number: str) -> str | None:
    if not number:
        return None
    try:
        region = normalize(number).region
    except InvalidNumber:
        return None
    return region if len(region) == 2 and region.isalpha() else None


def squash(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())
