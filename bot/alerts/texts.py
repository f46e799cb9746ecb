"""What each alert says: the headline, the balance, the next step, and the buttons that help.

Built by the monitor from the rules' findings; the outbox delivers them as written.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from bot.accounts import AccountView
from bot.alerts.rules import (
    AUTORECHARGE_ON,
    CARD_EXPIRED,
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
from bot.money import format_money

DEPOSIT_HINT = "add credits with `/credits deposit <amount>`"
AUTORECHARGE_HINT = ("turn on auto-recharge (`/credits autorecharge on <amount> below "
                     "<trigger>`) so this does not happen again")
CARD_HINT = "update the payment method with `/credits payment set` (admins)"


_EMOJI = {"info": ":information_source:", "warning": ":warning:", "critical": ":rotating_light:"}


def alert_text(alert: Alert) -> str:
    """The plain text of an alert (the notification, and the message without blocks)."""
    lines = [f"{_EMOJI.get(alert.severity, '')} {alert.headline}".strip(),
             f"Balance: {alert.money(alert.balance)}."]
    if alert.detail:
        lines.append(alert.detail)
    lines.append(f"Next: {alert.next_step}")
    return "\n".join(lines)


# -- the alerts ------------------------------------------------------------------------------

def _alert(account: AccountView, *, kind: str, key: str, headline: str, next_step: str,
           detail: str | None = None, buttons: tuple[str, ...] = (),
           severity: str = "warning") -> Alert:
    return Alert(kind=kind, key=key, account_id=account.id, team_id=account.team_id,
                 currency=account.currency, balance=account.balance, headline=headline,
                 next_step=next_step, detail=detail, buttons=buttons, severity=severity)


def _money(account: AccountView, amount: Decimal) -> str:
    return format_money(amount, account.currency)


def _topup_step(account: AccountView) -> tuple[str, tuple[str, ...]]:
    """What to do about a low balance, and the buttons that do it."""
    if account.autorecharge_enabled and account.autorecharge_amount and \
            account.autorecharge_below:
        step = (f"auto-recharge adds {_money(account, account.autorecharge_amount)} while the "
                f"balance is below {_money(account, account.autorecharge_below)}; to add more "
                f"now, {DEPOSIT_HINT} or press Recharge now.")
        return step, (RECHARGE_NOW, SHOW_USAGE)
    step = f"{DEPOSIT_HINT} or press Recharge now, and {AUTORECHARGE_HINT}."
    return step, (RECHARGE_NOW, AUTORECHARGE_ON, SHOW_USAGE)


def low_balance_alert(account: AccountView, crossed: Sequence[Decimal], *,
                      episode: int) -> Alert:
    """The balance fell below one or more low-balance thresholds (named by the lowest)."""
    lowest = min(crossed)
    also = sorted(a for a in crossed if a != lowest)
    headline = (f"Communications Credits are low: the balance fell below "
                f"{_money(account, lowest)}")
    if also:
        headline += " (and " + ", ".join(_money(account, a) for a in also) + ")"
    step, buttons = _topup_step(account)
    return _alert(account, kind=LOW, key=f"low:{account.id}:{_micros_key(lowest)}:{episode}",
                  headline=headline + ".", next_step=step, buttons=buttons)


def zero_balance_alert(account: AccountView, *, episode: int) -> Alert:
    """The balance reached zero or below: toll-free numbers and dial-out stop."""
    headline = ("Communications Credits ran out: the balance is "
                f"{_money(account, account.balance)}, so toll-free numbers, auto attendants and "
                "call queues behind them, and meeting dial-out are suspended.")
    detail = ("Calls are still charged after they happen, so the balance can go below zero."
              if account.balance < 0 else None)
    step, buttons = _topup_step(account)
    return _alert(account, kind=ZERO, key=f"zero:{account.id}:{episode}", headline=headline,
                  next_step="service resumes as soon as the balance is above zero: " + step,
                  detail=detail, buttons=buttons, severity="critical")


def lifted_alert(account: AccountView, *, episode: int) -> Alert:
    """A deposit or recharge brought the balance above zero again."""
    return _alert(account, kind=LIFTED, key=f"lifted:{account.id}:{episode}",
                  headline="Communications Credits are back above zero: toll-free numbers and "
                           "dial-out work again.",
                  next_step="nothing; to keep it from running out again, "
                            + ("watch the low-balance alerts." if account.autorecharge_enabled
                               else AUTORECHARGE_HINT + "."),
                  buttons=() if account.autorecharge_enabled else (AUTORECHARGE_ON,),
                  severity="info")


def recharge_succeeded_alert(account: AccountView, *, attempt_id: str, amount: Decimal,
                             method: str | None) -> Alert:
    """An auto-recharge bought credits."""
    paid = f" ({method})" if method else ""
    return _alert(account, kind=RECHARGE_OK, key=f"recharge-ok:{attempt_id}",
                  headline=f"Auto-recharge added {_money(account, amount)}{paid}.",
                  next_step="nothing; the receipt is in `/credits history`.",
                  buttons=(SHOW_USAGE,), severity="info")


def recharge_failed_alert(account: AccountView, *, attempt_id: str, tries: int,
                          amount: Decimal, reason: str, next_try: datetime | None,
                          card_problem: bool, episode_id: str | None = None,
                          started: datetime | None = None, now: datetime | None = None) -> Alert:
    """An auto-recharge failed, with the gateway's reason: one alert per episode (the tries of
    one crossing of the trigger), then one reminder a day while it keeps failing."""
    day = (now - started).days if started is not None and now is not None else 0
    if day == 0:
        headline = f"Auto-recharge of {_money(account, amount)} failed: {mid_sentence(reason)}."
    else:
        headline = (f"Reminder: auto-recharge of {_money(account, amount)} still fails since "
                    f"{started:%Y-%m-%d %H:%M} UTC ({tries} tries): {mid_sentence(reason)}.")
    detail = (f"It is tried again after {next_try:%Y-%m-%d %H:%M} UTC; a reminder follows "
              "daily while it fails." if next_try else "It is not retried automatically.")
    step = (CARD_HINT + "; the recharge is retried at once when the payment method changes."
            if card_problem else f"check the payment method, or {DEPOSIT_HINT}.")
    return _alert(account, kind=RECHARGE_FAILED,
                  key=f"recharge-failed:{episode_id or attempt_id}:day{day}",
                  headline=headline, detail=detail, next_step=step,
                  buttons=(RECHARGE_NOW, SHOW_USAGE), severity="critical")


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
    return _alert(account, kind=RECHARGE_CAPPED, key=key,
                  headline=(f"Auto-recharge paused: it bought credits {limit} times in 24 hours, "
                            f"the most it may. None more before {until:%Y-%m-%d %H:%M} UTC."),
                  detail="Spend this fast can be toll fraud, or a trigger set too high.",
                  next_step=(f"check the calls with `/credits usage last-7-days by destination`;"
                             f" if the spend is real, {DEPOSIT_HINT} or raise the recharge "
                             "amount."),
                  buttons=(SHOW_USAGE, RECHARGE_NOW), severity="critical")


def card_alert(account: AccountView, state: tuple[str, int]) -> Alert | None:
    """The card on file expires soon (or has expired), once per card and expiry month."""
    method = account.payment
    if method is None:
        return None
    kind, days = state
    card = f"{(method.brand or 'card').title()} ending {method.last4}"
    key = (f"{'card-expired' if kind == CARD_EXPIRED else 'card-expiring'}:{account.id}:"
           f"{method.brand}:{method.last4}:{method.exp_year}-{method.exp_month}")
    if kind == CARD_EXPIRED:
        headline = (f"Card expired {method.expiry_text}: the {card} cannot pay for credits, "
                    "so deposits and auto-recharge will fail.")
        severity = "critical"
    else:
        when = "today" if days == 0 else f"in {days} day{'s' if days != 1 else ''}"
        headline = (f"The {card} expires {method.expiry_text} (its last day is {when}): "
                    "deposits and auto-recharge will fail after that.")
        severity = "warning"
    return _alert(account, kind=kind, key=key, headline=headline, next_step=CARD_HINT + ".",
                  severity=severity)


def funds_expiring_alert(account: AccountView, lots: Sequence[LotState]) -> Alert:
    """Credits bought about a year ago expire soon (charges use the oldest credits first)."""
    total = sum((lot.remaining for lot in lots), Decimal(0))
    first = min(lots, key=lambda lot: lot.expires_at)
    parts = [f"{_money(account, lot.remaining)} bought {lot.purchased_at:%Y-%m-%d} expire "
             f"{lot.expires_at:%Y-%m-%d}"
             for lot in sorted(lots, key=lambda lot: lot.expires_at)]
    ids = sorted(lot.id for lot in lots)
    key = f"funds-expiring:{account.id}:{ids[0]}:{len(ids)}"
    return _alert(account, kind=FUNDS_EXPIRING, key=key,
                  headline=(f"{_money(account, total)} of credits expire by "
                            f"{first.expires_at:%Y-%m-%d}: credits expire 12 months after "
                            "purchase, and what is left then is lost."),
                  detail="; ".join(parts) + ".",
                  next_step=("nothing to buy: calls use the oldest credits first. Lower the next "
                             "deposit or recharge if credits keep expiring unused."),
                  buttons=(SHOW_USAGE,))


def funds_expired_alert(account: AccountView, *, amount: Decimal, entry_id: int) -> Alert:
    """Credits bought 12 months ago expired unused: the balance fell by what they held."""
    return _alert(account, kind=FUNDS_EXPIRED, key=f"funds-expired:{entry_id}",
                  headline=(f"{_money(account, amount)} of credits expired unused today: "
                            "credits expire 12 months after purchase."),
                  next_step=("nothing to undo; if credits keep expiring, lower the next deposit "
                             "or recharge amount. `/credits credits` lists what is left and "
                             "when it expires."),
                  buttons=(SHOW_USAGE,))


def runout_alert(account: AccountView, *, days_left: Decimal, run_out: date | None,
                 average: Decimal, today: date) -> Alert:
    """At the recent daily spend, the balance runs out within days."""
    when = f"around {run_out:%Y-%m-%d}" if run_out else "soon"
    step, buttons = _topup_step(account)
    return _alert(account, kind=RUNOUT, key=f"runout:{account.id}:{today.isoformat()}",
                  headline=(f"At the recent average spend of {_money(account, average)} a day, "
                            f"credits run out {when} (in about {days_left} days)."),
                  next_step=step, buttons=buttons)


def spike_alert(account: AccountView, spike: Spike) -> Alert:
    """A day's spend far above the usual: possibly toll fraud."""
    ratio = f"{spike.ratio}x" if spike.ratio is not None else "far above"
    return _alert(account, kind=SPIKE, key=f"spike:{account.id}:{spike.day.isoformat()}",
                  headline=(f"Unusual spend on {spike.day:%Y-%m-%d}: "
                            f"{_money(account, spike.spend)}, {ratio} the 14-day median of "
                            f"{_money(account, spike.median)} a day. This can be toll fraud."),
                  next_step=("check the calls with `/credits usage last-7-days by destination` "
                             "and `by user`; block unexpected destinations and reset the "
                             "credentials of users with calls they did not make."),
                  buttons=(SHOW_USAGE,), severity="critical")


def _micros_key(amount: Decimal) -> str:
    # Keys stay stable whatever the Decimal's exponent: 200, 200.00 and 200.000000 are one.
    return str(int((amount * 1_000_000).to_integral_value(rounding=ROUND_HALF_UP)))
