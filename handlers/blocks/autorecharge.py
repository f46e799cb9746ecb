"""Blocks of the auto-recharge setting: shown, turned on, turned off."""

from __future__ import annotations

from datetime import datetime

from bot.accounts import AccountView, describe_in
from bot.alerts.texts import mid_sentence
from bot.money import Money
from bot.usecases.autorecharge_setup import TurnedOn
from handlers.blocks.common import actions, button, context, section
from handlers.i18n import format_moment, t
from handlers.reply import Reply


def setting_text(account: AccountView, *, locale: str | None) -> str:
    """The setting in a sentence, in the account's currency and the user's locale."""
    if (account.autorecharge_enabled and account.autorecharge_amount is not None
            and account.autorecharge_below is not None):
        return t("Auto-recharge is *on*: add *{amount}* when the balance is below *{below}*.",
                 locale,
                 amount=account.autorecharge_amount.format(locale),
                 below=account.autorecharge_below.format(locale))
    return t("Auto-recharge is *off*.", locale)


CONFIRM_ACTION = "autorecharge_confirm"
CANCEL_ACTION = "autorecharge_cancel"


def autorecharge_reply(account: AccountView, *, locale: str | None,
                       paused_until: datetime | None = None, cap: int = 5) -> Reply:
    """`/credits autorecharge`: the setting, whether the runaway guard pauses it, and how
    admins change it."""
    text = setting_text(account, locale=locale)
    if paused_until is not None:
        text += "\n" + t(":double_vertical_bar: It is *paused until {until} UTC*: it bought "
                         "credits {cap} times in 24 hours, the most it may "
                         "(CREDITS_RECHARGE_CAP_PER_DAY). Spend this fast can be toll fraud: "
                         "check `/credits usage last-7-days by destination`.",
                         locale, until=format_moment(paused_until, locale),
                         cap=cap)
    hint = t("Admins: `/credits autorecharge on <amount> below <trigger>` or `/credits "
             "autorecharge off`.", locale)
    return Reply(text=f"{text}\n{hint}", blocks=[section(text), context(hint)])


def setting_warnings(account: AccountView, *, amount: Money, below: Money, cap: int,
                     locale: str | None) -> list[str]:
    """What is surprising about a setting: a trigger at or above the balance buys at once; an
    amount below the trigger's shortfall buys again after every charge."""
    def money(value: Money) -> str:
        return value.format(locale)

    warnings = []
    if below >= account.balance:
        warnings.append(t(":warning: The trigger *{below}* is at or above the balance "
                          "(*{balance}*): *{amount}* is bought at once.",
                          locale, below=money(below),
                          balance=money(account.balance), amount=money(amount)))
        shortfall = below - account.balance
        if amount <= shortfall:
            warnings.append(t(":warning: *{amount}* does not lift the balance above the "
                              "trigger (it is *{shortfall}* short): a recharge is bought again "
                              "after every charge, up to {cap} times in 24 hours.",
                              locale, amount=money(amount),
                              shortfall=money(shortfall - amount), cap=cap))
    return warnings


def autorecharge_warning_reply(warnings: list[str], *, amount: Money, below: Money,
                               operation_id: str, locale: str | None) -> Reply:
    """The warnings, and Confirm / Cancel buttons carrying the pending operation."""
    ask = t("Turn auto-recharge on anyway (add *{amount}* when below *{below}*)?",
            locale, amount=amount.format(locale),
            below=below.format(locale))
    lines = [*warnings, ask]
    return Reply(text="\n".join(lines), blocks=[
        section("\n".join(lines)),
        actions("autorecharge_confirm",
                button(t("Confirm", locale), CONFIRM_ACTION, operation_id,
                       style="danger"),
                button(t("Cancel", locale), CANCEL_ACTION, operation_id))])


def autorecharge_on_reply(account: AccountView, *, method: str, locale: str | None,
                          recharged: bool = False, failure: str | None = None) -> Reply:
    """Auto-recharge turned on, and what became of a balance below the trigger already: the
    first recharge was bought at once, or failed, or waits for the next check."""
    assert account.autorecharge_amount is not None and account.autorecharge_below is not None
    text = t(":white_check_mark: Auto-recharge is now *on*: add *{amount}* when the balance is "
             "below *{below}*, paid by {method}.", locale,
             amount=account.autorecharge_amount.format(locale),
             below=account.autorecharge_below.format(locale),
             method=describe_in(method, locale))
    blocks = [section(text)]
    note = None
    balance = account.balance.format(locale)
    if recharged:
        note = t("The balance was below the trigger already, so the first recharge was bought "
                 "now: the balance is {balance}.", locale, balance=balance)
    elif failure:
        note = t("The balance is below the trigger already, but the first recharge failed: "
                 "{reason}. It is retried, and the alert channel is told.", locale, reason=failure)
    elif account.balance < account.autorecharge_below:
        note = t("The balance ({balance}) is below the trigger already: the first recharge "
                 "runs at the next check.", locale, balance=balance)
    if note:
        text += "\n" + note
        blocks.append(context(note))
    return Reply(text=text, blocks=blocks)


def turned_on_reply(turned_on: TurnedOn, *, locale: str | None) -> Reply:
    """What turning auto-recharge on did (bot/usecases/autorecharge_setup.py)."""
    failure = turned_on.failure
    return autorecharge_on_reply(turned_on.account, method=turned_on.method, locale=locale,
                                 recharged=turned_on.recharged,
                                 failure=mid_sentence(failure) if failure is not None else None)


def autorecharge_off_reply(*, locale: str | None) -> Reply:
    text = t("Auto-recharge is now *off*. The balance is not topped up any more: keep an eye "
             "on the alerts.", locale)
    return Reply(text=text, blocks=[section(text)])
