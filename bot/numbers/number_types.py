"""What kind of number a destination is, by phonenumbers' metadata: mobile, landline, toll-free,
premium-rate, shared-cost, … in the words a rate deck's `number_type` column uses.

Pricing needs it where a deck's prefix says less than the number does: `+91 80…` is both
Bangalore's landlines and a mobile range, `+44 800…` is a toll-free number under the United
Kingdom's landline prefix, `+1 900…` a premium-rate number under `+1`.

`number_kind` answers for one number through `phonenumbers.number_type`. `number_kinds` gives the
same answers for a whole polars column at once, with the same metadata patterns run as column
regexes (the importer types millions of numbers; a test holds the two to the same answers).
"""

from __future__ import annotations

from collections.abc import Collection
from functools import cache, lru_cache
from typing import Any

import phonenumbers
import polars as pl
from phonenumbers import PhoneMetadata, PhoneNumber, PhoneNumberDesc, PhoneNumberType

LANDLINE = "landline"
MOBILE = "mobile"
LANDLINE_OR_MOBILE = "landline_or_mobile"
TOLLFREE = "tollfree"
PREMIUM = "premium"
SHARED_COST = "shared_cost"
ANY = "any"
# The kinds whose price has nothing to do with where the number is: only a deck row of their
# own kind prices them, never a landline or `any` row that happens to share the prefix.
SPECIAL = frozenset({TOLLFREE, PREMIUM, SHARED_COST})

KIND_OF_TYPE = {
    PhoneNumberType.FIXED_LINE: LANDLINE,
    PhoneNumberType.MOBILE: MOBILE,
    PhoneNumberType.FIXED_LINE_OR_MOBILE: LANDLINE_OR_MOBILE,
    PhoneNumberType.TOLL_FREE: TOLLFREE,
    PhoneNumberType.PREMIUM_RATE: PREMIUM,
    PhoneNumberType.SHARED_COST: SHARED_COST,
    PhoneNumberType.VOIP: "voip",
    PhoneNumberType.PERSONAL_NUMBER: "personal",
    PhoneNumberType.PAGER: "pager",
    PhoneNumberType.UAN: "uan",
    PhoneNumberType.VOICEMAIL: "voicemail",
}
# How decks write the same kinds (the column is a free word).
_SYNONYMS = {
    "fixed": LANDLINE, "fixed_line": LANDLINE, "fixedline": LANDLINE, "geographic": LANDLINE,
    "landline": LANDLINE, "mobile": MOBILE, "cell": MOBILE, "cellular": MOBILE,
    "tollfree": TOLLFREE, "toll_free": TOLLFREE, "toll-free": TOLLFREE, "freephone": TOLLFREE,
    "premium": PREMIUM, "premium_rate": PREMIUM, "premium-rate": PREMIUM,
    "shared_cost": SHARED_COST, "shared-cost": SHARED_COST, "sharedcost": SHARED_COST,
}
_IN_WORDS = {
    ANY: {"en": "any type", "de": "beliebige Art"},
    LANDLINE: {"en": "landline", "de": "Festnetz"},
    MOBILE: {"en": "mobile", "de": "Mobilfunk"},
    LANDLINE_OR_MOBILE: {"en": "landline or mobile", "de": "Festnetz oder Mobilfunk"},
    TOLLFREE: {"en": "toll-free", "de": "gebührenfrei"},
    PREMIUM: {"en": "premium-rate", "de": "Premium-Dienst (Mehrwertnummer)"},
    SHARED_COST: {"en": "shared-cost", "de": "Shared-Cost"},
    "voip": {"en": "VoIP", "de": "VoIP"},
    "personal": {"en": "personal", "de": "persönliche Rufnummer"},
    "pager": {"en": "pager", "de": "Pager"},
    "uan": {"en": "universal access (UAN)", "de": "Sammelrufnummer (UAN)"},
    "voicemail": {"en": "voicemail", "de": "Mailbox"},
}


def deck_kind(word: str) -> str:
    """The kind a deck row's `number_type` names; a word we do not know counts as `any`."""
    clean = word.strip().lower()
    if clean in KIND_OF_TYPE.values() or clean == ANY:
        return clean
    return _SYNONYMS.get(clean, ANY)


def fits(row_kind: str, number_kind: str | None) -> bool:
    """Whether a deck row of `row_kind` may price a number of `number_kind` (None: unknown).

    A row of the number's own kind always may. `any` prices every kind but the special ones
    (toll-free, premium-rate, shared-cost); a number that may be either landline or mobile
    (the US, Canada …) fits both; the rarer kinds (VoIP, personal, UAN …) fit landline rows.
    """
    if number_kind is None or row_kind == number_kind:
        return True
    if number_kind in SPECIAL:
        return False
    if row_kind == ANY:
        return True
    if number_kind == LANDLINE_OR_MOBILE:
        return row_kind in (LANDLINE, MOBILE)
    return row_kind == LANDLINE and number_kind not in (LANDLINE, MOBILE)


def kind_in_words(kind: str, language: str = "en") -> str:
    words = _IN_WORDS.get(kind, {"en": kind})
    return words.get(language, words["en"])


@lru_cache(maxsize=65536)
def number_kind(digits: str) -> str | None:
    """The kind of a full number's E.164 digits (no `+`), or None when phonenumbers cannot
    tell (a number it does not list as valid, or a masked one)."""
    code = calling_code(digits)
    national = digits[len(code):] if code else ""
    if not national.isdigit():
        return None
    # The digits as they are (not parsed again, which could drop a trunk prefix once more).
    number = PhoneNumber(country_code=int(code or 0), national_number=int(national))
    zeros = len(national) - len(national.lstrip("0"))
    if zeros:
        number.italian_leading_zero, number.number_of_leading_zeros = True, zeros
    return KIND_OF_TYPE.get(phonenumbers.number_type(number))


def calling_code(digits: str) -> str | None:
    """The country calling code E.164 digits begin with (codes are prefix-free), or None."""
    for size in (1, 2, 3):
        head = digits[:size]
        if len(head) == size and head.isdigit() and \
                int(head) in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
            return head
    return None


# --- a whole column at once ---------------------------------------------------------------------

_SPECIFIC = (("premium_rate", PREMIUM), ("toll_free", TOLLFREE), ("shared_cost", SHARED_COST),
             ("voip", "voip"), ("personal_number", "personal"), ("pager", "pager"),
             ("uan", "uan"), ("voicemail", "voicemail"))


def number_kinds(digits: pl.Series, *, detailed: Collection[str] | None = None) -> pl.Series:
    """`number_kind` of every E.164 digit string of a column (null where unknown).

    `detailed` limits the full answer to these calling codes; numbers of other codes are only
    told apart as special (toll-free, premium-rate, shared-cost) or not (null): four patterns
    a number instead of a dozen, for decks that price the rest of a country alike.
    """
    frame = _with_country_code(
        pl.DataFrame({"digits": digits.cast(pl.String)}).with_row_index("idx"))
    # Only the numbers with a kind are collected, then put in their places in a column of
    # nulls: most numbers of a special-only code have none, and gathering a million nulls
    # back in order cost more than typing them.
    typed: list[pl.DataFrame] = []
    for (code,), part in frame.filter(pl.col("cc").is_not_null()).partition_by(
            "cc", as_dict=True).items():
        national = pl.col("digits").str.slice(len(str(code)))
        special_only = detailed is not None and str(code) not in detailed
        if special_only:
            # Most numbers are no special kind: one combined pattern sets them aside.
            maybe = _special_pattern(int(str(code)))
            if maybe is None:
                continue
            part = part.filter(national.str.contains(maybe))
        kinds = part.select("idx", kind=_kind_expr(int(str(code)), national,
                                                   special_only=special_only))
        typed.append(kinds.filter(pl.col("kind").is_not_null()))
    column = pl.repeat(None, frame.height, dtype=pl.String, eager=True).alias("number_kind")
    found = pl.concat(typed) if typed else None
    if found is not None and found.height:
        column = column.scatter(found["idx"], found["kind"])
    return column


@cache
def _special_pattern(code: int) -> str | None:
    """One pattern that every special number of a calling code matches (and a few more)."""
    patterns = []
    for region in phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(code, ()):
        metadata = PhoneMetadata.metadata_for_region_or_calling_code(code, region)
        if metadata is None:
            continue
        for attribute, _ in _SPECIFIC[:3]:
            desc = getattr(metadata, attribute)
            if desc is not None and desc.national_number_pattern:
                patterns.append(f"(?:{desc.national_number_pattern})")
    return "^(?:" + "|".join(patterns) + ")$" if patterns else None


def _with_country_code(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` with `cc`, the calling code its `digits` begin with, in its order.

    Codes have 1-3 digits and are prefix-free, so a number's first three characters decide its
    code: one hash join with the table of every head of 1-3 digits finds it (a chain of
    `is_in` over three slices costs four times as much on a million numbers). Heads with
    anything but digits, never seen in E.164 digits, take the chain.
    """
    heads = frame.with_columns(head=pl.col("digits").str.slice(0, 3)).join(
        _code_of_head(), on="head", how="left", maintain_order="left")
    odd = pl.col("known").is_null() & pl.col("digits").is_not_null()
    if heads.select(odd.any()).item():
        heads = heads.with_columns(
            cc=pl.when(odd).then(_country_code(pl.col("digits"))).otherwise(pl.col("cc")))
    return heads.drop("head", "known")


@cache
def _code_of_head() -> pl.DataFrame:
    heads = [str(number).zfill(size) for size in (1, 2, 3) for number in range(10 ** size)]
    return pl.DataFrame({"head": heads, "cc": [calling_code(head) for head in heads],
                         "known": [True] * len(heads)},
                        schema={"head": pl.String, "cc": pl.String, "known": pl.Boolean})


def _country_code(digits: pl.Expr) -> pl.Expr:
    """The calling code a column of E.164 digits begins with (codes are prefix-free)."""
    codes = _calling_codes()
    expr = pl.lit(None, pl.String)
    for size in (3, 2, 1):
        head = digits.str.slice(0, size)
        expr = pl.when(head.is_in(codes[size])).then(head).otherwise(expr)
    return expr


@cache
def _calling_codes() -> dict[int, list[str]]:
    codes: dict[int, list[str]] = {1: [], 2: [], 3: []}
    for code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
        codes[len(str(code))].append(str(code))
    return codes


def _kind_expr(code: int, national: pl.Expr, *, special_only: bool) -> pl.Expr:
    """The kind of national significant numbers of one calling code, as phonenumbers'
    `number_type` finds it: the region first (when the code has several), then its patterns."""
    regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(code, ())
    if len(regions) == 1:
        metadata = PhoneMetadata.metadata_for_region_or_calling_code(code, regions[0])
        if metadata is None:
            return pl.lit(None, pl.String)
        return _helper_expr(metadata, national, unknown=None, special_only=special_only)
    expr = pl.lit(None, pl.String)
    # The first region that claims the number decides; build the chain from the last.
    for region in reversed(regions):
        metadata = PhoneMetadata.metadata_for_region(region, None)
        if metadata is None:
            continue
        kind = _helper_expr(metadata, national, unknown=None, special_only=special_only)
        if metadata.leading_digits is not None:
            claims = national.str.contains("^(?:" + metadata.leading_digits + ")")
        else:
            claims = _helper_expr(metadata, national, unknown="?", special_only=False) != "?"
        expr = pl.when(claims).then(kind).otherwise(expr)
    return expr


def _helper_expr(metadata: PhoneMetadata, national: pl.Expr, *, unknown: str | None,
                 special_only: bool) -> pl.Expr:
    """phonenumbers' `_number_type_helper` as one expression (`unknown` for UNKNOWN); with
    `special_only`, its first three answers and null for the rest."""
    def matches(desc: PhoneNumberDesc | None) -> pl.Expr:
        if desc is None or desc.national_number_pattern is None:
            return pl.lit(False)
        full = national.str.contains("^(?:" + desc.national_number_pattern + ")$")
        lengths = list(desc.possible_length or ())
        return full & national.str.len_chars().is_in(lengths) if lengths else full

    same = bool(metadata.same_mobile_and_fixed_line_pattern)
    fixed = pl.lit(LANDLINE_OR_MOBILE) if same else pl.when(matches(metadata.mobile)).then(
        pl.lit(LANDLINE_OR_MOBILE)).otherwise(pl.lit(LANDLINE))
    chain: Any = pl.when(~matches(metadata.general_desc)).then(pl.lit(unknown, pl.String))
    for attribute, kind in _SPECIFIC[:3] if special_only else _SPECIFIC:
        chain = chain.when(matches(getattr(metadata, attribute))).then(pl.lit(kind))
    if special_only:
        return chain.otherwise(pl.lit(None, pl.String))
    chain = chain.when(matches(metadata.fixed_line)).then(fixed)
    if not same:
        chain = chain.when(matches(metadata.mobile)).then(pl.lit(MOBILE))
    return chain.otherwise(pl.lit(unknown, pl.String))
