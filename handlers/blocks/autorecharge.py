"""Blocks of the auto-recharge setting: shown, turned on, turned off."""

from __future__ import annotations

from bot.accounts import AccountView
from bot.money import format_money
from handlers.blocks.common import context, section
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


def autorecharge_reply(account: AccountView, *, locale: str | None) -> Reply:
    """`/credits autorecharge`: the setting and how admins change it."""
    text = setting_text(account, locale=locale)
    hint = t("autorecharge_hint", locale)
    return Reply(text=f"{text}\n{hint}", blocks=[section(text), context(hint)])


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
