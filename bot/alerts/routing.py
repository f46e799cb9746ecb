"""Who gets an alert when no channel can take it, and the note that says why (DESIGN §7).

Alerts always reach a person: with no alert channel, or when Slack says the channel cannot take
the post (the bot is not in it, it does not exist, it is archived), the alert goes as a DM to
every admin: CREDITS_ADMINS plus the workspace's owners and admins (users.list). The admins are
looked up when the alert is delivered, by the process that delivers it, not when it is written
(the CLI that imported a file may know no admins at all).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# Slack's answers that mean "this channel cannot take the post", not "try again later".
CHANNEL_GONE = frozenset({"not_in_channel", "channel_not_found", "is_archived",
                          "channel_is_archived"})
USERS_LIST_PAGE = 200
USERS_LIST_MAX_PAGES = 50  # 10,000 members: a bound on what one delivery may read


@dataclass(frozen=True)
class Recipient:
    user_id: str
    locale: str | None = None


NOTES: dict[str, dict[str, str]] = {
    "no_channel": {
        "en": "_No alert channel is set, so this alert comes to the admins by DM. Choose one "
              "with `/credits alerts channel #channel`._",
        "de": "_Es ist kein Warnkanal festgelegt, daher erhalten die Admins diese Warnung per "
              "Direktnachricht. Legen Sie einen mit `/credits alerts channel #kanal` fest._"},
    "not_in_channel": {
        "en": "_I could not post this alert in <#{channel}>: I am not a member of it. Invite me "
              "there with `/invite @Credits Bot`, or choose another channel with "
              "`/credits alerts channel #channel`._",
        "de": "_Ich konnte diese Warnung nicht in <#{channel}> posten: ich bin dort kein "
              "Mitglied. Laden Sie mich mit `/invite @Credits Bot` ein oder wählen Sie mit "
              "`/credits alerts channel #kanal` einen anderen Kanal._"},
    "channel_not_found": {
        "en": "_I could not post this alert in the alert channel {channel}: it does not exist "
              "or I cannot see it (a private channel must invite me). Choose another with "
              "`/credits alerts channel #channel`._",
        "de": "_Ich konnte diese Warnung nicht im Warnkanal {channel} posten: er existiert "
              "nicht oder ich sehe ihn nicht (ein privater Kanal muss mich einladen). Wählen "
              "Sie mit `/credits alerts channel #kanal` einen anderen._"},
    "is_archived": {
        "en": "_I could not post this alert in <#{channel}>: the channel is archived. Choose "
              "another with `/credits alerts channel #channel`._",
        "de": "_Ich konnte diese Warnung nicht in <#{channel}> posten: der Kanal ist "
              "archiviert. Wählen Sie mit `/credits alerts channel #kanal` einen anderen._"},
}


def language(locale: str | None) -> str:
    """`de` for any German locale (de-DE, de-AT, ...), else `en`."""
    return "de" if (locale or "").lower().startswith("de") else "en"


def route_note(*, locale: str | None, channel: str | None, error: str | None) -> str:
    """Why an alert came by DM: no channel set, or the channel's failure."""
    if channel is None or error is None:
        key = "no_channel"
    else:
        key = "is_archived" if error == "channel_is_archived" else error
    return NOTES.get(key, NOTES["no_channel"])[language(locale)].format(channel=channel)


def is_workspace_admin(member: dict[str, object]) -> bool:
    """An owner or admin of the workspace who can read a DM (no bots, no deactivated users)."""
    return (bool(member.get("is_owner") or member.get("is_admin"))
            and not member.get("is_bot") and not member.get("deleted")
            and member.get("id") != "USLACKBOT")


def merge_recipients(listed: Sequence[str], admins: Iterable[str],
                     locales: dict[str, str]) -> list[Recipient]:
    """CREDITS_ADMINS first, then the workspace's owners and admins, each once, with the
    locale Slack reports for each (None when unknown)."""
    users = dict.fromkeys([*listed, *admins])
    return [Recipient(user, locales.get(user)) for user in users]
