"""Upload files to a conversation with `files_upload_v2`, or privately to the user's DM.

A slash command can come from a channel the bot is not in, or from a DM between two people,
where the bot cannot post: the files then go to the user's DM with the bot instead, and the
caller says so.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.errors import CreditsError
from bot.i18n import N_

log = logging.getLogger(__name__)

HERE, DM, DM_FALLBACK = "here", "dm", "dm_fallback"
# What Slack answers when the bot may not share files in a conversation.
CANNOT_POST = frozenset({"not_in_channel", "channel_not_found", "is_archived",
                         "restricted_action", "not_allowed_token_type", "invalid_channel"})


class UploadFailed(CreditsError):
    """Slack refused to take or share a file."""


@dataclass(frozen=True)
class Upload:
    filename: str
    content: bytes
    title: str


def upload(client: WebClient, *, files: Sequence[Upload], channel: str, user_id: str,
           comment: str, private: bool = False) -> str:
    """Share `files` in `channel` (HERE) or, if `private` (DM) or the bot cannot post there
    (DM_FALLBACK), in the user's DM with the bot. Returns where they went."""
    try:
        if not private:
            try:
                _send(client, files=files, channel=channel, comment=comment)
                return HERE
            except SlackApiError as exc:
                if exc.response.get("error") not in CANNOT_POST:
                    raise
                log.info("cannot share files in %s (%s): sending them to %s's DM", channel,
                         exc.response.get("error"), user_id)
        dm = client.conversations_open(users=user_id)["channel"]["id"]
        _send(client, files=files, channel=dm, comment=comment)
    except SlackApiError as exc:
        error = exc.response.get("error") or exc.response.status_code
        raise UploadFailed(N_("Slack refused the upload ({error}); please try again later."),
                           error=error) \
            from None
    return DM if private else DM_FALLBACK


def _send(client: WebClient, *, files: Sequence[Upload], channel: str, comment: str) -> None:
    client.files_upload_v2(
        channel=channel, initial_comment=comment,
        file_uploads=[{"file": f.content, "filename": f.filename, "title": f.title}
                      for f in files])
