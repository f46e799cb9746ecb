"""Phone numbers to E.164 digits for rating (DESIGN §5).

A number is rateable when it is *possible* for its country (a known country calling code and a
plausible length), not necessarily *valid*: new ranges are dialled before any library lists them.
Masked numbers (the Teams export hides the last digits as `***`) keep their known digits, which
are still a prefix to rate by.

Numbers already in E.164 form take a fast path (a digits check against lengths precomputed from
phonenumbers' metadata) because the importer normalises millions of them; anything else goes
through `phonenumbers.parse`. Both paths give the same answer (a test checks it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from phonenumbers import NumberParseException, PhoneMetadata, PhoneNumberFormat

from bot.errors import InvalidNumber, Sentence
from bot.i18n import N_

MASK = "*"
_MAX_TEXT = 40
_SEPARATORS = re.compile(r"[\s\-.()/\[\]\u00a0\u2010-\u2015]+")
_E164 = re.compile(r"\+([1-9]\d{2,16})")
_USAGE = Sentence.of(N_("Write it with its country code, like +49 30 1234567 or "
                        "0049 30 1234567."))


@dataclass(frozen=True, slots=True)
class Destination:
    """A normalised destination: E.164 digits without `+`, or only the known ones if masked."""

    digits: str
    country_code: int
    masked_digits: int = 0

    @property
    def masked(self) -> bool:
        return self.masked_digits > 0

    @property
    def e164(self) -> str:
        """`+` and the digits, with the hidden ones shown as `*`."""
        return f"+{self.digits}{MASK * self.masked_digits}"

    @property
    def region(self) -> str:
        """The ISO region of the number (`001` for non-geographic networks)."""
        return region_of(self.digits, self.country_code, self.masked_digits)


def normalize(text: str, region: str | None = None) -> Destination:
    """Read a destination as people and exports write it; `region` reads national formats."""
    raw = (text or "").strip()
    if raw[:1] == "+" and raw[1:].isdigit():
        fast = _fast(raw)
        if fast is not None:
            return fast
    if not raw:
        raise InvalidNumber(N_("Give a phone number. {usage}"), usage=_USAGE)
    if len(raw) > _MAX_TEXT:
        raise InvalidNumber(N_("That is too long to be a phone number."))
    if raw[:4].lower() == "tel:":
        raw = raw[4:]
    compact = _SEPARATORS.sub("", raw)
    fast = _fast(compact)
    if fast is not None:
        return fast
    masked = len(compact) - len(compact.rstrip(MASK))
    if MASK in compact[: len(compact) - masked]:
        raise InvalidNumber(N_("`{typed}`: only the last digits of a number may be masked."),
                            typed=_show(text))
    # A masked number is checked as if its hidden digits were zeros, then cut back to the
    # digits it really shows.
    number = _parse(compact[: len(compact) - masked] + "0" * masked, region, text)
    digits = phonenumbers.format_number(number, PhoneNumberFormat.E164)[1:]
    known = digits[: len(digits) - masked] if masked else digits
    code = number.country_code or 0
    if len(known) <= len(str(code)):
        raise InvalidNumber(N_("`{typed}` hides too much of the number to rate it."),
                            typed=_show(text))
    return Destination(known, code, masked)


def _fast(compact: str) -> Destination | None:
    """The E.164 fast path; None means "ask phonenumbers" (not necessarily "impossible")."""
    match = _E164.fullmatch(compact)
    if match is None:
        return None
    digits = match[1]
    codes = _CODES or _codes()
    for size in (1, 2, 3):
        code = codes.get(digits[:size])
        if code is None:
            continue
        national = digits[size:]
        lengths, national_prefix = code
        # A national prefix after the country code ("+49 030 …") is dropped by phonenumbers
        # when what remains is possible: leave such numbers to it.
        if national_prefix is not None and national_prefix.match(national):
            return None
        if national[:1] == "0" or len(national) not in lengths:
            return None
        return Destination(digits, int(digits[:size]))
    return None


_CodeInfo = tuple[frozenset[int], re.Pattern[str] | None]
_CODES: dict[str, _CodeInfo] = {}


def national_rules() -> list[tuple[str, frozenset[int], str | None]]:
    """(calling code, possible national lengths, the national prefix pattern to strip) for
    every country calling code phonenumbers' metadata knows: the rules both number readers
    (this module's and the importer's columnar one) apply."""
    rules = []
    for code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
        main = phonenumbers.region_code_for_country_code(code)
        metadata = PhoneMetadata.metadata_for_region_or_calling_code(code, main)
        if metadata is None or metadata.general_desc is None:
            continue
        desc = metadata.general_desc
        lengths = frozenset(desc.possible_length or ()) | frozenset(
            desc.possible_length_local_only or ())
        rules.append((str(code), lengths, metadata.national_prefix_for_parsing or None))
    return rules


def _codes() -> dict[str, _CodeInfo]:
    """Per country calling code: possible national lengths and the national prefix to strip."""
    if _CODES:
        return _CODES
    _CODES.update({code: (lengths, re.compile(prefix) if prefix else None)
                   for code, lengths, prefix in national_rules()})
    return _CODES


def _parse(compact: str, region: str | None, text: str) -> phonenumbers.PhoneNumber:
    candidate, parse_region = compact, region
    if not any(ch.isdigit() for ch in compact):
        raise InvalidNumber(N_("`{typed}` is not a phone number. {usage}"), typed=_show(text),
                            usage=_USAGE)
    if compact.startswith("00") and not _dials_out_with(compact, region):
        # 00 is the international prefix almost everywhere: read it so whatever the region.
        candidate, parse_region = "+" + compact[2:], None
    elif not compact.startswith("+") and not region:
        raise InvalidNumber(N_("`{typed}` has no country code. {usage}"), typed=_show(text),
                            usage=_USAGE)
    try:
        number = phonenumbers.parse(candidate, parse_region)
    except NumberParseException as exc:
        if exc.error_type == NumberParseException.INVALID_COUNTRY_CODE:
            raise InvalidNumber(N_("`{typed}` does not begin with a country calling code. "
                                   "{usage}"), typed=_show(text), usage=_USAGE) from None
        raise InvalidNumber(N_("`{typed}` is not a phone number. {usage}"), typed=_show(text),
                            usage=_USAGE) from None
    if not phonenumbers.is_possible_number(number):
        where = phonenumbers.region_code_for_country_code(number.country_code or 0)
        raise InvalidNumber(N_("`{typed}` is not a possible number for +{code} ({region}): check "
                               "its length."), typed=_show(text), code=number.country_code,
                            region=where)
    return number


def _dials_out_with(compact: str, region: str | None) -> bool:
    """True when the region's own international prefix begins the number (0011 in AU …)."""
    if not region:
        return False
    metadata = PhoneMetadata.metadata_for_region(region.upper())
    if metadata is None or not metadata.international_prefix:
        return False
    return re.match(metadata.international_prefix, compact) is not None


@lru_cache(maxsize=65536)
def region_of(digits: str, country_code: int, masked_digits: int = 0) -> str:
    """The ISO region of E.164 digits (the calling code's main region when unsure)."""
    regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(country_code, ("ZZ",))
    if len(regions) == 1:
        return regions[0]
    try:
        number = phonenumbers.parse("+" + digits + "0" * masked_digits, None)
    except NumberParseException:
        return regions[0]
    return phonenumbers.region_code_for_number(number) or regions[0]


def _show(text: str) -> str:
    clean = (text or "").replace("`", "'").strip()
    return clean if len(clean) <= 30 else clean[:29] + "…"
