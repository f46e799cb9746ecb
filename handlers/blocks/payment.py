"""Blocks of the payment method on file: brand, last 4 digits and expiry, never more."""

from __future__ import annotations

from bot.accounts import PaymentMethod
from bot.alerts.rules import CARD_EXPIRED, CARD_EXPIRING
from handlers.blocks.common import actions, button, context, section
from handlers.blocks.payment_modal import CHANGE_ACTION
from handlers.i18n import t, tn
from handlers.reply import Reply


def payment_reply(method: PaymentMethod | None, *, state: tuple[str, int] | None,
                  warn_days: int, how_to_set: str, locale: str | None,
                  change_button: bool = False) -> Reply:
    """`/credits payment`; `state` is the card's (CARD_EXPIRED | CARD_EXPIRING, days left);
    `change_button` (for admins) adds the button that opens the payment method modal."""
    extra = [actions("payment_actions", button(t("Change the payment method", locale),
                                               CHANGE_ACTION, "payment"))] \
        if change_button else []
    if method is None:
        head = t("There is no payment method on file.", locale)
        return Reply(text=f"{head}\n{how_to_set}",
                     blocks=[section(head), context(how_to_set), *extra])
    if method.kind == "invoice":
        head = t("Payment method: *invoice*, purchase order *{po}*.", locale, po=method.po or "—")
        status = None
    else:
        head = t("Payment method: *{brand}* ending *{last4}*, expires *{expiry}*.",
                 locale, brand=(method.brand or "card").title(),
                 last4=method.last4 or "????", expiry=method.expiry_text)
        if state is not None and state[0] == CARD_EXPIRED:
            status = t(":red_circle: The card expired at the end of {expiry}: deposits and "
                       "recharges fail until it is updated.", locale, expiry=method.expiry_text)
        elif state is not None and state[0] == CARD_EXPIRING:
            status = tn(":warning: The card expires in {count} day (end of {expiry}): update it "
                        "before recharges fail.",
                        ":warning: The card expires in {count} days (end of {expiry}): update it "
                        "before recharges fail.", state[1], locale, expiry=method.expiry_text)
        else:
            status = t("It does not expire within the next {days} days.", locale, days=warn_days)
    lines = [head] + ([status] if status else [])
    note = t("An admin changes it with `/credits payment set`.", locale)
    return Reply(text="\n".join([*lines, note]),
                 blocks=[section("\n".join(lines)), context(note), *extra])
