"""The few sentences the bot says, in English and German (answers follow the user's locale)."""

from __future__ import annotations

from typing import Any

from bot.errors import CreditsError

MESSAGES: dict[str, dict[str, str]] = {
    "balance_is": {"en": "Your Communications Credits balance is *{balance}*.",
                   "de": "Ihr Guthaben an Communications Credits beträgt *{balance}*."},
    "balance_suspended": {
        "en": ":red_circle: The balance is *{balance}*: toll-free numbers and dial-out are "
              "*suspended* until credits are added.",
        "de": ":red_circle: Das Guthaben beträgt *{balance}*: gebührenfreie Nummern und "
              "Einwahl sind *gesperrt*, bis Guthaben aufgeladen wird."},
    "balance_postpaid": {
        "en": ":receipt: Billed post-paid (Microsoft Customer Agreement): calls are invoiced "
              "after they are made, so no credits are needed and nothing stops at zero. "
              "Spend this month ({month}): *{spend}*.",
        "de": ":receipt: Nachträgliche Abrechnung (Microsoft-Kundenvertrag): Anrufe werden "
              "nach dem Gespräch in Rechnung gestellt; es braucht kein Guthaben, und bei null "
              "wird nichts gesperrt. Ausgaben diesen Monat ({month}): *{spend}*."},
    "state_postpaid": {"en": "post-paid (never suspended)",
                       "de": "nachträgliche Abrechnung (nie gesperrt)"},
    "autorecharge_postpaid": {"en": "off (not used with post-paid billing)",
                              "de": "aus (bei nachträglicher Abrechnung nicht genutzt)"},
    "label_credits_left": {"en": "Credits left (used before invoicing)",
                           "de": "Restguthaben (wird vor der Rechnung verbraucht)"},
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
    "amount_wrong_currency": {
        "en": "This account is in {currency}: `{typed}` is another currency. Write the amount "
              "in {currency}, for example `100`.",
        "de": "Dieses Konto wird in {currency} geführt: `{typed}` ist eine andere Währung. "
              "Geben Sie den Betrag in {currency} an, zum Beispiel `100`."},
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
    "autorecharge_paused": {
        "en": ":double_vertical_bar: It is *paused until {until} UTC*: it bought credits {cap} "
              "times in 24 hours, the most it may (CREDITS_RECHARGE_CAP_PER_DAY). Spend this "
              "fast can be toll fraud: check `/credits usage last-7-days by destination`.",
        "de": ":double_vertical_bar: Sie ist *bis {until} UTC pausiert*: sie hat in 24 "
              "Stunden {cap}-mal Guthaben gekauft, so oft sie darf "
              "(CREDITS_RECHARGE_CAP_PER_DAY). So schnelle Ausgaben können Gebührenbetrug "
              "sein: prüfen Sie `/credits usage last-7-days by destination`."},
    "autorecharge_warn_trigger": {
        "en": ":warning: The trigger *{below}* is at or above the balance (*{balance}*): "
              "*{amount}* is bought at once.",
        "de": ":warning: Der Auslöser *{below}* liegt auf oder über dem Guthaben "
              "(*{balance}*): *{amount}* wird sofort gekauft."},
    "autorecharge_warn_short": {
        "en": ":warning: *{amount}* does not lift the balance above the trigger (it is "
              "*{shortfall}* short): a recharge is bought again after every charge, up to "
              "{cap} times in 24 hours.",
        "de": ":warning: *{amount}* hebt das Guthaben nicht über den Auslöser (es fehlen "
              "*{shortfall}*): nach jeder Abbuchung wird erneut aufgeladen, bis zu {cap}-mal "
              "in 24 Stunden."},
    "autorecharge_confirm_ask": {
        "en": "Turn auto-recharge on anyway (add *{amount}* when below *{below}*)?",
        "de": "Automatische Aufladung trotzdem einschalten (*{amount}* aufladen, wenn unter "
              "*{below}*)?"},
    "autorecharge_confirm_cancelled": {
        "en": "Cancelled by <@{user}>: auto-recharge was not changed.",
        "de": "Von <@{user}> abgebrochen: die automatische Aufladung wurde nicht geändert."},
    "autorecharge_confirm_closed": {
        "en": "This request was answered already or has expired; run `/credits autorecharge "
              "on …` again.",
        "de": "Diese Anfrage wurde schon beantwortet oder ist abgelaufen; führen Sie "
              "`/credits autorecharge on …` erneut aus."},
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
        "en": "No alert channel is set: alerts go as DMs to the admins (CREDITS_ADMINS and the "
              "workspace's owners and admins). Admins: `/credits alerts channel #channel`.",
        "de": "Kein Warnkanal gesetzt: Warnungen gehen als DM an die Admins (CREDITS_ADMINS "
              "und die Inhaber und Admins des Workspace). Admins: "
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
        "en": ":white_check_mark: Alerts now go to <#{channel}>: I am a member there and can "
              "post.",
        "de": ":white_check_mark: Warnungen gehen jetzt an <#{channel}>: ich bin dort Mitglied "
              "und kann posten."},
    "alerts_channel_not_member": {
        "en": "I am not a member of <#{channel}>, so alerts could not be posted there. Invite "
              "me with `/invite @Credits Bot` in <#{channel}>, then run `/credits alerts "
              "channel <#{channel}>` again. Nothing was changed.",
        "de": "Ich bin kein Mitglied von <#{channel}>, daher könnten Warnungen dort nicht "
              "gepostet werden. Laden Sie mich in <#{channel}> mit `/invite @Credits Bot` ein "
              "und führen Sie `/credits alerts channel <#{channel}>` erneut aus. Es wurde "
              "nichts geändert."},
    "alerts_channel_unseen": {
        "en": "I cannot see that channel: it does not exist, or it is private and I am not in "
              "it. Invite me there with `/invite @Credits Bot`, then run the command again. "
              "Nothing was changed.",
        "de": "Ich sehe diesen Kanal nicht: er existiert nicht, oder er ist privat und ich bin "
              "nicht darin. Laden Sie mich mit `/invite @Credits Bot` ein und führen Sie den "
              "Befehl erneut aus. Es wurde nichts geändert."},
    "alerts_channel_archived": {
        "en": "<#{channel}> is archived, so alerts could not be posted there. Choose another "
              "channel. Nothing was changed.",
        "de": "<#{channel}> ist archiviert, daher könnten Warnungen dort nicht gepostet "
              "werden. Wählen Sie einen anderen Kanal. Es wurde nichts geändert."},
    "alerts_channel_unchecked": {
        "en": "Slack did not let me check <#{channel}> just now ({error}). Try again in a "
              "minute. Nothing was changed.",
        "de": "Slack hat die Prüfung von <#{channel}> gerade nicht erlaubt ({error}). "
              "Versuchen Sie es in einer Minute erneut. Es wurde nichts geändert."},
    "alerts_all_delivered": {"en": "Every alert has been delivered.",
                             "de": "Alle Warnungen wurden zugestellt."},
    "alerts_undelivered": {
        "en": "*{count}* alert(s) not delivered yet:",
        "de": "*{count}* Warnung(en) noch nicht zugestellt:"},
    "alerts_undelivered_more": {"en": "… and {count} older.", "de": "… und {count} ältere."},
    "alerts_pending_line": {
        "en": "{time} UTC, {headline} (to {target}; {tries} tries, next after {next} UTC{error})",
        "de": "{time} UTC, {headline} (an {target}; {tries} Versuche, nächster nach {next} "
              "UTC{error})"},
    "alerts_dead_line": {
        "en": "{time} UTC, {headline} (to {target}; given up after {tries} tries{error})",
        "de": "{time} UTC, {headline} (an {target}; aufgegeben nach {tries} Versuchen{error})"},
    "alerts_last_error": {"en": ", last error: {error}", "de": ", letzter Fehler: {error}"},
    "alerts_target_admins": {"en": "the admins", "de": "die Admins"},
    # -- the modal of "Turn on auto-recharge" -----------------------------------------------
    "autorecharge_modal_title": {"en": "Auto-recharge", "de": "Automatische Aufladung"},
    "autorecharge_modal_submit": {"en": "Turn on", "de": "Einschalten"},
    "autorecharge_modal_close": {"en": "Close", "de": "Schließen"},
    "autorecharge_modal_intro": {
        "en": "Add credits automatically when the balance falls below the trigger. The amounts "
              "below are the recommendation: change them if you like; nothing is set before "
              "you press *Turn on*.",
        "de": "Guthaben automatisch aufladen, wenn es unter den Auslöser fällt. Die Beträge "
              "unten sind die Empfehlung: ändern Sie sie nach Wunsch; nichts wird gesetzt, "
              "bevor Sie *Einschalten* drücken."},
    "autorecharge_modal_amount": {"en": "Recharge amount ({currency})",
                                  "de": "Aufladebetrag ({currency})"},
    "autorecharge_modal_amount_hint": {
        "en": "Bought each time the balance falls below the trigger.",
        "de": "Wird jedes Mal gekauft, wenn das Guthaben unter den Auslöser fällt."},
    "autorecharge_modal_below": {"en": "Trigger: when the balance is below ({currency})",
                                 "de": "Auslöser: wenn das Guthaben unter ({currency})"},
    "autorecharge_modal_below_hint": {
        "en": "The lowest balance you want to keep.",
        "de": "Das niedrigste Guthaben, das Sie halten möchten."},
    # -- lots: /credits credits -------------------------------------------------------------
    "lots_none": {"en": "There are no purchased credits left.",
                  "de": "Es ist kein gekauftes Guthaben mehr übrig."},
    "lots_head": {
        "en": "*{total}* of purchased credits left, in {count} lot(s); calls use the oldest "
              "first, and what is left of a lot 12 months after its purchase expires:",
        "de": "*{total}* gekauftes Guthaben übrig, in {count} Posten; Anrufe verbrauchen das "
              "älteste zuerst, und was 12 Monate nach dem Kauf übrig ist, verfällt:"},
    "lots_line": {
        "en": "*{remaining}* left of {purchased} bought {bought}, expires {expires} ({when})",
        "de": "*{remaining}* übrig von {purchased}, gekauft {bought}, verfällt {expires} "
              "({when})"},
    "lots_in_days": {"en": "in {days} days", "de": "in {days} Tagen"},
    "lots_today": {"en": "today", "de": "heute"},
    # -- adjust and balance sync ------------------------------------------------------------
    "adjust_usage": {
        "en": "Write it as `adjust +25.00 refund of a wrong charge` or `adjust -10 correction`: "
              "a signed amount, then the reason.",
        "de": "Schreiben Sie `adjust +25.00 Erstattung` oder `adjust -10 Korrektur`: ein "
              "Betrag mit Vorzeichen, dann der Grund."},
    "adjust_ask": {
        "en": "Book an adjustment of *{amount}* ({reason})? The balance would go from "
              "*{balance}* to *{after}*.",
        "de": "Eine Korrektur von *{amount}* buchen ({reason})? Das Guthaben ginge von "
              "*{balance}* auf *{after}*."},
    "sync_usage": {
        "en": "Write it as `balance sync 1234.56`: the balance Microsoft's Teams admin center "
              "shows.",
        "de": "Schreiben Sie `balance sync 1234.56`: das Guthaben, das das Teams Admin Center "
              "von Microsoft zeigt."},
    "sync_in_line": {
        "en": "The balance is *{balance}* already, as Microsoft shows: nothing to book.",
        "de": "Das Guthaben beträgt bereits *{balance}*, wie Microsoft es zeigt: nichts zu "
              "buchen."},
    "sync_ask": {
        "en": "Microsoft shows *{target}*, the bot *{balance}*. Book the difference, *{amount}*, "
              "as an adjustment?",
        "de": "Microsoft zeigt *{target}*, der Bot *{balance}*. Die Differenz, *{amount}*, als "
              "Korrektur buchen?"},
    "adjust_done": {
        "en": ":white_check_mark: <@{user}> booked an adjustment of *{amount}* ({reason}). The "
              "balance is now *{balance}*.",
        "de": ":white_check_mark: <@{user}> hat eine Korrektur von *{amount}* gebucht "
              "({reason}). Das Guthaben beträgt jetzt *{balance}*."},
    "adjust_cancelled": {
        "en": "Cancelled by <@{user}>: nothing was booked.",
        "de": "Von <@{user}> abgebrochen: es wurde nichts gebucht."},
    "adjust_closed": {
        "en": "This request was answered already or has expired; nothing more was booked.",
        "de": "Diese Anfrage wurde schon beantwortet oder ist abgelaufen; es wurde nichts "
              "weiter gebucht."},
    "sync_reason": {"en": "balance sync: Microsoft shows {target}",
                    "de": "Abgleich: Microsoft zeigt {target}"},
    # -- exports and reports asked for in a channel -----------------------------------------
    "private_export": {
        "en": ":lock: I sent the files to your DM instead of <#{channel}>, which has *{members}* "
              "members: they name people and the numbers they called. An admin can post them "
              "there with *Post in this channel*.",
        "de": ":lock: Ich habe die Dateien an Ihre DM statt an <#{channel}> geschickt, der "
              "*{members}* Mitglieder hat: sie nennen Personen und die gewählten Nummern. Ein "
              "Admin kann sie mit *In diesem Kanal posten* dort posten."},
    "private_report": {
        "en": ":lock: I sent the chart to your DM instead of <#{channel}>, which has *{members}* "
              "members: it shows the account's balance and spend. An admin can post it there "
              "with *Post in this channel*.",
        "de": ":lock: Ich habe das Diagramm an Ihre DM statt an <#{channel}> geschickt, der "
              "*{members}* Mitglieder hat: es zeigt Guthaben und Ausgaben des Kontos. Ein "
              "Admin kann es mit *In diesem Kanal posten* dort posten."},
    "channel_members_unknown": {"en": "several", "de": "mehrere"},
    "post_here_button": {"en": "Post in this channel", "de": "In diesem Kanal posten"},
    "post_here_title": {"en": "Post in the channel?", "de": "Im Kanal posten?"},
    "post_here_ask": {
        "en": "Everyone in <#{channel}> (*{members}* members) will see it.",
        "de": "Alle in <#{channel}> (*{members}* Mitglieder) werden es sehen."},
    "post_here_closed": {
        "en": "This was posted already, or the request expired: run the command again.",
        "de": "Das wurde schon gepostet, oder die Anfrage ist abgelaufen: führen Sie den "
              "Befehl erneut aus."},
    # -- audit ------------------------------------------------------------------------------
    "audit_head": {"en": "The newest *{count}* audit event(s), times in UTC:",
                   "de": "Die neuesten *{count}* Audit-Einträge, Zeiten in UTC:"},
    "audit_empty": {"en": "The audit log is empty.", "de": "Das Audit-Protokoll ist leer."},
    "audit_count": {
        "en": "Give how many events as a whole number from 1 to {most}.",
        "de": "Geben Sie die Anzahl der Einträge als ganze Zahl von 1 bis {most} an."},
    # -- recommend ----------------------------------------------------------------------------
    "recommend_title": {"en": "Recommended deposit and trigger",
                        "de": "Empfohlene Einzahlung und Auslöser"},
    "recommend_table": {
        "en": "*Microsoft's table:* for *{users}* licensed users ({row}) an initial deposit of "
              "*{deposit}*{note} and a trigger (lowest balance) of *{trigger}*.",
        "de": "*Microsofts Tabelle:* für *{users}* lizenzierte Benutzer ({row}) eine erste "
              "Einzahlung von *{deposit}*{note} und ein Auslöser (niedrigstes Guthaben) von "
              "*{trigger}*."},
    "recommend_table_one": {
        "en": "*Microsoft's table:* for *{users}* licensed user ({row}) an initial deposit of "
              "*{deposit}*{note} and a trigger (lowest balance) of *{trigger}*.",
        "de": "*Microsofts Tabelle:* für *{users}* lizenzierten Benutzer ({row}) eine erste "
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
    # -- sync (the Microsoft 365 connection) ---------------------------------------------------
    "sync_not_connected": {
        "en": "The Microsoft 365 connection is off: usage comes from the files you send me. "
              "To connect, register an app in Microsoft Entra (App registrations > New "
              "registration), give it the *application* permissions "
              "`CallRecord-PstnCalls.Read.All`, `LicenseAssignment.ReadWrite.All` and "
              "`User.Read.All`, grant admin consent, and set `MS_TENANT_ID`, `MS_CLIENT_ID` "
              "and `MS_CLIENT_SECRET` (or a certificate) for the bot. The README has the steps.",
        "de": "Die Microsoft-365-Verbindung ist aus: die Nutzung kommt aus den Dateien, die Sie "
              "mir senden. Zum Verbinden registrieren Sie eine App in Microsoft Entra "
              "(App-Registrierungen > Neue Registrierung), geben ihr die "
              "*Anwendungs*berechtigungen `CallRecord-PstnCalls.Read.All`, "
              "`LicenseAssignment.ReadWrite.All` und `User.Read.All`, erteilen die "
              "Administratorzustimmung und setzen `MS_TENANT_ID`, `MS_CLIENT_ID` und "
              "`MS_CLIENT_SECRET` (oder ein Zertifikat) für den Bot. Die Schritte stehen in "
              "der README."},
    "sync_never": {"en": "No sync from Microsoft Graph has run yet. An admin can start one "
                         "with `/credits sync now`.",
                   "de": "Noch keine Synchronisierung mit Microsoft Graph. Ein Admin kann sie "
                         "mit `/credits sync now` starten."},
    "sync_last": {
        "en": "*Last sync from Microsoft Graph:* started {started}, finished {finished} UTC.\n"
              "Windows: {windows}\nRecords: *{new}* new ({charged} charged), {duplicates} "
              "duplicates, {rejected} rejected; {direct} Direct Routing rows.\n"
              "Calls are in up to {mark} UTC (each sync re-reads the last {overlap} hours).",
        "de": "*Letzte Synchronisierung mit Microsoft Graph:* begonnen {started}, beendet "
              "{finished} UTC.\nZeiträume: {windows}\nDatensätze: *{new}* neu ({charged} "
              "belastet), {duplicates} doppelt, {rejected} abgelehnt; {direct} Direct-Routing-"
              "Zeilen.\nAnrufe sind bis {mark} UTC übernommen (jede Synchronisierung liest die "
              "letzten {overlap} Stunden erneut)."},
    "sync_running": {"en": "not yet", "de": "noch nicht"},
    "sync_no_mark": {"en": "nothing yet", "de": "noch nichts"},
    "sync_error": {"en": ":warning: Last error: {error}",
                   "de": ":warning: Letzter Fehler: {error}"},
    "sync_retry": {"en": "Microsoft Graph asked to wait: the next sync runs after {time} UTC.",
                   "de": "Microsoft Graph bat zu warten: die nächste Synchronisierung läuft "
                         "nach {time} UTC."},
    "graph_sync_usage": {"en": "Say `/credits sync` to see the last sync, or `/credits sync now`.",
                   "de": "Sagen Sie `/credits sync` für die letzte Synchronisierung, oder "
                         "`/credits sync now`."},
    # -- licenses in the tenant (the Microsoft 365 connection) ----------------------------------
    "tenant_no_units": {
        "en": "<@{user}>: no Communications Credits licenses left to assign: {used} of {total} "
              "in use. Buy more in the Microsoft 365 admin center.",
        "de": "<@{user}>: keine Communications-Credits-Lizenzen mehr zuzuweisen: {used} von "
              "{total} vergeben. Kaufen Sie weitere im Microsoft 365 Admin Center."},
    "tenant_no_user": {
        "en": "<@{user}>: {upn} is not a user of the Microsoft 365 tenant, so no license was "
              "assigned.",
        "de": "<@{user}>: {upn} ist kein Benutzer des Microsoft-365-Mandanten; es wurde keine "
              "Lizenz zugewiesen."},
    "tenant_no_sku": {
        "en": "<@{user}>: the tenant has no Communications Credits subscription (MCOPSTNC): "
              "buy it in the Microsoft 365 admin center first.",
        "de": "<@{user}>: der Mandant hat kein Communications-Credits-Abonnement (MCOPSTNC): "
              "kaufen Sie es zuerst im Microsoft 365 Admin Center."},
    "tenant_refused": {
        "en": "<@{user}>: Microsoft Graph refused the license change: {error}",
        "de": "<@{user}>: Microsoft Graph hat die Lizenzänderung abgelehnt: {error}"},
    "tenant_no_email": {
        "en": "<@{user}>: Slack shows no e-mail for them, so the tenant cannot be asked.",
        "de": "<@{user}>: Slack zeigt keine E-Mail-Adresse, daher kann der Mandant nicht "
              "gefragt werden."},
    "tenant_list": {
        "en": "*In the Microsoft 365 tenant:* {count} users hold the license.",
        "de": "*Im Microsoft-365-Mandanten:* {count} Benutzer haben die Lizenz."},
    "tenant_only": {
        "en": "Licensed in the tenant but not in the bot's list: {upns}",
        "de": "Im Mandanten lizenziert, aber nicht in der Liste des Bots: {upns}"},
    "bot_only": {
        "en": "In the bot's list but not licensed in the tenant: {upns}",
        "de": "In der Liste des Bots, aber im Mandanten nicht lizenziert: {upns}"},
    "tenant_same": {"en": "The bot's list and the tenant agree.",
                    "de": "Die Liste des Bots und der Mandant stimmen überein."},
    "tenant_unreachable": {
        "en": ":warning: The tenant's licenses could not be read: {error}",
        "de": ":warning: Die Lizenzen des Mandanten konnten nicht gelesen werden: {error}"},
}


def language(locale: str | None) -> str:
    return "de" if (locale or "").lower().startswith("de") else "en"


Catalogue = dict[str, dict[str, str]]


def translate(catalogue: Catalogue, key: str, locale: str | None, **values: Any) -> str:
    """The sentence `key` of a catalogue in the user's language (English when it has no
    translation), filled in."""
    entry = catalogue[key]
    return entry.get(language(locale), entry["en"]).format(**values)


def error_text(error: CreditsError, locale: str | None) -> str:
    """A domain error's sentence in the user's language, where the error carries one."""
    return error.text_in(language(locale))


def t(key: str, locale: str | None, **values: Any) -> str:
    """A sentence of the commands' catalogue."""
    return translate(MESSAGES, key, locale, **values)
