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
    "run_out_on": {"en": "{date} (in about {days} days)", "de": "{date} (in etwa {days} Tagen)"},
    "run_out_within_day": {"en": "{date} (within a day)", "de": "{date} (innerhalb eines Tages)"},
    "run_out_now": {"en": "now: the balance is used up",
                    "de": "jetzt: das Guthaben ist aufgebraucht"},
    "run_out_far": {"en": "not within 10 years at this rate",
                    "de": "nicht innerhalb von 10 Jahren bei diesem Verbrauch"},
    # -- deposit ----------------------------------------------------------------------------
    "deposit_done": {
        "en": ":white_check_mark: Deposited *{amount}* ({method}). The balance is now "
              "*{balance}*.",
        "de": ":white_check_mark: *{amount}* eingezahlt ({method}). Das Guthaben beträgt jetzt "
              "*{balance}*."},
    "deposit_resumed": {
        "en": ":large_green_circle: Toll-free numbers and dial-out work again.",
        "de": ":large_green_circle: Gebührenfreie Nummern und Einwahl funktionieren wieder."},
    "deposit_receipt": {"en": "Receipt {reference}", "de": "Beleg {reference}"},
    "deposit_memo": {"en": "Memo: {memo}", "de": "Notiz: {memo}"},
    "deposit_confirm_ask": {
        "en": "Deposit *{amount}* through {method}? Deposits above {limit} need a "
              "confirmation. The balance would be *{balance}*.",
        "de": "*{amount}* über {method} einzahlen? Einzahlungen über {limit} müssen bestätigt "
              "werden. Das Guthaben wäre dann *{balance}*."},
    "deposit_confirm_expires": {
        "en": "An admin can confirm until {time} UTC; nothing is deposited before.",
        "de": "Ein Admin kann bis {time} UTC bestätigen; vorher wird nichts eingezahlt."},
    "button_confirm": {"en": "Confirm", "de": "Bestätigen"},
    "button_cancel": {"en": "Cancel", "de": "Abbrechen"},
    "deposit_refused": {
        "en": "The payment was refused: {reason} Nothing was deposited.",
        "de": "Die Zahlung wurde abgelehnt: {reason} Es wurde nichts eingezahlt."},
    "deposit_paying": {
        "en": ":hourglass_flowing_sand: Paying *{amount}* with {method}… The answer follows "
              "here in a moment.",
        "de": ":hourglass_flowing_sand: *{amount}* wird über {method} bezahlt… Die Antwort "
              "folgt hier gleich."},
    "deposit_checking": {
        "en": ":hourglass: The payment service has not answered yet: the payment of *{amount}* "
              "is being checked. It is never charged twice, and it is booked once if it went "
              "through. Click *Check again* in a minute rather than sending the command again.",
        "de": ":hourglass: Der Zahlungsdienst hat noch nicht geantwortet: die Zahlung von "
              "*{amount}* wird geprüft. Sie wird nie doppelt abgebucht und einmal gebucht, "
              "falls sie durchging. Klicken Sie in einer Minute auf *Erneut prüfen*, statt den "
              "Befehl noch einmal zu senden."},
    "deposit_cancel_in_flight": {
        "en": ":hourglass: The payment of *{amount}* was already sent to the payment service "
              "and is being checked, so it cannot be cancelled now. If the card was charged, "
              "the deposit is booked once; nothing is charged twice.",
        "de": ":hourglass: Die Zahlung von *{amount}* wurde schon an den Zahlungsdienst "
              "gesendet und wird geprüft; sie kann jetzt nicht abgebrochen werden. Wurde die "
              "Karte belastet, wird die Einzahlung einmal gebucht; nichts wird doppelt "
              "abgebucht."},
    "deposit_cancel_too_late": {
        "en": "This deposit could not be cancelled: the payment had gone through.",
        "de": "Diese Einzahlung konnte nicht abgebrochen werden: die Zahlung war schon "
              "durchgegangen."},
    "deposit_unknown_click": {
        "en": "This button belongs to no deposit of this workspace; nothing was done.",
        "de": "Diese Schaltfläche gehört zu keiner Einzahlung dieses Workspace; es wurde "
              "nichts getan."},
    "other_workspace": {
        "en": "This Credits Bot is installed for another Slack workspace; nothing was done.",
        "de": "Dieser Credits Bot ist für einen anderen Slack-Workspace installiert; es wurde "
              "nichts getan."},
    "workspace_unknown": {
        "en": "The bot cannot confirm its own Slack workspace right now; nothing was done. "
              "Please try again in a minute.",
        "de": "Der Bot kann seinen Slack-Workspace gerade nicht bestätigen; es wurde nichts "
              "getan. Bitte versuchen Sie es in einer Minute erneut."},
    "slack_busy": {
        "en": "Slack asks the bot to slow down for {seconds} seconds; nothing was changed. "
              "Please try again in a moment.",
        "de": "Slack bittet den Bot, {seconds} Sekunden zu warten; es wurde nichts geändert. "
              "Bitte versuchen Sie es gleich noch einmal."},
    "license_working": {
        "en": ":hourglass_flowing_sand: Working on the licenses of {count} user(s)… The answer "
              "follows here.",
        "de": ":hourglass_flowing_sand: Die Lizenzen von {count} Benutzer(n) werden "
              "bearbeitet… Die Antwort folgt hier."},
    "button_check_again": {"en": "Check again", "de": "Erneut prüfen"},
    "deposit_cancelled": {
        "en": "The deposit of {amount} was cancelled by <@{user}>. Nothing was deposited.",
        "de": "Die Einzahlung von {amount} wurde von <@{user}> abgebrochen. Es wurde nichts "
              "eingezahlt."},
    "op_expired": {
        "en": "This deposit request expired; nothing was deposited. Run `/credits deposit` "
              "again.",
        "de": "Diese Einzahlungsanfrage ist abgelaufen; es wurde nichts eingezahlt. Führen Sie "
              "`/credits deposit` erneut aus."},
    "op_cancelled": {
        "en": "This deposit request was cancelled; nothing was deposited.",
        "de": "Diese Einzahlungsanfrage wurde abgebrochen; es wurde nichts eingezahlt."},
    "op_done": {
        "en": "This deposit was confirmed already; it is not made twice.",
        "de": "Diese Einzahlung wurde bereits bestätigt; sie wird nicht doppelt ausgeführt."},
    "op_failed": {
        "en": "This deposit request failed already; nothing was deposited. Run "
              "`/credits deposit` again.",
        "de": "Diese Einzahlungsanfrage ist bereits fehlgeschlagen; es wurde nichts "
              "eingezahlt. Führen Sie `/credits deposit` erneut aus."},
    "op_processing": {
        "en": "This deposit is being paid right now: the answer follows.",
        "de": "Diese Einzahlung wird gerade bezahlt: die Antwort folgt."},
    "op_created": {
        "en": "This deposit is being paid right now: the answer follows.",
        "de": "Diese Einzahlung wird gerade bezahlt: die Antwort folgt."},
    "op_unknown": {
        "en": "This deposit request is unknown; nothing was deposited.",
        "de": "Diese Einzahlungsanfrage ist unbekannt; es wurde nichts eingezahlt."},
    # -- autorecharge -------------------------------------------------------------------------
    "autorecharge_is_on": {
        "en": "Auto-recharge is *on*: add *{amount}* when the balance is below *{below}*.",
        "de": "Die automatische Aufladung ist *an*: *{amount}* aufladen, wenn das Guthaben "
              "unter *{below}* fällt."},
    "autorecharge_is_off": {"en": "Auto-recharge is *off*.",
                            "de": "Die automatische Aufladung ist *aus*."},
    "autorecharge_turned_on": {
        "en": ":white_check_mark: Auto-recharge is now *on*: add *{amount}* when the balance "
              "is below *{below}*, paid by {method}.",
        "de": ":white_check_mark: Die automatische Aufladung ist jetzt *an*: *{amount}* "
              "aufladen, wenn das Guthaben unter *{below}* fällt, bezahlt über {method}."},
    "autorecharge_turned_off": {
        "en": "Auto-recharge is now *off*. The balance is not topped up any more: keep an eye "
              "on the alerts.",
        "de": "Die automatische Aufladung ist jetzt *aus*. Das Guthaben wird nicht mehr "
              "aufgefüllt: achten Sie auf die Warnungen."},
    "autorecharge_bought_now": {
        "en": "The balance was below the trigger already, so the first recharge was bought "
              "now: the balance is {balance}.",
        "de": "Das Guthaben lag schon unter dem Auslöser, also wurde die erste Aufladung sofort "
              "gekauft: das Guthaben beträgt {balance}."},
    "autorecharge_failed_now": {
        "en": "The balance is below the trigger already, but the first recharge failed: "
              "{reason}. It is retried, and the alert channel is told.",
        "de": "Das Guthaben liegt schon unter dem Auslöser, aber die erste Aufladung schlug "
              "fehl: {reason}. Sie wird wiederholt, und der Warnkanal wird informiert."},
    "autorecharge_below_now": {
        "en": "The balance ({balance}) is below the trigger already: the first recharge runs "
              "at the next check.",
        "de": "Das Guthaben ({balance}) liegt schon unter dem Auslöser: die erste Aufladung "
              "läuft bei der nächsten Prüfung."},
    "autorecharge_hint": {
        "en": "Admins: `/credits autorecharge on <amount> below <trigger>` or "
              "`/credits autorecharge off`.",
        "de": "Admins: `/credits autorecharge on <Betrag> below <Auslöser>` oder "
              "`/credits autorecharge off`."},
    # -- license ------------------------------------------------------------------------------
    "license_assigned": {"en": ":white_check_mark: <@{user}> is licensed ({email}).",
                         "de": ":white_check_mark: <@{user}> ist lizenziert ({email})."},
    "license_assigned_no_email": {
        "en": ":white_check_mark: <@{user}> is licensed. Slack gave no e-mail, so their calls "
              "cannot be matched by UPN.",
        "de": ":white_check_mark: <@{user}> ist lizenziert. Slack lieferte keine E-Mail, daher "
              "können Anrufe nicht über den UPN zugeordnet werden."},
    "license_already": {"en": ":information_source: <@{user}> has a license already.",
                        "de": ":information_source: <@{user}> hat bereits eine Lizenz."},
    "license_unknown_user": {
        "en": ":warning: <@{user}> is not a user of this workspace: nothing assigned.",
        "de": ":warning: <@{user}> ist kein Benutzer dieses Workspaces: nichts zugewiesen."},
    "license_bot": {
        "en": ":no_entry: <@{user}> is a bot: only people can hold a calling license.",
        "de": ":no_entry: <@{user}> ist ein Bot: nur Personen können eine Lizenz haben."},
    "license_removed": {"en": ":white_check_mark: <@{user}>'s license is removed.",
                        "de": ":white_check_mark: Die Lizenz von <@{user}> ist entfernt."},
    "license_none_to_remove": {
        "en": ":information_source: <@{user}> has no license to remove.",
        "de": ":information_source: <@{user}> hat keine Lizenz, die entfernt werden könnte."},
    "license_count": {"en": "*{count}* licensed users.", "de": "*{count}* lizenzierte Benutzer."},
    "license_count_one": {"en": "*1* licensed user.", "de": "*1* lizenzierter Benutzer."},
    "license_list_empty": {
        "en": "No one has a Communications Credits license yet. Admins: "
              "`/credits license assign @user`.",
        "de": "Noch niemand hat eine Communications-Credits-Lizenz. Admins: "
              "`/credits license assign @Benutzer`."},
    "license_since": {"en": "since {date}", "de": "seit {date}"},
    "license_more": {"en": "…and {count} more.", "de": "…und {count} weitere."},
    # -- alerts -------------------------------------------------------------------------------
    "alerts_thresholds": {"en": "Low-balance alerts at: {levels}.",
                          "de": "Warnungen bei niedrigem Guthaben bei: {levels}."},
    "alerts_no_thresholds": {
        "en": "No low-balance thresholds yet. Admins: `/credits alerts add <amount>`.",
        "de": "Noch keine Warnschwellen. Admins: `/credits alerts add <Betrag>`."},
    "alerts_armed": {"en": "armed", "de": "aktiv"},
    "alerts_disarmed": {"en": "waits for the balance to rise above it",
                        "de": "wartet, bis das Guthaben darüber steigt"},
    "alerts_channel": {"en": "Alerts go to <#{channel}>.",
                       "de": "Warnungen gehen an <#{channel}>."},
    "alerts_no_channel": {
        "en": "No alert channel is set: alerts go as DMs to the admins in CREDITS_ADMINS (to "
              "no one when that list is empty). Admins: `/credits alerts channel #channel`.",
        "de": "Kein Warnkanal gesetzt: Warnungen gehen als DM an die Admins in CREDITS_ADMINS "
              "(an niemanden, wenn die Liste leer ist). Admins: "
              "`/credits alerts channel #Kanal`."},
    "alerts_added_armed": {
        "en": ":white_check_mark: Added a low-balance alert at *{amount}*: it fires when the "
              "balance ({balance}) falls below it.",
        "de": ":white_check_mark: Warnung bei *{amount}* hinzugefügt: sie wird ausgelöst, wenn "
              "das Guthaben ({balance}) darunter fällt."},
    "alerts_added_disarmed": {
        "en": ":white_check_mark: Added a low-balance alert at *{amount}*. The balance "
              "({balance}) is not above it now, so it fires after the balance has risen above "
              "it and falls again.",
        "de": ":white_check_mark: Warnung bei *{amount}* hinzugefügt. Das Guthaben ({balance}) "
              "liegt nicht darüber, daher wird sie erst ausgelöst, wenn es darüber gestiegen "
              "und wieder gefallen ist."},
    "alerts_removed": {"en": ":white_check_mark: Removed the low-balance alert at *{amount}*.",
                       "de": ":white_check_mark: Warnung bei *{amount}* entfernt."},
    "alerts_duplicate": {
        "en": "There is an alert at {amount} already: each level is alerted once per crossing.",
        "de": "Bei {amount} gibt es bereits eine Warnung: jede Schwelle warnt einmal pro "
              "Unterschreitung."},
    "alerts_unknown": {
        "en": "There is no alert at {amount}. The alerts are at: {levels}.",
        "de": "Bei {amount} gibt es keine Warnung. Die Warnungen liegen bei: {levels}."},
    "alerts_channel_set": {
        "en": ":white_check_mark: Alerts now go to <#{channel}>. Invite me there "
              "(`/invite @Credits Bot`) if I am not a member yet.",
        "de": ":white_check_mark: Warnungen gehen jetzt an <#{channel}>. Laden Sie mich dort "
              "ein (`/invite @Credits Bot`), falls ich noch kein Mitglied bin."},
    # -- recommend ----------------------------------------------------------------------------
    "recommend_title": {"en": "Recommended deposit and trigger",
                        "de": "Empfohlene Einzahlung und Auslöser"},
    "recommend_table": {
        "en": "*Microsoft's table:* for *{users}* licensed users ({row}) an initial deposit of "
              "*{deposit}*{note} and a trigger (lowest balance) of *{trigger}*.",
        "de": "*Microsofts Tabelle:* für *{users}* lizenzierte Benutzer ({row}) eine erste "
              "Einzahlung von *{deposit}*{note} und ein Auslöser (niedrigstes Guthaben) von "
              "*{trigger}*."},
    "recommend_invoice_note": {"en": " (for invoice-billed customers)",
                               "de": " (für Kunden mit Rechnungszahlung)"},
    "recommend_no_row": {
        "en": "*Microsoft's table* ends at {limit} licensed users; for *{users}* it has no row. "
              "Size the deposit and trigger from your own spend.",
        "de": "*Microsofts Tabelle* endet bei {limit} lizenzierten Benutzern; für *{users}* hat "
              "sie keine Zeile. Bemessen Sie Einzahlung und Auslöser nach Ihren Ausgaben."},
    "recommend_spend": {
        "en": "*From your spend* over the last {days} days: a trigger of *{trigger}* covers "
              "{cover} days at the {pct}th-percentile daily spend ({high}); a recharge of "
              "*{amount}* buys about {supply} days at the average daily spend ({average}).",
        "de": "*Nach Ihren Ausgaben* der letzten {days} Tage: ein Auslöser von *{trigger}* deckt "
              "{cover} Tage beim {pct}. Perzentil der Tagesausgaben ({high}); eine Aufladung von "
              "*{amount}* reicht etwa {supply} Tage bei durchschnittlichen Tagesausgaben "
              "({average})."},
    "recommend_no_spend": {
        "en": "There was no spend in the last {days} days to base a recommendation on: start "
              "from the table and adjust once calls come in.",
        "de": "In den letzten {days} Tagen gab es keine Ausgaben für eine Empfehlung: beginnen "
              "Sie mit der Tabelle und passen Sie an, sobald Anrufe anfallen."},
    "recommend_apply": {"en": "To apply it: `{command}`", "de": "Zum Übernehmen: `{command}`"},
    # -- history ------------------------------------------------------------------------------
    "history_title": {"en": "Last {count} ledger entries", "de": "Letzte {count} Buchungen"},
    "history_title_one": {"en": "The last ledger entry", "de": "Die letzte Buchung"},
    "history_empty": {"en": "The ledger has no entries yet.",
                      "de": "Das Konto hat noch keine Buchungen."},
    "history_balance": {"en": "balance {balance}", "de": "Saldo {balance}"},
    "kind_deposit": {"en": "deposit", "de": "Einzahlung"},
    "kind_recharge": {"en": "recharge", "de": "Aufladung"},
    "kind_charge": {"en": "charge", "de": "Belastung"},
    "kind_expiry": {"en": "expiry", "de": "Verfall"},
    "kind_adjustment": {"en": "adjustment", "de": "Korrektur"},
    # -- payment ------------------------------------------------------------------------------
    "payment_card": {
        "en": "Payment method: *{brand}* ending *{last4}*, expires *{expiry}*.",
        "de": "Zahlungsmethode: *{brand}* mit Endziffern *{last4}*, gültig bis *{expiry}*."},
    "payment_invoice": {
        "en": "Payment method: *invoice*, purchase order *{po}*.",
        "de": "Zahlungsmethode: *Rechnung*, Bestellnummer *{po}*."},
    "payment_none": {"en": "There is no payment method on file.",
                     "de": "Es ist keine Zahlungsmethode hinterlegt."},
    "payment_expired": {
        "en": ":red_circle: The card expired at the end of {expiry}: deposits and recharges "
              "fail until it is updated.",
        "de": ":red_circle: Die Karte ist Ende {expiry} abgelaufen: Einzahlungen und "
              "Aufladungen schlagen fehl, bis sie erneuert ist."},
    "payment_expiring": {
        "en": ":warning: The card expires in {days} days (end of {expiry}): update it before "
              "recharges fail.",
        "de": ":warning: Die Karte läuft in {days} Tagen ab (Ende {expiry}): erneuern Sie sie, "
              "bevor Aufladungen fehlschlagen."},
    "payment_valid": {"en": "It does not expire within the next {days} days.",
                      "de": "Sie läuft in den nächsten {days} Tagen nicht ab."},
    "payment_update": {
        "en": "An operator changes it with `credits-bot account set-payment-method`.",
        "de": "Ein Operator ändert sie mit `credits-bot account set-payment-method`."},
}


def language(locale: str | None) -> str:
    return "de" if (locale or "").lower().startswith("de") else "en"


Catalogue = dict[str, dict[str, str]]


def translate(catalogue: Catalogue, key: str, locale: str | None, **values: Any) -> str:
    """The sentence `key` of a catalogue in the user's language (English when it has no
    translation), filled in."""
    entry = catalogue[key]
    return entry.get(language(locale), entry["en"]).format(**values)


def t(key: str, locale: str | None, **values: Any) -> str:
    """A sentence of the commands' catalogue."""
    return translate(MESSAGES, key, locale, **values)
