"""`/credits payment`: the payment method on file and whether the card expires soon;
`/credits payment set` (admins) opens the modal that changes it, the billing type and regions."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError

from bot.alerts.rules import CARD_WARN_DAYS, card_state
from handlers.actions.payment_method import not_opened, open_modal
from handlers.blocks.payment import payment_reply
from handlers.commands.base import Invocation, Subcommand, UsageError
from handlers.context import HandlerContext
from handlers.i18n import N_, t
from handlers.reply import Reply

USAGE = "payment [set]"


def setting(args: tuple[str, ...]) -> bool:
    return bool(args) and args[0].lower() == "set"


def run(ctx: HandlerContext, invocation: Invocation) -> Reply | None:
    if setting(invocation.args):
        return open_form(ctx, invocation)
    locale = ctx.directory.locale(invocation.user_id)
    if invocation.args:
        raise UsageError(N_("It takes no arguments, or `set` to change it."))
    account = invocation.asker.account
    method = account.payment
    return payment_reply(method, state=card_state(method, ctx.services.clock.now()),
                         warn_days=CARD_WARN_DAYS,
                         how_to_set=t("An admin sets one with `/credits payment set`.", locale),
                         locale=locale,
                         change_button=ctx.rights.is_admin(invocation.user_id,
                                                           invocation.team_id))


def acknowledge(ctx: HandlerContext, invocation: Invocation) -> Reply:
    """The ack of `payment set`: the modal opens right after it (views.open is a Web API call,
    kept out of the ack)."""
    locale = ctx.directory.locale(invocation.user_id)
    if len(invocation.args) > 1:
        raise UsageError(N_("`payment set` takes nothing more: the form asks for the rest."))
    if not invocation.trigger_id:
        raise UsageError(N_("Slack sent no trigger to open the form with; type the command "
                           "again."))
    return Reply(text=t("Opening the form to change the payment method…", locale))


def open_form(ctx: HandlerContext, invocation: Invocation) -> Reply | None:
    """Open the modal with the command's trigger (Slack honours it for 3 seconds)."""
    if len(invocation.args) > 1 or not invocation.trigger_id:
        return None  # the ack said why
    try:
        open_modal(ctx, trigger_id=invocation.trigger_id, team_id=invocation.team_id,
                   user_id=invocation.user_id)
    except SlackApiError as exc:
        return not_opened(exc, ctx.directory.locale(invocation.user_id))
    ctx.services.audit.record(team_id=invocation.team_id, actor=invocation.user_id,
                              action="command.payment", result="ok",
                              arguments={"text": invocation.text}, detail="form opened")
    return None


SUBCOMMAND = Subcommand(name="payment", usage=USAGE, run=run, acknowledge=acknowledge,
                        admin_when=setting, slow_when=lambda _ctx, args: setting(args),
                        summary=N_("the payment method on file and whether it expires soon; "
                                   "`payment set` changes it, the billing type and regions "
                                   "(admins)"))
