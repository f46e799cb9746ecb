"""The shape of a `/credits` subcommand: what it receives and what it answers."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from bot.errors import CreditsError, Sentence
from bot.i18n import N_
from handlers.context import HandlerContext
from handlers.reply import Reply

if TYPE_CHECKING:
    from handlers.asking import Asker

MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
CHANNEL = re.compile(r"^<#([CG][A-Z0-9]+)(?:\|[^>]*)?>$")


class UsageError(CreditsError):
    """The subcommand was called with missing or malformed arguments."""

    @classmethod
    def of(cls, error: CreditsError) -> UsageError:
        """Another error's sentence, answered as a usage error (with the subcommand's usage)."""
        return cls(error.message, **error.values)


@dataclass(frozen=True)
class Invocation:
    """One `/credits …` as Slack sent it, and who sent it."""

    team_id: str
    user_id: str
    channel_id: str
    text: str
    args: tuple[str, ...]
    asker: Asker
    response_url: str | None = None
    trigger_id: str | None = None

    @classmethod
    def from_payload(cls, command: dict[str, Any], asker: Asker) -> Invocation:
        text = (command.get("text") or "").strip()
        words = tuple(text.split())
        return cls(team_id=command.get("team_id", ""), user_id=command.get("user_id", ""),
                   channel_id=command.get("channel_id", ""), text=text, args=words[1:],
                   asker=asker, response_url=command.get("response_url"),
                   trigger_id=command.get("trigger_id"))

    @cached_property
    def word(self) -> str:
        """The subcommand's word as typed, lower-cased ("help" when there is none)."""
        return self.text.split(maxsplit=1)[0].lower() if self.text else "help"


Run = Callable[[HandlerContext, Invocation], Reply | None]
Check = Callable[[HandlerContext, Invocation], object]
Acknowledge = Callable[[HandlerContext, Invocation], Reply]


@dataclass(frozen=True)
class Subcommand:
    """A subcommand: its name, usage line, whether it needs an admin, and its body."""

    name: str
    usage: str
    summary: str | Sentence  # marked with N_, read in the user's language by `/credits help`
    run: Run
    admin: bool = False  # True: every call needs an admin; or a predicate on the arguments
    admin_when: Callable[[tuple[str, ...]], bool] | None = None
    slow: bool = False  # answered from a lazy listener after the ack (uploads, exports)
    # For slow ones: a fast check of the arguments, run within the ack (raises UsageError or
    # another CreditsError), so that a typo is answered at once, not after "working on it".
    check: Check | None = None
    # For slow ones instead of `check`: the ack's own answer, from fast work only (parse, read,
    # write a row), saying what the lazy listener is about to do. `run` then says nothing
    # (returns None) when the ack refused or there is nothing left to do.
    acknowledge: Acknowledge | None = None
    aliases: tuple[str, ...] = field(default_factory=tuple)
    # Slow for some arguments or set-ups only (`alerts channel`, `sync now`; `license` with the
    # Microsoft 365 connection, which calls Graph).
    slow_when: Callable[[HandlerContext, tuple[str, ...]], bool] | None = None

    def needs_admin(self, args: tuple[str, ...]) -> bool:
        return self.admin or bool(self.admin_when and self.admin_when(args))

    def runs_slow(self, ctx: HandlerContext, args: tuple[str, ...]) -> bool:
        return self.slow or bool(self.slow_when and self.slow_when(ctx, args))


def parse_user(token: str, usage: str) -> str:
    """The user id of a Slack mention (`<@U123|alice>` or `<@U123>`)."""
    match = MENTION.match(token)
    if not match:
        raise UsageError(N_("`{typed}` is not a user mention. Usage: `/credits {usage}`"),
                         typed=token[:40], usage=usage)
    return match[1]


def parse_channel(token: str, usage: str) -> str:
    """The channel id of a Slack channel reference (`<#C123|general>`)."""
    match = CHANNEL.match(token)
    if not match:
        raise UsageError(N_("`{typed}` is not a channel. Usage: `/credits {usage}`"),
                         typed=token[:40], usage=usage)
    return match[1]
