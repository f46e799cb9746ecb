"""Card numbers and tokens out of anything stored, shown or logged (DESIGN: never store one).

A card number is 13 to 19 digits, typed whole or in groups split by spaces or dashes, whose Luhn
check digit is right (every real card number has one; a PO number or phone number of that
length mostly does not). The check is made on whole groups as typed (`4242 4242 4242 4242 123`
holds the card `4242…4242`), never on arbitrary slices of a number, which would find a
Luhn-valid slice in most long numbers. A run that holds a card is redacted whole, so that no part
of the card survives beside the marker; so is a single group of more than 19 digits (a card
glued to something else cannot be told apart).
"""

from __future__ import annotations

import re

REDACTED = "[redacted]"
_MIN_DIGITS, _MAX_DIGITS = 13, 19
# Runs longer than this are redacted without looking: bounded work on any text.
_SCAN_LIMIT = 64
# Digits, each pair joined by at most one space or dash; not glued to further digits.
_DIGIT_RUN = re.compile(r"(?<!\d)\d(?:[ -]?\d){12,}(?!\d)", re.ASCII)
# A security code named as such ("cvc 123", "CVV: 1234"): worthless alone, never kept all the same.
_SECURITY_CODE = re.compile(r"\b(cvc2?|cvv2?|csc|cid)(\s*[:=]?\s*)\d{3,4}\b", re.IGNORECASE)
_SLACK_TOKEN = re.compile(r"\bx(?:ox[abposr]|app)-[A-Za-z0-9-]+")


def luhn_valid(digits: str) -> bool:
    """True when the last digit of `digits` is its Luhn check digit."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def holds_card_number(groups: list[str]) -> bool:
    """True when some consecutive groups of digits, joined, form a 13-19 digit number that
    passes the Luhn check (or when a group is too long to tell)."""
    if sum(map(len, groups)) > _SCAN_LIMIT or any(len(g) > _MAX_DIGITS for g in groups):
        return True
    for first in range(len(groups)):
        joined = ""
        for group in groups[first:]:
            joined += group
            if len(joined) > _MAX_DIGITS:
                break
            if len(joined) >= _MIN_DIGITS and luhn_valid(joined):
                return True
    return False


def redact_card_numbers(text: str) -> str:
    """`text` with every run of digits that holds a card number, and every named security
    code, replaced by `[redacted]`."""
    def replace(match: re.Match[str]) -> str:
        return REDACTED if holds_card_number(re.split(r"[ -]", match[0])) else match[0]

    return _SECURITY_CODE.sub(rf"\1\2{REDACTED}", _DIGIT_RUN.sub(replace, text))


def redact_secrets(text: str) -> str:
    """`text` without card numbers and without Slack tokens."""
    return _SLACK_TOKEN.sub(REDACTED, redact_card_numbers(text))
