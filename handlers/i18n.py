"""The few sentences the bot says, in English and German (answers follow the user's locale)."""

from __future__ import annotations

from typing import Any

MESSAGES: dict[str, dict[str, str]] = {
    "balance_is": {"en": "Your Communications Credits balance is *{balance}*.",
                   "de": "Ihr Guthaben an Communications Credits beträgt *{balance}*."},
    "balance_suspended": {
        "en": ":red_circle: The balance is *{balance}*: toll-free numbers and dial-out are "
              "*suspended* until credits are added.",
        "de": ":red_circle: Das Guthaben beträgt *{balance}*: gebührenfreie Nummern und "
              "Einwahl sind *gesperrt*, bis Guthaben aufgeladen wird."},
    "state_active": {"en": "active", "de": "aktiv"},
    "state_suspended": {"en": "suspended (at or below zero)",
                        "de": "gesperrt (Guthaben null oder darunter)"},
    "autorecharge_on": {"en": "add {amount} when below {below}",
                        "de": "{amount} aufladen, wenn unter {below}"},
    "autorecharge_off": {"en": "off", "de": "aus"},
    "none": {"en": "none", "de": "keine"},
    "no_data": {"en": "no usage yet", "de": "noch keine Nutzung"},
    "no_forecast": {"en": "no forecast (no spend yet)", "de": "keine Prognose (keine Ausgaben)"},
    "label_state": {"en": "State", "de": "Status"},
    "label_autorecharge": {"en": "Auto-recharge", "de": "Automatische Aufladung"},
    "label_last_recharge": {"en": "Last recharge", "de": "Letzte Aufladung"},
    "label_daily_spend": {"en": "Average daily spend", "de": "Durchschnittliche Tagesausgaben"},
    "label_run_out": {"en": "Forecast run-out", "de": "Voraussichtlich aufgebraucht"},
    "suspended_hint": {
        "en": "An admin can add credits with `/credits deposit <amount>`.",
        "de": "Ein Admin kann mit `/credits deposit <Betrag>` Guthaben aufladen."},
}


def language(locale: str | None) -> str:
    return "de" if (locale or "").lower().startswith("de") else "en"


def t(key: str, locale: str | None, **values: Any) -> str:
    """The sentence `key` in the user's language, filled in."""
    entry = MESSAGES[key]
    return entry.get(language(locale), entry["en"]).format(**values)
