"""Countries by name: English and German names (and common short forms) to ISO region codes."""

from __future__ import annotations

import re
import unicodedata
from functools import cache

import phonenumbers
from babel import Locale

from bot.i18n import normalize_locale

# Names people use that are not Babel's own (English and German).
_ALIASES = {
    "usa": "US", "us": "US", "u s": "US", "u s a": "US", "america": "US",
    "united states of america": "US", "the states": "US", "amerika": "US",
    "vereinigte staaten von amerika": "US", "vereinigten staaten": "US",
    "vereinigten staaten von amerika": "US",
    "uk": "GB", "u k": "GB", "britain": "GB", "great britain": "GB", "england": "GB",
    "scotland": "GB", "wales": "GB", "northern ireland": "GB", "grossbritannien": "GB",
    "grossbrittanien": "GB", "schottland": "GB", "nordirland": "GB",
    "vereinigte königreich": "GB", "vereinigten königreich": "GB",
    "holland": "NL", "korea": "KR", "republic of korea": "KR", "suedkorea": "KR",
    "czech republic": "CZ", "tschechische republik": "CZ", "turkey": "TR", "turkei": "TR",
    "tuerkei": "TR", "burma": "MM", "ivory coast": "CI", "elfenbeinkueste": "CI",
    "elfenbeinkuste": "CI", "swaziland": "SZ", "macedonia": "MK", "mazedonien": "MK",
    "vatican": "VA", "vatikan": "VA", "uae": "AE", "emirates": "AE", "vae": "AE",
    "emirate": "AE", "hong kong": "HK", "hongkong": "HK", "macao": "MO", "macau": "MO",
    "palestine": "PS", "palaestina": "PS", "palastina": "PS", "russian federation": "RU",
    "dr congo": "CD", "drc": "CD", "democratic republic of the congo": "CD",
    "republic of the congo": "CG", "cape verde": "CV", "kapverden": "CV",
    "east timor": "TL", "osttimor": "TL", "vietnam": "VN", "viet nam": "VN",
    "the netherlands": "NL", "deutschland": "DE", "bundesrepublik deutschland": "DE",
    "brd": "DE", "oesterreich": "AT", "schweiz": "CH", "suisse": "CH", "espana": "ES",
    "italia": "IT", "nippon": "JP", "bharat": "IN", "brasil": "BR", "mexiko": "MX",
}
_GERMAN_SPELLED = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "ae", "Ö": "oe",
                                 "Ü": "ue"})
_NOT_NAME = re.compile(r"[^a-z0-9]+")
# An article before the name, English or German: "the US", "die USA", "den Niederlanden".
_ARTICLE = re.compile(r"^(?:the|die|der|den|das|dem) ")


def name_key(text: str) -> str:
    """Fold a country name for lookup: case, accents, punctuation and a leading article."""
    folded = unicodedata.normalize("NFKD", text.replace("ß", "ss").casefold())
    plain = "".join(ch for ch in folded if not unicodedata.combining(ch))
    plain = plain.replace("&", " and ").replace("’", "").replace("'", "")
    key = _NOT_NAME.sub(" ", plain).strip()
    return _ARTICLE.sub("", key)


@cache
def _names() -> dict[str, str]:
    regions = phonenumbers.SUPPORTED_REGIONS
    names: dict[str, str] = {}
    for language in ("en", "de"):
        territories = Locale(language).territories
        for region in regions:
            name = territories.get(region)
            if not name:
                continue
            variants = {name, name.translate(_GERMAN_SPELLED), re.sub(r"\s*\(.*\)", "", name),
                        re.sub(r"\s+SAR China$", "", name)}
            for variant in variants:
                names.setdefault(name_key(variant), region)
    for alias, region in _ALIASES.items():
        names[name_key(alias)] = region
    return names


def region_for_name(text: str) -> str | None:
    """The ISO region of a country named in English or German, or of its ISO code."""
    stripped = text.strip()
    if len(stripped) == 2 and stripped.isalpha() \
            and stripped.upper() in phonenumbers.SUPPORTED_REGIONS:
        return stripped.upper()
    if not stripped or len(stripped) > 60:
        return None
    return _names().get(name_key(stripped))


def country_name(region: str, locale: str | None = None) -> str:
    """The country's name in the locale (English by default), or the code itself."""
    if region == "001":
        return "International networks" if not (locale or "").startswith("de") \
            else "Internationale Netze"
    try:
        territories = Locale.parse(normalize_locale(locale)).territories
    except (ValueError, LookupError):
        territories = Locale("en").territories
    return territories.get(region, region)

