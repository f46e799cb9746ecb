"""What the bot says in DMs and on App Home, in English and German (beside `handlers.i18n`)."""

from __future__ import annotations

from typing import Any

from handlers.i18n import translate

SENTENCES: dict[str, dict[str, str]] = {
    "dm_help": {
        "en": "I can answer in plain words:\n"
              "• *balance*: _what's our balance?_, _how much credit is left?_\n"
              "• *license*: _am I licensed?_, _do I have a license?_\n"
              "• *rates*: _how much does it cost to call Japan?_, _rate for +33 1 23 45 67 89_\n"
              "• *your spend*: _how much did I spend this month?_\n"
              "Everything else is in `/credits help`.",
        "de": "Ich verstehe einfache Fragen:\n"
              "• *Guthaben*: _Wie hoch ist das Guthaben?_, _Kontostand_\n"
              "• *Lizenz*: _Bin ich lizenziert?_, _Habe ich eine Lizenz?_\n"
              "• *Tarife*: _Was kostet ein Anruf nach Japan?_, _Tarif für +49 30 1234567_\n"
              "• *Ihre Ausgaben*: _Wie viel habe ich diesen Monat ausgegeben?_\n"
              "Alles andere steht in `/credits help`."},
    "dm_not_understood": {"en": "Sorry, I did not understand that.",
                          "de": "Das habe ich leider nicht verstanden."},
    "licensed_yes": {
        "en": ":white_check_mark: Yes: you have a Communications Credits license, so your "
              "calls can use the credits.",
        "de": ":white_check_mark: Ja: Sie haben eine Communications-Credits-Lizenz; Ihre "
              "Anrufe können das Guthaben nutzen."},
    "licensed_no": {
        "en": "No: you have no Communications Credits license, so calls that need credits are "
              "flagged as unlicensed. A credits admin can assign one with "
              "`/credits license assign @you`.",
        "de": "Nein: Sie haben keine Communications-Credits-Lizenz; Anrufe, die Guthaben "
              "brauchen, werden als nicht lizenziert markiert. Ein Credits-Admin kann sie mit "
              "`/credits license assign @Sie` zuweisen."},
    "home_title": {"en": "Communications Credits", "de": "Communications Credits"},
    "home_thresholds": {"en": "Low-balance alerts", "de": "Warnungen bei niedrigem Guthaben"},
    "home_licenses": {"en": "Licensed users", "de": "Lizenzierte Benutzer"},
    "home_recent": {"en": "Last recharges and deposits",
                    "de": "Letzte Aufladungen und Einzahlungen"},
    "home_no_purchases": {"en": "No deposits or recharges yet.",
                          "de": "Noch keine Einzahlungen oder Aufladungen."},
    "home_updated": {"en": "Updated {when}. `/credits help` lists every command.",
                     "de": "Stand {when}. `/credits help` zeigt alle Befehle."},
    "kind_deposit": {"en": "deposit", "de": "Einzahlung"},
    "kind_recharge": {"en": "auto-recharge", "de": "automatische Aufladung"},
}


def say(key: str, locale: str | None, **values: Any) -> str:
    """A sentence of the DM and App Home catalogue."""
    return translate(SENTENCES, key, locale, **values)
