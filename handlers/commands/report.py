"""`/credits report [period]`: a summary and a chart of balance and daily spend (PNG).

Slow: acknowledged at once; the chart is drawn and uploaded to the conversation from a lazy
listener, and the summary answered through the response URL. Anyone may ask (the balance is
no secret); only admins see the spend per user.
"""

from __future__ import annotations

from bot.usage.reports import render_chart
from handlers.blocks.report import report_reply
from handlers.channel_privacy import in_a_dm, sent_privately
from handlers.commands.base import Invocation, Subcommand
from handlers.commands.usage_args import period_text, read_period
from handlers.context import HandlerContext
from handlers.i18n import N_, t
from handlers.reply import Reply
from handlers.uploads import Upload, upload
from handlers.usage_text import period_label

USAGE = "report [period]"


def run(ctx: HandlerContext, invocation: Invocation) -> Reply:
    return deliver(ctx, invocation, here=in_a_dm(invocation.channel_id))


def deliver(ctx: HandlerContext, invocation: Invocation, *, here: bool) -> Reply:
    """The report; the chart goes to the conversation only when `here` (a DM with the bot, or
    an admin confirmed posting in the channel), else to the requester's DM."""
    account = invocation.asker.account
    period = read_period(ctx, account, period_text(invocation.args))
    locale = invocation.asker.locale
    report = ctx.services.usage_reports.report(account, period)
    title = t("Credits report: {period}", locale, period=period_label(period, locale))
    chart = Upload(f"credits-report-{period.first_day}_{period.last_day}.png",
                   render_chart(report, title=title, locale=locale), title)
    where = upload(ctx.client, channel=invocation.channel_id, user_id=invocation.user_id,
                   comment=t("Balance and daily spend, {period}.",
                             locale, period=period_label(period, locale)),
                   files=[chart], private=not here)
    reply = report_reply(report, show_users=ctx.rights.is_admin(invocation.user_id),
                         where=where, locale=locale)
    return reply if here else sent_privately(ctx, invocation, reply, what="report")


def check(ctx: HandlerContext, invocation: Invocation) -> None:
    """Refuse a bad period within the ack."""
    read_period(ctx, invocation.asker.account,
                period_text(invocation.args))


SUBCOMMAND = Subcommand(name="report", usage=USAGE, run=run, slow=True, check=check,
                        summary=N_("a summary of the period with a chart of balance and daily "
                                   "spend"))
