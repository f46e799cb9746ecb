"""`/credits export [period] [csv | xlsx]`: call records and ledger entries as files.

Slow: acknowledged at once, built and uploaded from a lazy listener, answered through the
response URL. Who gets what:
- an admin exports everyone's call records and the ledger, uploaded to the conversation the
  command came from (the user's DM with the bot where the bot cannot post there);
- a member exports only their own call records (matched by their Slack e-mail, the UPN), never
  the ledger, and always to their DM with the bot, so their calls are not shown to a channel.
Every export is in the audit log (who, which period, whose calls).
"""

from __future__ import annotations

from bot.usage.reports import FORMATS
from handlers.blocks.export import export_comment, export_reply
from handlers.channel_privacy import in_a_dm, sent_privately
from handlers.commands.base import Invocation, Subcommand, UsageError
from handlers.commands.usage_args import own_email, period_text, read_period
from handlers.context import HandlerContext
from handlers.i18n import N_
from handlers.reply import Reply
from handlers.uploads import Upload, upload

USAGE = "export [period] [csv | xlsx]"
# File formats people may ask for that exports are not made in: named as such, not as periods.
OTHER_FORMATS = frozenset({"pdf", "xls", "ods", "tsv", "txt", "json", "xml", "html", "doc",
                           "docx", "zip", "png"})


def run(ctx: HandlerContext, invocation: Invocation) -> Reply:
    return deliver(ctx, invocation, here=in_a_dm(invocation.channel_id))


def deliver(ctx: HandlerContext, invocation: Invocation, *, here: bool) -> Reply:
    """Export; the files go to the conversation only when `here` (a DM with the bot, or an
    admin confirmed posting in the channel), else to the requester's DM."""
    fmt, words = split_format(invocation.args)
    account = invocation.asker.account
    period = read_period(ctx, account, period_text(words))
    email = own_email(ctx, invocation.asker)
    locale = invocation.asker.locale
    reports = ctx.services.usage_reports
    files = reports.export(account, period, fmt=fmt, user=email)
    call_count = reports.summary(account, period, user=email).calls
    where = upload(ctx.client, channel=invocation.channel_id, user_id=invocation.user_id,
                   private=email is not None or not here,
                   comment=export_comment(period, email=email, locale=locale),
                   files=[Upload(f.filename, f.content, f.filename) for f in files])
    ctx.services.audit.record(team_id=invocation.team_id, actor=invocation.user_id,
                              action="command.export", result="ok",
                              arguments={"text": invocation.text,
                                         "scope": "all" if email is None else email,
                                         "files": [f.filename for f in files], "where": where})
    reply = export_reply(files, period=period, call_count=call_count, email=email, where=where,
                         locale=locale)
    if not here and email is None:  # a member's own calls always go to their DM, said so
        reply = sent_privately(ctx, invocation, reply, what="export")
    return reply


def check(ctx: HandlerContext, invocation: Invocation) -> None:
    """Refuse a bad format or period within the ack."""
    _, words = split_format(invocation.args)
    read_period(ctx, invocation.asker.account, period_text(words))


def split_format(args: tuple[str, ...]) -> tuple[str, list[str]]:
    """The file format (csv by default) and the other words."""
    formats = [word for word in args if word.lower() in FORMATS]
    words = [word for word in args if word.lower() not in FORMATS]
    if len(formats) > 1:
        raise UsageError(N_("Choose one format: `csv` or `xlsx`."))
    other = next((word for word in words if word.lower().lstrip(".") in OTHER_FORMATS), None)
    if other is not None:
        raise UsageError(N_("Exports are not made as `{format}`: the formats are `csv` (the "
                            "default) and `xlsx`."), format=other.lower().lstrip("."))
    return (formats[0].lower() if formats else "csv"), words


SUBCOMMAND = Subcommand(name="export", usage=USAGE, run=run, slow=True, check=check,
                        summary=N_("call records and ledger as CSV or XLSX files (members: "
                                   "their own calls, sent privately)"))
