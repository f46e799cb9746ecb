"""Blocks of the auto-recharge setting: shown, turned on, turned off."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from bot.accounts import AccountView
from bot.money import format_money
from handlers.blocks.common import actions, button, context, section
from handlers.i18n import t
from handlers.reply import Reply


def setting_text(account: AccountView, *, locale: str | None) -> str:
    """The setting in a sentence, in the account's currency and the user's locale."""
    if (account.autorecharge_enabled and account.autorecharge_amount is not None
            and account.autorecharge_below is not None):
        return t("autorecharge_is_on", locale,
                 amount=format_money(account.autorecharge_amount, account.currency, locale),
                 below=format_money(account.autorecharge_below, account.currency, locale))
    return t("autorecharge_is_off", locale)


CONFIRM_ACTION = "autorecharge_confirm"
CANCEL_ACTION = "autorecharge_cancel"


def autorecharge_reply(account: AccountView, *, locale: str | None,
                       paused_until: datetime | None = None, cap: int = 5) -> Reply:
    """`/credits autorecharge`: the setting, whether the runaway guard pauses it, and how
    admins change it."""
    text = setting_text(account, locale=locale)
    if paused_until is not None:
        text += "\n" + t("autorecharge_paused", locale, until=f"{paused_until:%Y-%m-%d %H:%M}",
                         cap=cap)
    hint = t("autorecharge_hint", locale)
    return Reply(text=f"{text}\n{hint}", blocks=[section(text), context(hint)])


def setting_warnings(account: AccountView, *, amount: Decimal, below: Decimal, cap: int,
                     locale: str | None) -> list[str]:
    """What is surprising about a setting: a trigger at or above the balance buys at once; an
    amount below the trigger's shortfall buys again after every charge."""
    money = lambda value: format_money(value, account.currency, locale)  # noqa: E731
    warnings = []
    if below >= account.balance:
        warnings.append(t("autorecharge_warn_trigger", locale, below=money(below),
                          balance=money(account.balance), amount=money(amount)))
        shortfall = below - account.balance
        if amount <= shortfall:
            warnings.append(t("autorecharge_warn_short", locale, amount=money(amount),
                              shortfall=money(shortfall - amount), cap=cap))
    return warnings


def autorecharge_warning_reply(warnings: list[str], *, amount: Decimal, below: Decimal,
                               currency: str, operation_id: str, locale: str | None) -> Reply:
    """The warnings, and Confirm / Cancel buttons carrying the pending operation."""
    ask = t("autorecharge_confirm_ask", locale, amount=format_money(amount, currency, locale),
            below=format_money(below, currency, locale))
    lines = [*warnings, ask]
    return Reply(text="\n".join(lines), blocks=[
        section("\n".join(lines)),
        actions("autorecharge_confirm",
                button(t("button_confirm", locale), CONFIRM_ACTION, operation_id,
                       style="danger"),
                button(t("button_cancel", locale), CANCEL_ACTION, operation_id))])


def autorecharge_on_reply(account: AccountView, *, method: str, locale: str | None,
                          recharged: bool = False, failure: str | None = None) -> Reply:
    """Auto-recharge turned on, and what became of a balance below the trigger already: the
    first recharge was bought at once, or failed, or waits for the next check."""
    assert account.autorecharge_amount is not None and account.autorecharge_below is not None
    text = t("autorecharge_turned_on", locale,
             amount=format_money(account.autorecharge_amount, account.currency, locale),
             below=format_money(account.autorecharge_below, account.currency, locale),
             method=method)
    blocks = [section(text)]
    note = None
    balance = format_money(account.balance, account.currency, locale)
    if recharged:
        note = t("autorecharge_bought_now", locale, balance=balance)
    elif failure:
        note = t("autorecharge_failed_now", locale, reason=failure)
    elif account.balance < account.autorecharge_below:
        note = t("autorecharge_below_now", locale, balance=balance)
    if note:
        text += "\n" + note
        blocks.append(context(note))
    return Reply(text=text, blocks=blocks)


def autorecharge_off_reply(*, locale: str | None) -> Reply:
    text = t("autorecharge_turned_off", locale)
    return Reply(text=text, blocks=[section(text)])
