"""Who is asking: the team and user of one Slack request, their credits account, their locale
and whether they are a credits admin, worked out once per request by a Bolt middleware.

Each is looked up when a listener first needs it and then kept for the rest of the request
(the ack and its lazy listener share it): `/credits help` never reads an account, and a
deposit reads it once. A `/credits …` is parsed once, here, into its `Invocation`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

from slack_bolt import BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware

from bot.accounts import Accounts, AccountView
from handlers.auth import Rights
from handlers.directory import Directory

ASKER = "asker"  # the key of the request's Asker in Bolt's context
INVOCATION = "invocation"  # the key of a slash command's parsed Invocation

_UNSET: Any = object()


class Asker:
    """Who sent one request; each fact is looked up at most once."""

    def __init__(self, team_id: str, user_id: str, *, accounts: Accounts, directory: Directory,
                 rights: Rights) -> None:
        self.team_id = team_id
        self.user_id = user_id
        self._accounts = accounts
        self._directory = directory
        self._rights = rights
        self._lock = threading.Lock()  # the ack and the lazy listener run on two threads
        self._account: AccountView = _UNSET
        self._locale: str | None = _UNSET
        self._admin: bool = _UNSET

    def __deepcopy__(self, memo: dict[int, Any]) -> Asker:
        return self  # Bolt copies the context for a lazy listener: it is the same request

    @property
    def account(self) -> AccountView:
        """The team's credits account as the request found it (created on first contact)."""
        with self._lock:
            if self._account is _UNSET:
                self._account = self._accounts.ensure(self.team_id)
            return self._account

    @property
    def locale(self) -> str | None:
        """The user's Slack locale (None: Slack did not say; answer in English)."""
        with self._lock:
            if self._locale is _UNSET:
                self._locale = self._directory.locale(self.user_id)
            return self._locale

    @property
    def is_admin(self) -> bool:
        """Whether the user is a credits admin of this workspace."""
        with self._lock:
            if self._admin is _UNSET:
                self._admin = self._rights.is_admin(self.user_id, self.team_id)
            return self._admin

    def require_admin(self, *, action: str, arguments: Mapping[str, Any] | None = None) -> None:
        """Refuse a non-admin (InsufficientRights), and put the attempt in the audit log."""
        if not self.is_admin:
            self._rights.deny(team_id=self.team_id, user_id=self.user_id, action=action,
                              arguments=arguments)


def asker_of(context: Mapping[str, Any]) -> Asker:
    """The Asker the middleware put in a request's Bolt context."""
    asker = context[ASKER]
    assert isinstance(asker, Asker)
    return asker


class WhoIsAsking(Middleware):
    """The Bolt middleware that puts the request's Asker (and a command's Invocation, read by
    `parse_command`: handlers.commands.base.Invocation.from_payload) in its context.

    A `Middleware` subclass, not a function: Bolt calls its `process` directly, without
    building the keyword arguments a function middleware asks for (one request's profile
    spent a third of its time there)."""

    def __init__(self, accounts: Accounts, directory: Directory, rights: Rights, *,
                 parse_command: Callable[[dict[str, Any], Asker], Any]) -> None:
        self.accounts = accounts
        self.directory = directory
        self.rights = rights
        self.parse_command = parse_command

    def process(self, *, req: BoltRequest, resp: BoltResponse,
                next: Callable[[], BoltResponse]) -> BoltResponse | None:  # noqa: A002 - Bolt's name
        context = req.context
        asker = Asker(str(context.team_id or ""), str(context.user_id or ""),
                      accounts=self.accounts, directory=self.directory, rights=self.rights)
        context[ASKER] = asker
        body = req.body
        if body.get("command"):
            context[INVOCATION] = self.parse_command(body, asker)
        return next()
