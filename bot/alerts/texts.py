"""What each alert says: the headline, the balance, the next step, and the buttons that help.

Built by the monitor from the rules' findings, in the account's language (its dates and amounts
too); the outbox delivers them as written.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal

from babel.numbers import format_decimal

from bot.accounts import AccountView, describe_in
from bot.alerts.rules import (
    AUTORECHARGE_ON,
    CARD_EXPIRED,
    CHANGE_PAYMENT,
    FUNDS_EXPIRED,
    FUNDS_EXPIRING,
    LIFTED,
    LOW,
    RECHARGE_CAPPED,
    RECHARGE_FAILED,
    RECHARGE_NOW,
    RECHARGE_OK,
    RUNOUT,
    SHOW_USAGE,
    SPIKE,
    ZERO,
    Alert,
    LotState,
    Spike,
)
from bot.i18n import N_, format_day, format_moment, language, normalize_locale, t, tn
from bot.money import Money

# Fragments of the next steps, translated with the sentence they are put in.
DEPOSIT_HINT = N_("add credits with `/credits deposit <amount>`")
AUTORECHARGE_HINT = N_("turn on auto-recharge (`/credits autorecharge on <amount> below "
                       "<trigger>`) so this does not happen again")
CARD_HINT = N_("update the payment method with `/credits payment set` (admins)")


# The gateway's refusals by code, for the languages other than the gateway's English.
REASONS = {
    "card_declined": N_("your card was declined"),
    "insufficient_funds": N_("your card has insufficient funds"),
    "expired_card": N_("the card has expired"),
    "no_payment_method": N_("there is no payment method on file"),
}

_EMOJI = {"info": ":information_source:", "warning": ":warning:", "critical": ":rotating_light:"}


def alert_text(alert: Alert) -> str:
    """The plain text of an alert (the notification, and the message without blocks), in the
    account's language."""
    lines = [f"{_EMOJI.get(alert.severity, '')} {alert.headline}".strip(),
             t("Balance: {balance}.", alert.locale, balance=alert.money(alert.balance))]
    if alert.detail:
        lines.append(alert.detail)
    lines.append(t("Next: {step}", alert.locale, step=alert.next_step))
    return "\n".join(lines)


# -- the alerts ------------------------------------------------------------------------------
#
# Written in the account's language (`AccountView.language`, set with `/credits alerts
# language`) when the alert is written to the outbox: an alert is the account's, read by
# whoever is in the alert channel, and the outbox row is the message as it will be posted.

def _alert(account: AccountView, *, kind: str, key: str, headline: str, next_step: str,
           detail: str | None = None, buttons: tuple[str, ...] = (),
           severity: str = "warning") -> Alert:
    return Alert(kind=kind, key=key, account_id=account.id, team_id=account.team_id,
                 balance=account.balance, headline=headline,
                 next_step=next_step, detail=detail, buttons=buttons, severity=severity,
                 locale=account.language)


def _money(account: AccountView, amount: Money) -> str:
    return amount.format(account.language)


def _hint(account: AccountView, hint: str) -> str:
    return t(hint, account.language)


def _utc(moment: datetime, account: AccountView) -> str:
    return format_moment(moment.astimezone(UTC), account.language)


def _day(day: date | datetime, account: AccountView) -> str:
    return format_day(day, account.language)


def _topup_step(account: AccountView) -> tuple[str, tuple[str, ...]]:
    """What to do about a low balance, and the buttons that do it."""
    loc = account.language
    if account.autorecharge_enabled and account.autorecharge_amount and \
            account.autorecharge_below:
        step = t("auto-recharge adds {amount} while the balance is below {below}; to add more "
                 "now, {deposit_hint} or press Recharge now.", loc,
                 amount=_money(account, account.autorecharge_amount),
                 below=_money(account, account.autorecharge_below),
                 deposit_hint=_hint(account, DEPOSIT_HINT))
        return step, (RECHARGE_NOW, SHOW_USAGE)
    step = t("{deposit_hint} or press Recharge now, and {autorecharge_hint}.", loc,
             deposit_hint=_hint(account, DEPOSIT_HINT),
             autorecharge_hint=_hint(account, AUTORECHARGE_HINT))
    return step, (RECHARGE_NOW, AUTORECHARGE_ON, SHOW_USAGE)


def low_balance_alert(account: AccountView, crossed: Sequence[Money], *,
                      episode: int) -> Alert:
    """The balance fell below one or more low-balance thresholds (named by the lowest)."""
    loc = account.language
    lowest = min(crossed)
    also = sorted(a for a in crossed if a != lowest)
    if also:
        headline = t("Communications Credits are low: the balance fell below {amount} (and "
                     "{others}).", loc, amount=_money(account, lowest),
                     others=", ".join(_money(account, a) for a in also))
    else:
        headline = t("Communications Credits are low: the balance fell below {amount}.", loc,
                     amount=_money(account, lowest))
    step, buttons = _topup_step(account)
    return _alert(account, kind=LOW, key=f"low:{account.id}:{_micros_key(lowest)}:{episode}",
                  headline=headline, next_step=step, buttons=buttons)


def zero_balance_alert(account: AccountView, *, episode: int) -> Alert:
    """The balance reached zero or below: toll-free numbers and dial-out stop."""
    loc = account.language
    headline = t("Communications Credits ran out: the balance is {balance}, so toll-free "
                 "numbers, auto attendants and call queues behind them, and meeting dial-out "
                 "are suspended.", loc, balance=_money(account, account.balance))
    detail = (t("Calls are still charged after they happen, so the balance can go below zero.",
                loc) if account.balance.is_negative else None)
    step, buttons = _topup_step(account)
    return _alert(account, kind=ZERO, key=f"zero:{account.id}:{episode}", headline=headline,
                  next_step=t("service resumes as soon as the balance is above zero: {step}",
                              loc, step=step),
                  detail=detail, buttons=buttons, severity="critical")


def lifted_alert(account: AccountView, *, episode: int) -> Alert:
    """A deposit or recharge brought the balance above zero again."""
    loc = account.language
    if account.autorecharge_enabled:
        step = t("nothing; to keep it from running out again, watch the low-balance alerts.",
                 loc)
    else:
        step = t("nothing; to keep it from running out again, {autorecharge_hint}.", loc,
                 autorecharge_hint=_hint(account, AUTORECHARGE_HINT))
    return _alert(account, kind=LIFTED, key=f"lifted:{account.id}:{episode}",
                  headline=t("Communications Credits are back above zero: toll-free numbers "
                             "and dial-out work again.", loc),
                  next_step=step,
                  buttons=() if account.autorecharge_enabled else (AUTORECHARGE_ON,),
                  severity="info")


def recharge_succeeded_alert(account: AccountView, *, attempt_id: str, amount: Money,
                             method: str | None) -> Alert:
    """An auto-recharge bought credits."""
    loc = account.language
    if method:
        headline = t("Auto-recharge added {amount} ({method}).", loc,
                     amount=_money(account, amount), method=describe_in(method, loc))
    else:
        headline = t("Auto-recharge added {amount}.", loc, amount=_money(account, amount))
    return _alert(account, kind=RECHARGE_OK, key=f"recharge-ok:{attempt_id}",
                  headline=headline,
                  next_step=t("nothing; the receipt is in `/credits history`.", loc),
                  buttons=(SHOW_USAGE,), severity="info")


def recharge_failed_alert(account: AccountView, *, attempt_id: str, tries: int,
                          amount: Money, reason: str, next_try: datetime | None,
                          card_problem: bool, episode_id: str | None = None,
                          started: datetime | None = None, now: datetime | None = None,
                          code: str | None = None) -> Alert:
    """An auto-recharge failed, with the gateway's reason: one alert per episode (the tries of
    one crossing of the trigger), then one reminder a day while it keeps failing. The reason
    is the gateway's English, or in another language the translation of its `code`."""
    loc = account.language
    said = (t(REASONS[code], loc) if code in REASONS and language(loc) != "en"
            else mid_sentence(reason))
    day = (now - started).days if started is not None and now is not None else 0
    if day == 0 or started is None:
        headline = t("Auto-recharge of {amount} failed: {reason}.", loc,
                     amount=_money(account, amount), reason=said)
    else:
        headline = tn("Reminder: auto-recharge of {amount} still fails since {since} UTC "
                      "({count} try): {reason}.",
                      "Reminder: auto-recharge of {amount} still fails since {since} UTC "
                      "({count} tries): {reason}.", tries, loc,
                      amount=_money(account, amount), since=_utc(started, account),
                      reason=said)
    detail = (t("It is tried again after {when} UTC; a reminder follows daily while it fails.",
                loc, when=_utc(next_try, account)) if next_try
              else t("It is not retried automatically.", loc))
    if card_problem:
        step = t("{card_hint}; the recharge is retried at once when the payment method "
                 "changes.", loc, card_hint=_hint(account, CARD_HINT))
    else:
        step = t("check the payment method, or {deposit_hint}.", loc,
                 deposit_hint=_hint(account, DEPOSIT_HINT))
    return _alert(account, kind=RECHARGE_FAILED,
                  key=f"recharge-failed:{episode_id or attempt_id}:day{day}",
                  headline=headline, detail=detail, next_step=step,
                  # With the card refused, buying again cannot help: the form can.
                  buttons=(CHANGE_PAYMENT, SHOW_USAGE) if card_problem
                  else (RECHARGE_NOW, SHOW_USAGE), severity="critical")


def mid_sentence(reason: str) -> str:
    """A reason as the middle of a sentence: "Your card was declined." -> "your card was
    declined" (an acronym such as "CSP" keeps its capitals)."""
    text = reason.strip().rstrip(".")
    if len(text) > 1 and text[0].isupper() and not text[1].isupper():
        text = text[0].lower() + text[1:]
    return text


def recharge_capped_alert(account: AccountView, *, key: str, limit: int,
                          until: datetime) -> Alert:
    """The runaway guard stopped auto-recharge: too many recharges in 24 hours."""
    loc = account.language
    headline = tn("Auto-recharge paused: it bought credits {count} time in 24 hours, the most "
                  "it may. None more before {until} UTC.",
                  "Auto-recharge paused: it bought credits {count} times in 24 hours, the most "
                  "it may. None more before {until} UTC.", limit, loc,
                  until=_utc(until, account))
    return _alert(account, kind=RECHARGE_CAPPED, key=key, headline=headline,
                  detail=t("Spend this fast can be toll fraud, or a trigger set too high.", loc),
                  next_step=t("check the calls with `/credits usage last-7-days by "
                              "destination`; if the spend is real, {deposit_hint} or raise the "
                              "recharge amount.", loc,
                              deposit_hint=_hint(account, DEPOSIT_HINT)),
                  buttons=(SHOW_USAGE, RECHARGE_NOW), severity="critical")


def card_alert(account: AccountView, state: tuple[str, int]) -> Alert | None:
    """The card on file expires soon (or has expired), once per card and expiry month."""
    method = account.payment
    if method is None:
        return None
    loc = account.language
    kind, days = state
    card = method.card_name(loc)
    key = (f"{'card-expired' if kind == CARD_EXPIRED else 'card-expiring'}:{account.id}:"
           f"{method.brand}:{method.last4}:{method.exp_year}-{method.exp_month}")
    if kind == CARD_EXPIRED:
        headline = t("Card expired {expiry}: the {card} cannot pay for credits, so deposits and "
                     "auto-recharge will fail.", loc, expiry=method.expiry_text, card=card)
        severity = "critical"
    elif days == 0:
        headline = t("The {card} expires {expiry} (its last day is today): deposits and "
                     "auto-recharge will fail after that.", loc, card=card,
                     expiry=method.expiry_text)
        severity = "warning"
    else:
        headline = tn("The {card} expires {expiry} (its last day is in {count} day): deposits "
                      "and auto-recharge will fail after that.",
                      "The {card} expires {expiry} (its last day is in {count} days): deposits "
                      "and auto-recharge will fail after that.", days, loc, card=card,
                      expiry=method.expiry_text)
        severity = "warning"
    return _alert(account, kind=kind, key=key, headline=headline,
                  next_step=t("{card_hint}.", loc, card_hint=_hint(account, CARD_HINT)),
                  buttons=(CHANGE_PAYMENT,), severity=severity)


def funds_expiring_alert(account: AccountView, lots: Sequence[LotState]) -> Alert:
    """Credits bought about a year ago expire soon (charges use the oldest credits first)."""
    loc = account.language
    total = Money.total((lot.remaining for lot in lots), account.currency)
    first = min(lots, key=lambda lot: lot.expires_at)
    parts = [t("{amount} bought {bought} expire {expires}", loc,
               amount=_money(account, lot.remaining), bought=_day(lot.purchased_at, account),
               expires=_day(lot.expires_at, account))
             for lot in sorted(lots, key=lambda lot: lot.expires_at)]
    ids = sorted(lot.id for lot in lots)
    key = f"funds-expiring:{account.id}:{ids[0]}:{len(ids)}"
    return _alert(account, kind=FUNDS_EXPIRING, key=key,
                  headline=t("{amount} of credits expire by {day}: credits expire 12 months "
                             "after purchase, and what is left then is lost.", loc,
                             amount=_money(account, total), day=_day(first.expires_at, account)),
                  detail="; ".join(parts) + ".",
                  next_step=t("nothing to buy: calls use the oldest credits first. Lower the "
                              "next deposit or recharge if credits keep expiring unused.", loc),
                  buttons=(SHOW_USAGE,))


def funds_expired_alert(account: AccountView, *, amount: Money, entry_id: int) -> Alert:
    """Credits bought 12 months ago expired unused: the balance fell by what they held."""
    loc = account.language
    return _alert(account, kind=FUNDS_EXPIRED, key=f"funds-expired:{entry_id}",
                  headline=t("{amount} of credits expired unused today: credits expire 12 "
                             "months after purchase.", loc, amount=_money(account, amount)),
                  next_step=t("nothing to undo; if credits keep expiring, lower the next "
                              "deposit or recharge amount. `/credits credits` lists what is "
                              "left and when it expires.", loc),
                  buttons=(SHOW_USAGE,))


def runout_alert(account: AccountView, *, days_left: Decimal, run_out: date | None,
                 average: Money, today: date) -> Alert:
    """At the recent daily spend, the balance runs out within days."""
    loc = account.language
    step, buttons = _topup_step(account)
    values = {"average": _money(account, average),
              "days": format_decimal(days_left, locale=normalize_locale(loc))}
    if run_out:
        headline = t("At the recent average spend of {average} a day, credits run out around "
                     "{day} (in about {days} days).", loc, day=_day(run_out, account), **values)
    else:
        headline = t("At the recent average spend of {average} a day, credits run out soon (in "
                     "about {days} days).", loc, **values)
    return _alert(account, kind=RUNOUT, key=f"runout:{account.id}:{today.isoformat()}",
                  headline=headline, next_step=step, buttons=buttons)


def spike_alert(account: AccountView, spike: Spike) -> Alert:
    """A day's spend far above the usual: possibly toll fraud."""
    loc = account.language
    values = {"day": _day(spike.day, account), "spend": _money(account, spike.spend),
              "median": _money(account, spike.median)}
    if spike.ratio is not None:
        headline = t("Unusual spend on {day}: {spend}, {ratio}x the 14-day median of {median} a "
                     "day. This can be toll fraud.", loc,
                     ratio=format_decimal(spike.ratio, locale=normalize_locale(loc)), **values)
    else:
        headline = t("Unusual spend on {day}: {spend}, far above the 14-day median of {median} "
                     "a day. This can be toll fraud.", loc, **values)
    return _alert(account, kind=SPIKE, key=f"spike:{account.id}:{spike.day.isoformat()}",
                  headline=headline,
                  next_step=t("check the calls with `/credits usage last-7-days by "
                              "destination` and `by user`; block unexpected destinations and "
                              "reset the credentials of users with calls they did not make.",
                              loc),
                  buttons=(SHOW_USAGE,), severity="critical")


def _micros_key(amount: Money) -> str:
    # Keys stay stable whatever the Decimal's exponent: 200, 200.00 and 200.000000 are one.
    return str(amount.micros)
