"""What the usage answers say (rates, usage, exports, reports, imports), in English and German,
with the formatting they share: exact prices, counts, minutes and period labels in a locale."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal

from bot.money import format_money, normalize_locale
from bot.usage.periods import Period
from handlers.i18n import language, translate

TEXTS: dict[str, dict[str, str]] = {
    # -- rate ---------------------------------------------------------------------------------
    "rate_title": {"en": "Rates for {place}", "de": "Tarife für {place}"},
    "rate_outbound": {"en": "Calls you make to {place}, in {currency}:",
                      "de": "Ihre Anrufe nach {place}, in {currency}:"},
    "rate_tollfree": {
        "en": "Calls to your toll-free numbers in {place}, paid from the credits, in {currency}:",
        "de": "Anrufe auf Ihre gebührenfreien Nummern in {place}, bezahlt aus dem Guthaben, in "
              "{currency}:"},
    "rate_line": {
        "en": "*{destination}* ({prefixes}): *{rate}* per minute, connection fee {fee}, "
              "billed {initial} s first, then every {recurring} s",
        "de": "*{destination}* ({prefixes}): *{rate}* pro Minute, Verbindungsgebühr {fee}, "
              "Abrechnung erst {initial} s, dann je {recurring} s"},
    "rate_sample": {
        "en": ":warning: These are SAMPLE prices from the bundled rate deck, not your carrier's. "
              "An operator loads the real deck with `credits-bot rates load FILE`.",
        "de": ":warning: Das sind BEISPIELPREISE aus dem mitgelieferten Tarifverzeichnis, nicht "
              "die Ihres Anbieters. Ein Operator lädt das echte mit `credits-bot rates load "
              "FILE`."},
    "rate_rule_prefix": {
        "en": "Priced by the deck's row for {prefix} ({kind}), the number's longest prefix "
              "with a rate.",
        "de": "Berechnet nach der Zeile {prefix} ({kind}) des Tarifverzeichnisses, dem längsten "
              "Präfix der Nummer mit einem Tarif."},
    "rate_rule_type": {
        "en": "By phonenumbers' metadata this is a {kind} number: priced by {country}'s {kind} "
              "rate ({prefix}).",
        "de": "Laut den Metadaten von phonenumbers ist das eine Nummer der Art „{kind}“: "
              "berechnet nach dem Tarif dieser Art für {country} ({prefix})."},
    "rate_rule_instead": {
        "en": "Not by {destination} ({prefix}, {kind}): that row is for another type.",
        "de": "Nicht nach {destination} ({prefix}, {kind}): diese Zeile gilt für eine andere "
              "Art."},
    "rate_source": {"en": "Rate deck {source}, prices in force on {day}.",
                    "de": "Tarifverzeichnis {source}, Preise gültig am {day}."},
    "rate_ask": {
        "en": "Which destination? Ask for a number (`+44 20 7946 0000`), a country (`Germany`, "
              "`DE`) or toll-free (`toll-free US`), for example _how much does it cost to call "
              "Japan?_",
        "de": "Welches Ziel? Fragen Sie nach einer Nummer (`+44 20 7946 0000`), einem Land "
              "(`Deutschland`, `DE`) oder gebührenfrei (`gebührenfrei US`), zum Beispiel _Was "
              "kostet ein Anruf nach Japan?_"},
    # -- usage --------------------------------------------------------------------------------
    "usage_title": {"en": "Usage: {period}", "de": "Nutzung: {period}"},
    "usage_all": {"en": "Everyone's calls", "de": "Anrufe aller Benutzer"},
    "usage_own": {"en": "Your calls ({email})", "de": "Ihre Anrufe ({email})"},
    "usage_totals": {"en": "*{spend}* for {calls} and {minutes} min.",
                     "de": "*{spend}* für {calls} und {minutes} Min."},
    "usage_direct_routing": {
        "en": "Of these, {calls} went over Direct Routing (your own carrier): no credits used.",
        "de": "Davon {calls} über Direct Routing (Ihr eigener Anbieter): ohne Credits."},
    "usage_none": {"en": "No calls in this period.", "de": "Keine Anrufe in diesem Zeitraum."},
    "usage_by_user": {"en": "By user", "de": "Nach Benutzer"},
    "usage_by_destination": {"en": "By destination", "de": "Nach Ziel"},
    "usage_by_day": {"en": "By day", "de": "Nach Tag"},
    "usage_line": {"en": "{label}: *{spend}* · {minutes} min · {calls}",
                   "de": "{label}: *{spend}* · {minutes} Min. · {calls}"},
    "usage_more": {"en": "…and {count} more.", "de": "…und {count} weitere."},
    "usage_no_email": {
        "en": "Slack has no e-mail address for you, and call records name people by it (their "
              "UPN), so I cannot find your calls. A credits admin can see everyone's usage.",
        "de": "Slack kennt keine E-Mail-Adresse von Ihnen, und Anrufe sind nach ihr (dem UPN) "
              "benannt, daher finde ich Ihre Anrufe nicht. Ein Credits-Admin sieht die Nutzung "
              "aller."},
    "calls_one": {"en": "1 call", "de": "1 Anruf"},
    "calls_many": {"en": "{count} calls", "de": "{count} Anrufe"},
    # -- spend (DM) -----------------------------------------------------------------------------
    "spend_own": {
        "en": "You spent *{spend}* {period}: {calls}, {minutes} min.",
        "de": "Sie haben {period} *{spend}* ausgegeben: {calls}, {minutes} Min."},
    "spend_none": {"en": "You made no calls that cost credits {period}.",
                   "de": "Sie hatten {period} keine Anrufe, die Guthaben kosten."},
    # -- export -------------------------------------------------------------------------------
    "export_comment_all": {"en": "Credits export, {period}: call records and ledger.",
                           "de": "Credits-Export, {period}: Anrufe und Buchungen."},
    "export_comment_own": {"en": "Credits export, {period}: your call records ({email}).",
                           "de": "Credits-Export, {period}: Ihre Anrufe ({email})."},
    "export_done_all": {
        "en": ":white_check_mark: Exported {calls} and {entries} for {period} as {files}.",
        "de": ":white_check_mark: {calls} und {entries} für {period} als {files} exportiert."},
    "export_done_own": {
        "en": ":white_check_mark: Exported your {calls} for {period} as {files}. It holds your "
              "own calls only; a credits admin can export everyone's and the ledger.",
        "de": ":white_check_mark: Ihre {calls} für {period} als {files} exportiert. Sie enthält "
              "nur Ihre eigenen Anrufe; ein Credits-Admin kann alle und die Buchungen "
              "exportieren."},
    "entries_one": {"en": "1 ledger entry", "de": "1 Buchung"},
    "entries_many": {"en": "{count} ledger entries", "de": "{count} Buchungen"},
    "export_here": {"en": "The file is in this conversation.",
                    "de": "Die Datei liegt in dieser Unterhaltung."},
    "export_dm": {"en": "I sent it to you in a direct message, so no one else sees it.",
                  "de": "Ich habe sie Ihnen als Direktnachricht geschickt, damit niemand sonst "
                        "sie sieht."},
    "export_dm_fallback": {
        "en": "I cannot post files in this conversation (invite me with `/invite @Credits "
              "Bot`), so I sent it to you in a direct message.",
        "de": "Ich kann in dieser Unterhaltung keine Dateien posten (laden Sie mich mit "
              "`/invite @Credits Bot` ein), daher habe ich sie Ihnen als Direktnachricht "
              "geschickt."},
    # -- report -------------------------------------------------------------------------------
    "report_title": {"en": "Credits report: {period}", "de": "Credits-Bericht: {period}"},
    "report_spend": {"en": "Spend", "de": "Ausgaben"},
    "report_calls": {"en": "Calls", "de": "Anrufe"},
    "report_minutes": {"en": "Minutes", "de": "Minuten"},
    "report_added": {"en": "Deposits and recharges", "de": "Einzahlungen und Aufladungen"},
    "report_other": {"en": "Expiries and adjustments", "de": "Verfall und Korrekturen"},
    "report_start": {"en": "Balance at the start", "de": "Guthaben am Anfang"},
    "report_end": {"en": "Balance at the end", "de": "Guthaben am Ende"},
    "report_destinations": {"en": "Top destinations", "de": "Häufigste Ziele"},
    "report_users": {"en": "Top users", "de": "Benutzer mit den meisten Ausgaben"},
    "report_chart": {"en": "Balance and daily spend, {period}.",
                     "de": "Guthaben und tägliche Ausgaben, {period}."},
    "report_chart_here": {"en": "The chart (balance and daily spend) is in this conversation.",
                          "de": "Das Diagramm (Guthaben und Tagesausgaben) liegt in dieser "
                                "Unterhaltung."},
    # -- import -------------------------------------------------------------------------------
    "import_refused": {
        "en": "Thanks, but only credits admins can import usage files, so I have not read "
              "*{name}*. Ask an admin to send it to me.",
        "de": "Danke, aber nur Credits-Admins können Nutzungsdateien importieren, daher habe ich "
              "*{name}* nicht gelesen. Bitten Sie einen Admin, sie mir zu schicken."},
    "import_started": {"en": ":hourglass_flowing_sand: Importing *{name}*…",
                       "de": ":hourglass_flowing_sand: *{name}* wird importiert…"},
    "import_progress": {"en": ":hourglass_flowing_sand: Importing *{name}*: {done} of {total} "
                              "rows…",
                        "de": ":hourglass_flowing_sand: *{name}* wird importiert: {done} von "
                              "{total} Zeilen…"},
    "import_progress_open": {"en": ":hourglass_flowing_sand: Importing *{name}*: {done} rows…",
                             "de": ":hourglass_flowing_sand: *{name}* wird importiert: {done} "
                                   "Zeilen…"},
    "import_finished": {"en": ":white_check_mark: Imported *{name}* ({rows} rows).",
                        "de": ":white_check_mark: *{name}* importiert ({rows} Zeilen)."},
    "import_title": {"en": "Imported {name} ({format})", "de": "{name} importiert ({format})"},
    "import_rows": {"en": "Rows read", "de": "Gelesene Zeilen"},
    "import_new": {"en": "New calls charged", "de": "Neue Anrufe belastet"},
    "import_charged": {"en": "Charged", "de": "Belastet"},
    "import_duplicates": {"en": "Skipped as duplicates", "de": "Als Duplikate übersprungen"},
    "import_rejected": {"en": "Rejected", "de": "Abgelehnt"},
    "import_unlicensed": {"en": "Calls by unlicensed users",
                          "de": "Anrufe von Benutzern ohne Lizenz"},
    "import_direct_routing": {"en": "Direct Routing calls (not charged)",
                              "de": "Direct-Routing-Anrufe (nicht belastet)"},
    "import_other_source": {"en": "Skipped: already imported from another source",
                            "de": "Übersprungen: schon aus einer anderen Quelle importiert"},
    "import_other_source_note": {
        "en": ":warning: {count} calls match calls already imported from another source "
              "(same call id and start time), so they were not charged a second time.",
        "de": ":warning: {count} Anrufe stimmen mit schon aus einer anderen Quelle importierten "
              "Anrufen überein (gleiche Anruf-ID und Startzeit) und wurden daher nicht ein "
              "zweites Mal belastet."},
    "import_flagged_list": {
        "en": ":information_source: *Kept with a note* (Microsoft's charge is booked as it "
              "stands):",
        "de": ":information_source: *Mit Hinweis übernommen* (die Belastung von Microsoft "
              "wird so gebucht):"},
    "import_more_pages": {
        "en": ":warning: This file is one page of more: it ends with `@odata.nextLink`, so "
              "Microsoft Graph has more calls for this period. Fetch the next pages (or connect "
              "Microsoft 365, which follows the links) and send them too.",
        "de": ":warning: Diese Datei ist eine von mehreren Seiten: Sie endet mit "
              "`@odata.nextLink`, Microsoft Graph hat also weitere Anrufe für diesen Zeitraum. "
              "Rufen Sie die nächsten Seiten ab (oder verbinden Sie Microsoft 365, das den Links "
              "folgt) und schicken Sie sie ebenfalls."},
    "import_rejected_list": {
        "en": ":warning: *Rejected rows* (fix them and send the file again: only what was not "
              "charged is charged):",
        "de": ":warning: *Abgelehnte Zeilen* (korrigieren Sie sie und schicken Sie die Datei "
              "erneut: nur Unberechnetes wird berechnet):"},
    "import_unlicensed_list": {
        "en": "*Calls by users without a Communications Credits license:*",
        "de": "*Anrufe von Benutzern ohne Communications-Credits-Lizenz:*"},
    "import_user_calls": {"en": "{user}: {calls}", "de": "{user}: {calls}"},
    "import_no_user": {"en": "(no user)", "de": "(kein Benutzer)"},
    "import_differences": {
        "en": "{count} charges differ from the rate deck (total difference {total}): "
              "`credits-bot import-usage` lists them.",
        "de": "{count} Belastungen weichen vom Tarifverzeichnis ab (Differenz insgesamt "
              "{total}): `credits-bot import-usage` listet sie auf."},
    "import_failed": {"en": ":warning: I could not import *{name}*: {reason}",
                      "de": ":warning: *{name}* konnte nicht importiert werden: {reason}"},
    "import_stopped": {
        "en": ":warning: The import of *{name}* stopped: the bot was restarted while it ran. "
              "Send the file again: calls already charged are not charged twice.",
        "de": ":warning: Der Import von *{name}* wurde abgebrochen: der Bot wurde währenddessen "
              "neu gestartet. Senden Sie die Datei noch einmal: bereits belastete Anrufe werden "
              "nicht doppelt belastet."},
    "import_crashed": {
        "en": ":warning: Importing *{name}* failed on our side; it has been logged. Batches "
              "that finished are charged; send the file again and only the rest is charged.",
        "de": ":warning: Der Import von *{name}* ist bei uns fehlgeschlagen und protokolliert. "
              "Fertige Abschnitte sind belastet; schicken Sie die Datei erneut, dann wird nur "
              "der Rest belastet."},
    "import_download_failed": {
        "en": "Slack did not let me download the file ({reason}).",
        "de": "Slack hat den Download der Datei nicht erlaubt ({reason})."},
    "import_too_large": {"en": "the file is larger than {limit} MB.",
                         "de": "die Datei ist größer als {limit} MB."},
    "import_too_many": {
        "en": "I import at most {count} files from one message; send the others again.",
        "de": "Ich importiere höchstens {count} Dateien pro Nachricht; schicken Sie die "
              "übrigen erneut."},
}


def say(key: str, locale: str | None, **values: Any) -> str:
    """A sentence of the usage answers' catalogue."""
    return translate(TEXTS, key, locale, **values)


def price(amount: Decimal, currency: str, locale: str | None) -> str:
    """A price with every decimal it has (rates have 4, or 6): `$0.022`, `0,022 $`."""
    return format_currency(amount.normalize(), currency, locale=normalize_locale(locale),
                           decimal_quantization=False)


def money_exact(amount: Decimal, currency: str, locale: str | None) -> str:
    """Money in cents, with the exact amount beside it where cents would hide fractions."""
    shown = format_money(amount, currency, locale)
    exact = price(amount, currency, locale)
    return shown if exact == shown else f"{shown} ({exact})"


def number(value: int | Decimal, locale: str | None) -> str:
    """A count or an amount of minutes, grouped as the locale writes numbers."""
    return format_decimal(value, locale=normalize_locale(locale), decimal_quantization=False)


def calls(count: int, locale: str | None) -> str:
    """`1 call`, `12 calls` (German: `1 Anruf`, `12 Anrufe`)."""
    if count == 1:
        return say("calls_one", locale)
    return say("calls_many", locale, count=number(count, locale))


def entries(count: int, locale: str | None) -> str:
    """`1 ledger entry`, `3 ledger entries` (German: `1 Buchung`, `3 Buchungen`)."""
    if count == 1:
        return say("entries_one", locale)
    return say("entries_many", locale, count=number(count, locale))


def period_label(period: Period, locale: str | None) -> str:
    """The period in words: its own label in English, its dates in German."""
    if language(locale) == "en":
        return period.label
    return _dates(period.first_day, period.last_day, locale)


def _dates(first: date, last: date, locale: str | None) -> str:
    loc = normalize_locale(locale)
    if first == last:
        return format_date(first, format="medium", locale=loc)
    return (f"{format_date(first, format='medium', locale=loc)} – "
            f"{format_date(last, format='medium', locale=loc)}")


_PHRASES = {
    "this-month": {"en": "this month", "de": "diesen Monat"},
    "last-month": {"en": "last month", "de": "letzten Monat"},
}


def period_phrase(period: Period, locale: str | None) -> str:
    """The period as it fits in a sentence: `this month`, `in den letzten 7 Tagen`."""
    lang = language(locale)
    word = period.text.lower()
    if word in _PHRASES:
        return _PHRASES[word][lang]
    if word.startswith("last-") and word.endswith(("-days", "-day")):
        count = (period.last_day - period.first_day).days + 1
        if lang == "de":
            return "heute" if count == 1 else f"in den letzten {count} Tagen"
        return "today" if count == 1 else f"in the last {count} days"
    return f"im Zeitraum {period_label(period, locale)}" if lang == "de" \
        else f"in {period_label(period, locale)}"
