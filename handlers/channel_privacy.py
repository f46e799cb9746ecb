"""Exports and reports asked for in a channel go to the requester's DM, unless an admin
confirms posting them in the channel (whose member count the note and the confirm name).

A button "Post in this channel" carries a pending operation (the subcommand, its words and the
channel); the first admin click claims it, so a double click posts once.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.errors import SlackApiError

from handlers.blocks.common import Block, actions, button, context
from handlers.commands.base import Invocation
from handlers.context import HandlerContext
from handlers.i18n import N_, t
from handlers.reply import Reply

# The warning before posting each kind of answer in a channel.
PRIVATE_NOTES = {
    "export": N_(":lock: I sent the files to your DM instead of <#{channel}>, which has "
                 "*{members}* members: they name people and the numbers they called. An admin "
                 "can post them there with *Post in this channel*."),
    "report": N_(":lock: I sent the chart to your DM instead of <#{channel}>, which has "
                 "*{members}* members: it shows the account's balance and spend. An admin can "
                 "post it there with *Post in this channel*."),
}

POST_HERE_ACTION = "post_in_channel"
KIND = "post_in_channel"


def in_a_dm(channel_id: str) -> bool:
    """A DM with the bot (D…): what is posted there is the requester's alone."""
    return channel_id.startswith("D")


def member_count(ctx: HandlerContext, channel: str) -> int | None:
    """How many members the channel has (conversations.info), None when Slack does not say."""
    try:
        info = ctx.client.conversations_info(channel=channel, include_num_members=True)
    except (SlackApiError, OSError):
        return None
    count = (info.get("channel") or {}).get("num_members")
    return int(count) if isinstance(count, int) else None


def sent_privately(ctx: HandlerContext, invocation: Invocation, reply: Reply, *,
                   what: str) -> Reply:
    """The reply with a note that it went to the DM, and for an admin the button to post it
    in the channel after all."""
    locale = invocation.asker.locale
    count = member_count(ctx, invocation.channel_id)
    members = str(count) if count is not None else t("several", locale)
    note = t(PRIVATE_NOTES[what], locale, channel=invocation.channel_id, members=members)
    blocks: list[Block] = [*(reply.blocks or []), context(note)]
    if ctx.rights.is_admin(invocation.user_id):
        op = ctx.services.confirmations.create(
            account_id=invocation.asker.account.id, kind=KIND,
            payload={"text": invocation.text, "channel": invocation.channel_id},
            requested_by=invocation.user_id)
        element = button(t("Post in this channel", locale), POST_HERE_ACTION, op.id)
        element["confirm"] = _confirm(t("Post in the channel?", locale),
                                      t("Everyone in <#{channel}> (*{members}* members) will "
                                        "see it.", locale, channel=invocation.channel_id,
                                        members=members),
                                      t("Post in this channel", locale), t("Cancel", locale))
        blocks.append(actions("post_in_channel", element))
    return Reply(text=f"{reply.text}\n{note}", blocks=blocks)


def _confirm(title: str, text: str, yes: str, no: str) -> dict[str, Any]:
    return {"title": {"type": "plain_text", "text": title[:100]},
            "text": {"type": "mrkdwn", "text": text},
            "confirm": {"type": "plain_text", "text": yes[:30]},
            "deny": {"type": "plain_text", "text": no[:30]}}
