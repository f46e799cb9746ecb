"""`/credits adjust <±amount> <reason>`: correct the balance by hand (admins, confirmed first).

The correction is an `adjustment` ledger entry booked only when an admin presses Confirm; the
pending operation's id is its idempotency key (bot/usecases/adjustments.py), so a double click
books it once.
"""

from __future__ import annotations

from bot.errors import InvalidAmount
from bot.money import Money, parse_amount
from handlers.blocks.adjust import adjust_confirm_reply
from handlers.blocks.history import signed_money
from handlers.commands.base import Invocation, Subcommand, UsageError
from handlers.context import HandlerContext
from handlers.i18n import N_, t
from handlers.reply import Reply

USAGE = "adjust <±amount> <reason>"
MAX_REASON = 200


def run(ctx: HandlerContext, invocation: Invocation) -> Reply:
    locale = invocation.asker.locale
    if len(invocation.args) < 2:
        raise UsageError(N_("Write it as `adjust +25.00 refund of a wrong charge` or `adjust "
                           "-10 correction`: a signed amount, then the reason."))
    account = invocation.asker.account
    amount = signed_amount(invocation.args[0], account.currency)
    reason = " ".join(invocation.args[1:])[:MAX_REASON]
    question = t("Book an adjustment of *{amount}* ({reason})? The balance would go from "
                 "*{balance}* to *{after}*.",
                 locale, amount=signed_money(amount, locale), reason=reason,
                 balance=account.balance.format(locale),
                 after=(account.balance + amount).format(locale))
    return ask(ctx, invocation, amount=amount, reason=reason, question=question,
               locale=locale)


def ask(ctx: HandlerContext, invocation: Invocation, *, amount: Money, reason: str,
        question: str, locale: str | None) -> Reply:
    """Store the adjustment as a pending operation and ask for its confirmation."""
    op = ctx.use_cases.adjustments.ask(
        invocation.asker.account, amount=amount, reason=reason, actor=invocation.user_id,
        request=(invocation.text, invocation.response_url or ""))
    return adjust_confirm_reply(question, operation_id=op.id, locale=locale)


def signed_amount(text: str, currency: str) -> Money:
    """`+25`, `-10.50`, `25` (a plus): an amount with its sign."""
    sign = -1 if text[:1] in ("-", "−") else 1
    try:
        return sign * parse_amount(text[1:] if text[:1] in ("+", "-", "−") else text,
                                   currency=currency)
    except InvalidAmount as exc:
        raise UsageError(N_("{error} Write it as `adjust +25.00 refund of a wrong charge` or "
                            "`adjust -10 correction`: a signed amount, then the reason."),
                         error=exc.text) from exc



SUBCOMMAND = Subcommand(name="adjust", usage=USAGE, run=run, admin=True,
                        summary=N_("correct the balance by a signed amount, with a reason "
                                   "(confirmed by a button); admins only"))
